/**
 * Engine output batching: frames queued together come out of one takeOutput; client-mode ACKs
 * (STOMP 1.1+) taken together become one cumulative ACK; prepared SEND headers.
 */
import { expect } from 'chai';
import { StompEngine } from '../../src/stomp/engine/index.js';
import type { MessageEvent } from '../../src/stomp/engine/events.js';
import { StompStateError } from '../../src/stomp/errors.js';
import { bytes, show } from './helpers.js';

function connected(version: string): StompEngine {
  const e = new StompEngine({ host: 'vh', heartbeat: [0, 0] });
  e.connect(0);
  e.takeOutput();
  e.receive(bytes(`CONNECTED\nversion:${version}\nheart-beat:0,0\n\n\0`), 0);
  return e;
}
const out = (e: StompEngine): string => show(e.takeOutput());
const deliver = (e: StompEngine, sub: string, ids: string[]): MessageEvent[] =>
  e.receive(bytes(ids.map((id) => `MESSAGE\ndestination:/queue/a\nmessage-id:${id}\nsubscription:${sub}\nack:A${id}\n\nx\0\n`).join('')), 0) as MessageEvent[];

describe('stomp engine output batching', () => {
  it('queues many frames into one output', () => {
    const e = connected('1.2');
    for (let i = 0; i < 3; i++) e.send('/queue/q', `m${i}`, {}, 0);
    expect(out(e)).to.equal(['m0', 'm1', 'm2'].map((b) => `SEND\ndestination:/queue/q\ncontent-length:2\n\n${b}^@`).join(''));
    expect(e.pendingOutput).to.equal(0);
  });

  it('writes the same SEND frames from prepared headers, with and without receipts', () => {
    const e = connected('1.2');
    const p = e.prepareSend('/queue/q', { headers: { 'x-a': 'b:c', receipt: 'dropped' }, transaction: 't1' });
    e.sendPrepared(p, 'é', undefined, 0);
    expect(e.lastBodySize).to.equal(2);
    expect(e.sendPrepared(p, new Uint8Array([0, 1]), true, 0)).to.equal('rcpt-1');
    const prepared = out(e);
    e.send('/queue/q', 'é', { headers: { 'x-a': 'b:c', receipt: 'dropped' }, transaction: 't1' }, 0);
    e.send('/queue/q', new Uint8Array([0, 1]), { headers: { 'x-a': 'b:c' }, transaction: 't1', receipt: true }, 0);
    expect(prepared).to.equal(out(e).replace('rcpt-2', 'rcpt-1'));
    expect(prepared).to.equal('SEND\ndestination:/queue/q\ntransaction:t1\nx-a:b\\cc\ncontent-length:2\n\né^@'
      + 'SEND\ndestination:/queue/q\ntransaction:t1\nreceipt:rcpt-1\nx-a:b\\cc\ncontent-length:2\n\n^@\x01^@');
    const other = connected('1.2');
    expect(() => other.sendPrepared(p, 'x', undefined, 0)).to.throw(StompStateError);
  });

  for (const [version, ack] of [['1.1', 'ACK\nmessage-id:3\nsubscription:s\n\n^@'], ['1.2', 'ACK\nid:A3\n\n^@']] as const) {
    it(`coalesces client-mode ACKs taken together into the latest one (STOMP ${version})`, () => {
      const e = connected(version);
      e.subscribe('/queue/a', { id: 's', ack: 'client' }, 0);
      out(e);
      const [m1, m2, m3] = deliver(e, 's', ['1', '2', '3']);
      e.ack(m2.frame, {}, 0);
      e.ack(m3.frame, {}, 0);
      e.ack(m1.frame, {}, 0);
      expect(out(e)).to.equal(ack);
      expect(out(e)).to.equal('');
    });
  }

  it('keeps order: deferred ACKs go before any other frame, and receipted or transactional ACKs are not deferred', () => {
    const e = connected('1.2');
    e.subscribe('/queue/a', { id: 's', ack: 'client' }, 0);
    e.subscribe('/queue/b', { id: 'i', ack: 'client-individual' }, 0);
    out(e);
    const [m1, m2] = deliver(e, 's', ['1', '2']);
    const [n1, n2] = deliver(e, 'i', ['7', '8']);
    e.ack(m1.frame, {}, 0);
    e.ack(n1.frame, {}, 0);
    e.ack(n2.frame, {}, 0);
    e.nack(m2.frame, {}, 0);
    expect(out(e)).to.equal('ACK\nid:A1\n\n^@ACK\nid:A7\n\n^@ACK\nid:A8\n\n^@NACK\nid:A2\n\n^@');
    const [m3, m4] = deliver(e, 's', ['3', '4']);
    e.ack(m3.frame, {}, 0);
    expect(e.ack(m4.frame, { receipt: true }, 0)).to.equal('rcpt-1');
    e.unsubscribe('s', {}, 0);
    expect(out(e)).to.equal('ACK\nid:A3\n\n^@ACK\nid:A4\nreceipt:rcpt-1\n\n^@UNSUBSCRIBE\nid:s\n\n^@');
  });

  it('does not defer ACKs in STOMP 1.0 or for auto and client-individual subscriptions', () => {
    const e = connected('1.0');
    e.subscribe('/queue/a', { id: 's', ack: 'client' }, 0);
    out(e);
    const [m1, m2] = deliver(e, 's', ['1', '2']);
    e.ack(m1.frame, {}, 0);
    e.ack(m2.frame, {}, 0);
    expect(out(e)).to.equal('ACK\nmessage-id:1\n\n^@ACK\nmessage-id:2\n\n^@');
  });
});

describe('stomp engine output per frame', () => {
  it('splits the queued output at frame boundaries (for WebSocket transports)', () => {
    const e = connected('1.2');
    e.send('/q', 'a', {}, 0);
    e.subscribe('/q', { id: 's', ack: 'client' }, 0);
    const [m] = deliver(e, 's', ['1']);
    e.ack(m.frame, {}, 0);
    e.send('/q', 'b', { receipt: true }, 0);
    expect(e.takeOutputFrames().map(show)).to.deep.equal([
      'SEND\ndestination:/q\ncontent-length:1\n\na^@',
      'SUBSCRIBE\ndestination:/q\nid:s\nack:client\n\n^@',
      'ACK\nid:A1\n\n^@',
      'SEND\ndestination:/q\nreceipt:rcpt-1\ncontent-length:1\n\nb^@',
    ]);
    expect(e.takeOutputFrames()).to.deep.equal([]);
    const p = e.prepareSend('/q');
    e.sendPrepared(p, 'c', undefined, 0);
    e.ack(deliver(e, 's', ['2'])[0].frame, {}, 0);
    expect(e.takeOutputFrames().map(show)).to.deep.equal(['SEND\ndestination:/q\ncontent-length:1\n\nc^@', 'ACK\nid:A2\n\n^@']);
  });
});
