/**
 * Byte level: the engine's part in transactions (AMQP 1.0 part 4). A transfer carries the
 * transactional-state it is sent with (on its first frame only), a transactional-state without an
 * outcome does not settle our delivery while one with an outcome does, and queued dispositions
 * can be written ahead of a transfer (what a discharge needs).
 */
import { expect } from 'chai';
import { binary, string } from '../../../src/amqp/codec/values.js';
import type { OutgoingDelivery } from '../../../src/amqp/engine/sender-link.js';
import type { TransactionalState, Transfer } from '../../../src/amqp/frames/definitions.generated.js';
import { ACCEPTED } from '../../../src/amqp/frames/fast-performatives.js';
import { kinds, Peer } from './scripted-peer.js';

const txn = Uint8Array.of(0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd);
const posted: TransactionalState = { kind: 'transactional-state', txnId: binary(txn) };
const payload = (n: number): Uint8Array => new Uint8Array(n).fill(0x40);
const credit = (p: Peer, n: number): void => {
  p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: n });
};

describe('amqp/engine transactional-state (byte level)', () => {
  it('writes the state on the transfer it is sent with, and none on the next', () => {
    const p = new Peer();
    const link = p.attachSender();
    credit(p, 2);
    p.output();
    link.send(payload(4), { state: posted });
    link.send(payload(4));
    const [first, second] = p.performatives() as Transfer[];
    expect(first.state).to.deep.equal(posted);
    expect(second.kind).to.equal('transfer');
    expect(second.state).to.equal(undefined);
  });

  it('puts the state on the first frame of a message split into several', () => {
    const p = new Peer();
    const link = p.attachSender({ maxFrameSize: 512 });
    credit(p, 1);
    p.output();
    link.send(payload(1500), { state: posted });
    const frames = p.performatives() as Transfer[];
    expect(frames.length).to.be.greaterThan(2);
    expect(frames[0].state).to.deep.equal(posted);
    expect(frames.slice(1).every((f) => f.state === undefined)).to.equal(true);
  });

  it('a transactional-state without an outcome leaves our delivery unsettled; one with an outcome settles it', () => {
    const p = new Peer();
    const link = p.attachSender();
    credit(p, 1);
    p.output();
    const d: OutgoingDelivery = link.send(payload(4), { state: posted });
    p.output();
    // The receiver says which transaction the delivery is in, no outcome yet.
    const progress = p.frame({ kind: 'disposition', role: 'receiver', first: d.id, settled: false, state: posted });
    expect(progress.map((e) => e.type)).to.deep.equal(['delivery-update']);
    expect(d.settled).to.equal(false);
    expect(link.unsettledCount).to.equal(1);
    expect(p.performatives()).to.deep.equal([]);
    // Its outcome within the transaction: terminal, so we settle (the receiver settles second).
    const done: TransactionalState = { kind: 'transactional-state', txnId: binary(txn), outcome: ACCEPTED as TransactionalState['outcome'] };
    p.frame({ kind: 'disposition', role: 'receiver', first: d.id, settled: false, state: done });
    expect(d.settled).to.equal(true);
    expect(d.remoteState).to.deep.equal({ kind: 'transactional-state', txnId: binary(txn), outcome: { kind: 'accepted' } });
    expect(link.unsettledCount).to.equal(0);
    expect(p.performatives()).to.deep.equal([{ kind: 'disposition', role: 'sender', first: d.id, settled: true }]);
  });

  it('flushDispositions writes queued settlements ahead of a transfer written after them', () => {
    const p = new Peer();
    const s = p.openSession();
    const receiver = s.attachReceiver({ name: 'r', source: { kind: 'source', address: string('in') } });
    const sender = s.attachSender({ name: 's', target: { kind: 'target', address: string('out') } });
    p.output();
    p.frame({ kind: 'attach', name: 'r', handle: 7, role: 'sender', initialDeliveryCount: 0 });
    p.frame({ kind: 'attach', name: 's', handle: 3, role: 'receiver' });
    receiver.flow(1);
    credit(p, 1);
    p.output();
    const [delivery] = p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(1), settled: false }, 0, Uint8Array.of(0x00, 0x53, 0x77, 0x40));
    receiver.settle((delivery as { delivery: Parameters<typeof receiver.settle>[0] }).delivery, { kind: 'transactional-state', txnId: binary(txn), outcome: ACCEPTED as TransactionalState['outcome'] });
    // Without the flush the disposition would follow the transfer (dispositions are written when
    // output is taken); a discharge must come after the settlements of its transaction.
    p.conn.flushDispositions();
    sender.send(payload(4));
    expect(kinds(p.performatives())).to.deep.equal(['disposition', 'transfer']);
  });
});
