import { expect } from 'chai';
import { parseAmqpUrl } from '../../src/amqp/url.js';
import { UrlError } from '../../src/transport/url.js';

describe('amqp URLs', () => {
  const CASES: readonly { readonly url: string; readonly expect: object }[] = [
    { url: 'amqp://localhost', expect: { target: { kind: 'tcp', host: 'localhost', port: 5672 }, hostname: 'localhost', username: undefined } },
    { url: 'amqp://guest:guest@broker:5673/', expect: { target: { kind: 'tcp', host: 'broker', port: 5673 }, hostname: 'broker', username: 'guest', password: 'guest' } },
    { url: 'amqp://u%40x:p%3Aw@h/vhost%2Fone', expect: { target: { kind: 'tcp', host: 'h', port: 5672 }, hostname: 'vhost/one', username: 'u@x', password: 'p:w' } },
    { url: 'amqps://h', expect: { target: { kind: 'tls', host: 'h', port: 5671 }, hostname: 'h' } },
    { url: 'amqp://[::1]:5672', expect: { target: { kind: 'tcp', host: '::1', port: 5672 }, hostname: '::1' } },
    { url: 'amqp+ws://h:8080/amqp?vhost=v1', expect: { target: { kind: 'websocket', url: 'ws://h:8080/amqp', protocols: ['amqp'] }, hostname: 'v1' } },
    { url: 'wss://[::1]:8443/ws', expect: { target: { kind: 'websocket', url: 'wss://[::1]:8443/ws', protocols: ['amqp'] }, hostname: '::1' } },
  ];
  for (const c of CASES) {
    it(`parses ${c.url}`, () => {
      expect(parseAmqpUrl(c.url)).to.deep.include(c.expect);
    });
  }

  it('rejects other schemes and bad URLs without echoing the password', () => {
    expect(() => parseAmqpUrl('http://h')).to.throw(UrlError, /unsupported URL scheme "http"/);
    const err = (() => { try { parseAmqpUrl('stomp://u:hunter2@h'); } catch (e) { return e as Error; } })();
    expect(err?.message).to.include('u:***@').and.not.include('hunter2');
    expect(() => parseAmqpUrl('not a url')).to.throw(UrlError, /not a valid URL/);
  });
});
