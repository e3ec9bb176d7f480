import { expect } from 'chai';
import { parseStompUrl, UrlError } from '../../src/stomp/index.js';

describe('stomp URLs', () => {
  const cases: [string, object][] = [
    ['stomp://guest:guest@localhost:61613/%2F', { target: { kind: 'tcp', host: 'localhost', port: 61613 }, host: '/', login: 'guest', passcode: 'guest' }],
    ['stomp://broker.example', { target: { kind: 'tcp', host: 'broker.example', port: 61613 }, host: 'broker.example', login: undefined, passcode: undefined }],
    ['stomp://u:p%3Aw@host:1234/vh%20x', { target: { kind: 'tcp', host: 'host', port: 1234 }, host: 'vh x', login: 'u', passcode: 'p:w' }],
    ['stomp+ssl://h/v', { target: { kind: 'tls', host: 'h', port: 61614 }, host: 'v' }],
    ['stomp://[::1]:61613', { target: { kind: 'tcp', host: '::1', port: 61613 }, host: '::1' }],
    ['ws://localhost:15674/ws', { target: { kind: 'websocket', url: 'ws://localhost:15674/ws', protocols: ['v12.stomp', 'v11.stomp', 'v10.stomp'] }, host: 'localhost' }],
    ['wss://g:g@[::1]:15673/ws?vhost=%2F', { target: { kind: 'websocket', url: 'wss://[::1]:15673/ws', protocols: ['v12.stomp', 'v11.stomp', 'v10.stomp'] }, host: '/', login: 'g' }],
  ];
  for (const [url, expected] of cases) {
    it(`parses ${url}`, () => { expect(parseStompUrl(url)).to.deep.include(expected); });
  }
  it('rejects other schemes and bad ports, without leaking the password', () => {
    expect(() => parseStompUrl('amqp://h')).to.throw(UrlError, /unsupported URL scheme "amqp"/);
    expect(() => parseStompUrl('stomp://u:secret@h:99999')).to.throw(UrlError).that.satisfies((e: Error) => !e.message.includes('secret'));
    expect(() => parseStompUrl('not a url')).to.throw(UrlError);
  });
});
