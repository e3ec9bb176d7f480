/**
 * The HTTP CONNECT handshake as byte vectors: the request (Host, Basic Proxy-Authorization), a
 * response head split at every byte, bytes after the head kept for the tunnel, and every non-2xx
 * status a typed ProxyError with the status, never the password.
 */
import { expect } from 'chai';
import { HttpConnectHandshake, MAX_RESPONSE_HEAD_BYTES } from '../../src/transport/http-connect.js';
import { ProxyError, type HandshakeStep, type ProxyConfig } from '../../src/transport/proxy.js';

const PLAIN: ProxyConfig = { kind: 'http', host: 'proxy.local', port: 3128 };
const AUTH: ProxyConfig = { ...PLAIN, username: 'bob', password: 'p@ss:wörd' };
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function feed(h: HttpConnectHandshake, answer: string | Uint8Array, size: number): HandshakeStep {
  const bytes = typeof answer === 'string' ? Buffer.from(answer, 'latin1') : answer;
  let last: HandshakeStep = { kind: 'continue' };
  for (let i = 0; i < bytes.length && last.kind === 'continue'; i += size) last = h.receive(bytes.subarray(i, i + size));
  return last;
}

describe('transport: HTTP CONNECT handshake (sans-IO)', () => {
  it('asks for the target with a Host header, and Basic credentials in UTF-8 when it has them', () => {
    expect(text(new HttpConnectHandshake(PLAIN, 'broker.example', 5671).start()))
      .to.equal('CONNECT broker.example:5671 HTTP/1.1\r\nHost: broker.example:5671\r\n\r\n');
    const withAuth = text(new HttpConnectHandshake(AUTH, '::1', 5672).start());
    expect(withAuth).to.equal(`CONNECT [::1]:5672 HTTP/1.1\r\nHost: [::1]:5672\r\nProxy-Authorization: Basic ${Buffer.from('bob:p@ss:wörd', 'utf8').toString('base64')}\r\n\r\n`);
  });

  const OK = 'HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n';
  for (const size of [1, 2, 3, 5, 1000]) {
    it(`opens the tunnel on 200, the head split every ${size} bytes, keeping what follows it`, () => {
      const h = new HttpConnectHandshake(PLAIN, 'b', 1);
      h.start();
      // The first bytes of the tunnel may come in the same read as the head, or across reads.
      const step = feed(h, `${OK}AMQP\x00\x01\x00\x00`, size);
      expect(step.kind).to.equal('done');
      const rest = text((step as { rest: Uint8Array }).rest);
      expect(OK.length + rest.length).to.be.at.most(OK.length + 8);
      expect('AMQP\x00\x01\x00\x00'.startsWith(rest)).to.equal(true);
      if (size === 1000) expect(rest).to.equal('AMQP\x00\x01\x00\x00');
    });
  }

  it('accepts any 2xx and HTTP/1.0', () => {
    const h = new HttpConnectHandshake(PLAIN, 'b', 1);
    h.start();
    expect(feed(h, 'HTTP/1.0 204 fine\r\n\r\n', 100).kind).to.equal('done');
  });

  const refusals: readonly { name: string; config: ProxyConfig; answer: string; failure: string; status?: number; text: RegExp }[] = [
    { name: '407 with credentials', config: AUTH, answer: 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n', failure: 'authentication', status: 407, text: /refused the credentials of bob: 407 Proxy Authentication Required/ },
    { name: '407 without credentials', config: PLAIN, answer: 'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', failure: 'authentication', status: 407, text: /requires credentials/ },
    { name: '401 to wrong credentials (tinyproxy 1.11)', config: AUTH, answer: 'HTTP/1.1 401 Unauthorized\r\n\r\n', failure: 'authentication', status: 401, text: /refused the credentials of bob: 401 Unauthorized/ },
    { name: '403 (a port the proxy does not allow)', config: AUTH, answer: 'HTTP/1.1 403 Access violation\r\n\r\n', failure: 'refused', status: 403, text: /would not connect to broker.example:5672: 403 Access violation/ },
    { name: '502 with a body', config: PLAIN, answer: 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\noops!', failure: 'refused', status: 502, text: /502 Bad Gateway/ },
    { name: 'a status line that is not HTTP', config: PLAIN, answer: 'SSH-2.0-OpenSSH\r\n\r\n', failure: 'protocol', text: /not an HTTP\/1.x status line/ },
    { name: 'a head without end', config: PLAIN, answer: `HTTP/1.1 200 OK\r\n${'X-Pad: y\r\n'.repeat(2000)}`, failure: 'protocol', text: new RegExp(`over ${MAX_RESPONSE_HEAD_BYTES} bytes`) },
  ];
  for (const c of refusals) {
    for (const size of [1, 7, 100_000]) {
      it(`fails typed on ${c.name} (split every ${size} bytes)`, () => {
        const h = new HttpConnectHandshake(c.config, 'broker.example', 5672);
        h.start();
        const step = feed(h, c.answer, size);
        expect(step.kind).to.equal('failed');
        const err = (step as { error: ProxyError }).error;
        expect(err).to.be.instanceOf(ProxyError);
        expect(err.failure).to.equal(c.failure);
        expect(err.proxyKind).to.equal('http');
        expect(err.statusCode).to.equal(c.status);
        expect(err.message).to.match(c.text);
        expect(err.message).not.to.include('p@ss');
        if (c.status !== undefined) expect(err.code).to.equal(`HTTP_${c.status}`);
      });
    }
  }
});
