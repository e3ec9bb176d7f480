/**
 * Limits above the codec: a frame past maxFrameSize, maxHeaders or maxHeaderLength fails the
 * connection with StompLimitError naming the limit, in the engine (byte level) and in the Rx
 * layer (a loopback peer that sends the oversized frame). Also the transactional NACK, byte level.
 */
import { expect } from 'chai';
import { lastValueFrom, switchMap } from 'rxjs';
import { connect, DecodeError, StompDecodeError, StompEngine, StompLimitError, StompStateError, type StompLimits } from '../../src/stomp/index.js';
import { fakePeer, type FakePeer } from './peer.js';
import { bytes, show } from './helpers.js';

const LIMITS: Partial<StompLimits> = { maxFrameSize: 256, maxHeaders: 8, maxHeaderLength: 64 };
const head = 'MESSAGE\ndestination:/queue/a\nmessage-id:1\nsubscription:sub-1\n';
/** One frame past each limit, and one just inside all of them. */
const OVER: readonly [StompLimitError['limit'], string][] = [
  ['maxFrameSize', `${head}content-length:300\n\n${'x'.repeat(300)}\0`],
  ['maxFrameSize', `${head}\n${'x'.repeat(300)}\0`],
  ['maxHeaders', `${head}${Array.from({ length: 6 }, (_, i) => `h${i}:v\n`).join('')}\nx\0`],
  ['maxHeaderLength', `${head}long:${'v'.repeat(80)}\n\nx\0`],
];
/** 8 headers, a 55-byte header line, 232 bytes in all. */
const INSIDE = `${head}${Array.from({ length: 3 }, (_, i) => `h${i}:v\n`).join('')}long:${'v'.repeat(50)}\ncontent-length:80\n\n${'x'.repeat(80)}\0`;

function connectedEngine(): StompEngine {
  const e = new StompEngine({ host: 'h', heartbeat: [0, 0], limits: LIMITS });
  e.connect(0);
  e.takeOutput();
  expect(e.receive(bytes('CONNECTED\nversion:1.2\n\n\0'), 0)[0].type).to.equal('connected');
  e.subscribe('/queue/a', { id: 'sub-1' }, 0);
  e.takeOutput();
  return e;
}

describe('stomp limits above the codec', function () {
  this.timeout(10_000);

  describe('engine (bytes in, events out)', () => {
    it('accepts a frame inside every limit', () => {
      expect(bytes(INSIDE).length).to.be.within(200, 256);
      const [ev] = connectedEngine().receive(bytes(INSIDE), 1);
      expect(ev.type).to.equal('message');
    });

    for (const [limit, wire] of OVER) {
      it(`fails the connection with StompLimitError(${limit}) and stays closed`, () => {
        const e = connectedEngine();
        // Fed in small pieces: the limit holds however the bytes arrive.
        const b = bytes(wire);
        const events = [];
        for (let i = 0; i < b.length; i += 17) events.push(...e.receive(b.subarray(i, i + 17), 1));
        expect(events).to.have.length(1);
        const ev = events[0];
        expect(ev.type).to.equal('failed');
        const err = ev.type === 'failed' ? ev.error : undefined;
        expect(err).to.be.instanceOf(StompLimitError);
        expect(err).to.be.instanceOf(StompDecodeError);
        expect(err).to.be.instanceOf(DecodeError);
        expect((err as StompLimitError).limit).to.equal(limit);
        expect(e.state).to.deep.equal({ phase: 'closed', error: err });
        expect(e.receive(bytes(INSIDE), 2)).to.deep.equal([]);
        expect(() => e.send('/queue/a', 'x', {}, 0)).to.throw(StompStateError, /closed/);
      });
    }

    it('limits a frame that arrives before CONNECTED too (an oversized ERROR)', () => {
      const e = new StompEngine({ host: 'h', heartbeat: [0, 0], limits: LIMITS });
      e.connect(0);
      const [ev] = e.receive(bytes(`ERROR\nmessage:${'m'.repeat(100)}\n\n\0`), 0);
      expect(ev.type === 'failed' && ev.error).to.be.instanceOf(StompLimitError);
      expect(ev.type === 'failed' && (ev.error as StompLimitError).limit).to.equal('maxHeaderLength');
    });
  });

  describe('Rx layer against a loopback peer', () => {
    let peer: FakePeer | undefined;
    afterEach(async () => { await peer?.close(); peer = undefined; });

    for (const [limit, wire] of OVER) {
      it(`a MESSAGE past ${limit} errors the subscription with StompLimitError and closes the socket`, async () => {
        peer = await fakePeer((f, socket) => {
          if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
          if (f.command === 'SUBSCRIBE') socket.write(wire.replace('subscription:sub-1', `subscription:${f.headers.find(([k]) => k === 'id')?.[1]}`));
        });
        const p = peer;
        const err = await lastValueFrom(connect({ url: `stomp://127.0.0.1:${p.port}`, heartbeat: [0, 0], limits: LIMITS }).pipe(
          switchMap((s) => s.subscribe('/queue/a')),
        )).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(StompLimitError);
        expect((err as StompLimitError).limit).to.equal(limit);
        // The connection is dropped, not left half-read: the peer sees its socket end.
        for (let i = 0; i < 100 && !p.sockets[0].destroyed && !p.sockets[0].readableEnded; i++) await new Promise((r) => setTimeout(r, 20));
        expect(p.sockets[0].destroyed || p.sockets[0].readableEnded).to.equal(true);
        expect(p.frames.map((f) => f.command)).to.deep.equal(['CONNECT', 'SUBSCRIBE']);
      });
    }
  });

  describe('transactional NACK (bytes)', () => {
    const msg = { headers: [['destination', 'd'], ['message-id', 'm1'], ['subscription', 's'], ['ack', 'A1']] as const };
    for (const [v, expected] of [
      ['1.1', 'NACK\nmessage-id:m1\nsubscription:s\ntransaction:tx-9\nreceipt:rcpt-1\n\n^@'],
      ['1.2', 'NACK\nid:A1\ntransaction:tx-9\nreceipt:rcpt-1\n\n^@'],
    ] as const) {
      it(`writes NACK with the transaction and receipt headers in STOMP ${v}, in order with the other frames`, () => {
        const e = new StompEngine({ host: 'h', heartbeat: [0, 0] });
        e.connect(0);
        e.takeOutput();
        e.receive(bytes(`CONNECTED\nversion:${v}\n\n\0`), 0);
        const { transaction } = e.begin('tx-9', {}, 0);
        expect(e.nack(msg, { transaction, receipt: true }, 0)).to.equal('rcpt-1');
        e.commit(transaction, {}, 0);
        expect(show(e.takeOutput())).to.equal(`BEGIN\ntransaction:tx-9\n\n^@${expected}COMMIT\ntransaction:tx-9\n\n^@`);
      });
    }
    it('a transactional NACK is never deferred or merged like a client-mode ACK', () => {
      const e = new StompEngine({ host: 'h', heartbeat: [0, 0] });
      e.connect(0);
      e.takeOutput();
      e.receive(bytes('CONNECTED\nversion:1.2\n\n\0'), 0);
      e.subscribe('/queue/a', { id: 's', ack: 'client' }, 0);
      e.takeOutput();
      const [m1, m2] = e.receive(bytes('MESSAGE\ndestination:/queue/a\nmessage-id:1\nsubscription:s\nack:A1\n\n\0MESSAGE\ndestination:/queue/a\nmessage-id:2\nsubscription:s\nack:A2\n\n\0'), 0);
      if (m1.type !== 'message' || m2.type !== 'message') throw new Error('expected two messages');
      e.ack(m1.frame, {}, 0);
      e.nack(m2.frame, { transaction: 't' }, 0);
      expect(show(e.takeOutput())).to.equal('ACK\nid:A1\n\n^@NACK\nid:A2\ntransaction:t\n\n^@');
    });
  });
});
