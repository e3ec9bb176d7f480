/**
 * The SOCKS5 handshake as byte vectors (RFC 1928 and RFC 1929): what we write, every answer split
 * at every byte, and each refusal as a typed ProxyError with the reply code and without the password.
 */
import { expect } from 'chai';
import { ProxyError, type HandshakeStep, type ProxyConfig } from '../../src/transport/proxy.js';
import { ipv6Bytes, Socks5Handshake } from '../../src/transport/socks5.js';

const NO_AUTH: ProxyConfig = { kind: 'socks5', host: '127.0.0.1', port: 1080 };
const WITH_AUTH: ProxyConfig = { ...NO_AUTH, username: 'alice', password: 's3cret-pw' };
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
/** The CONNECT request for broker.example:5672 as a domain name. */
const domainRequest = (host: string, port: number): Uint8Array =>
  Uint8Array.from([5, 1, 0, 3, host.length, ...Buffer.from(host), port >> 8, port & 0xff]);
const SUCCESS_V4 = bytes(5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38);

/** Feed `answer` split into pieces of `size` bytes; returns the last step and every write. */
function feed(h: Socks5Handshake, answer: Uint8Array, size: number): { last: HandshakeStep; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  let last: HandshakeStep = { kind: 'continue' };
  for (let i = 0; i < answer.length; i += size) {
    last = h.receive(answer.subarray(i, i + size));
    if (last.kind === 'continue' && last.write !== undefined) writes.push(last.write);
    if (last.kind !== 'continue') break;
  }
  return { last, writes };
}

describe('transport: SOCKS5 handshake (sans-IO)', () => {
  it('greets with no-auth only, or with no-auth and user/password when it has credentials', () => {
    expect(hex(new Socks5Handshake(NO_AUTH, 'h', 1).start())).to.equal('050100');
    expect(hex(new Socks5Handshake(WITH_AUTH, 'h', 1).start())).to.equal('05020002');
  });

  for (const size of [1, 2, 3, 100]) {
    it(`runs no-auth, CONNECT by domain name and the reply, answers split every ${size} bytes`, () => {
      const h = new Socks5Handshake(NO_AUTH, 'broker.example', 5672);
      h.start();
      const m = feed(h, bytes(5, 0), size);
      expect(m.writes.map(hex)).to.deep.equal([hex(domainRequest('broker.example', 5672))]);
      const r = feed(h, SUCCESS_V4, size);
      expect(r.last.kind).to.equal('done');
    });

    it(`authenticates with user/password (RFC 1929), split every ${size} bytes`, () => {
      const h = new Socks5Handshake(WITH_AUTH, 'broker.example', 61613);
      h.start();
      const m = feed(h, bytes(5, 2), size);
      expect(m.writes.map(hex)).to.deep.equal([hex(Uint8Array.from([1, 5, ...Buffer.from('alice'), 9, ...Buffer.from('s3cret-pw')]))]);
      const a = feed(h, bytes(1, 0), size);
      expect(a.writes.map(hex)).to.deep.equal([hex(domainRequest('broker.example', 61613))]);
      expect(feed(h, SUCCESS_V4, size).last.kind).to.equal('done');
    });
  }

  it('hands over bytes that came after the reply as the tunnel\'s (domain and IPv6 bound addresses)', () => {
    for (const reply of [
      bytes(5, 0, 0, 3, 4, 0x61, 0x62, 0x63, 0x64, 0, 80),
      Uint8Array.from([5, 0, 0, 4, ...new Array<number>(16).fill(0), 0, 80]),
    ]) {
      const h = new Socks5Handshake(NO_AUTH, 'x', 1);
      h.start();
      h.receive(bytes(5, 0));
      const step = h.receive(Uint8Array.from([...reply, 0x41, 0x4d, 0x51, 0x50]));
      expect(step.kind).to.equal('done');
      expect(Buffer.from((step as { rest: Uint8Array }).rest).toString()).to.equal('AMQP');
    }
  });

  it('sends IPv4 and IPv6 literals as addresses, not names', () => {
    const v4 = new Socks5Handshake(NO_AUTH, '10.1.2.3', 5672);
    v4.start();
    expect(hex((v4.receive(bytes(5, 0)) as { write: Uint8Array }).write)).to.equal('050100010a0102031628');
    const v6 = new Socks5Handshake(NO_AUTH, '::1', 5672);
    v6.start();
    expect(hex((v6.receive(bytes(5, 0)) as { write: Uint8Array }).write)).to.equal(`05010004${'0'.repeat(30)}011628`);
    expect(hex(ipv6Bytes('2001:db8::8:800:200c:417a'))).to.equal('20010db80000000000080800200c417a');
    expect(hex(ipv6Bytes('::ffff:192.0.2.1'))).to.equal('00000000000000000000ffffc0000201');
    for (const notV6 of ['broker', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::1']) expect(ipv6Bytes(notV6)).to.equal(undefined);
  });

  const refusals: readonly { name: string; config: ProxyConfig; answers: Uint8Array[]; failure: string; replyCode?: number; text: RegExp }[] = [
    { name: 'no acceptable method, without credentials', config: NO_AUTH, answers: [bytes(5, 0xff)], failure: 'no-acceptable-method', text: /requires authentication/ },
    { name: 'no acceptable method, with credentials', config: WITH_AUTH, answers: [bytes(5, 0xff)], failure: 'no-acceptable-method', text: /accepts neither/ },
    { name: 'wrong credentials', config: WITH_AUTH, answers: [bytes(5, 2), bytes(1, 1)], failure: 'authentication', replyCode: 1, text: /refused the user name or password of alice/ },
    { name: 'connection refused by the target', config: NO_AUTH, answers: [bytes(5, 0), bytes(5, 5, 0, 1, 0, 0, 0, 0, 0, 0)], failure: 'refused', replyCode: 5, text: /connection refused \(reply code 5\)/ },
    { name: 'not allowed by ruleset', config: NO_AUTH, answers: [bytes(5, 0), bytes(5, 2)], failure: 'refused', replyCode: 2, text: /not allowed by ruleset/ },
    { name: 'an unknown reply code', config: NO_AUTH, answers: [bytes(5, 0), bytes(5, 0x42)], failure: 'refused', replyCode: 0x42, text: /reply 66/ },
    { name: 'another protocol (HTTP)', config: NO_AUTH, answers: [Buffer.from('HTTP/1.1 400 Bad Request\r\n')], failure: 'protocol', text: /version 72/ },
    { name: 'a method we did not offer', config: NO_AUTH, answers: [bytes(5, 2)], failure: 'protocol', text: /did not offer/ },
    { name: 'bytes before our next question', config: NO_AUTH, answers: [bytes(5, 0, 5)], failure: 'protocol', text: /more than its answer/ },
    { name: 'an unknown address type', config: NO_AUTH, answers: [bytes(5, 0), bytes(5, 0, 0, 9, 0)], failure: 'protocol', text: /address type 9/ },
  ];
  for (const c of refusals) {
    it(`fails typed on ${c.name}`, () => {
      const h = new Socks5Handshake(c.config, 'broker.example', 5672);
      h.start();
      let step: HandshakeStep = { kind: 'continue' };
      for (const a of c.answers) step = h.receive(a);
      expect(step.kind).to.equal('failed');
      const err = (step as { error: ProxyError }).error;
      expect(err).to.be.instanceOf(ProxyError);
      expect(err.failure).to.equal(c.failure);
      expect(err.proxyKind).to.equal('socks5');
      expect(err.replyCode).to.equal(c.replyCode);
      expect(err.message).to.match(c.text);
      expect(err.message).not.to.include('s3cret-pw');
      expect(h.receive(bytes(0)).kind).to.equal('failed');
    });
  }
});
