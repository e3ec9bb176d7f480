/**
 * rcv-settle-mode 'second' on our receiving links, byte level (AMQP 1.0 section 2.8.3): the
 * outcome goes out unsettled, the sender's settlement is answered by ours, and a sender that
 * answers 'first' is adopted (or refused with requireSettleModes). Also a durable link's detach
 * with closed=false. The peer's frames are scripted; what the engine wrote is decoded.
 */
import { expect } from 'chai';
import { string } from '../../../src/amqp/codec/index.js';
import { SettleModeError } from '../../../src/amqp/engine/errors.js';
import type { IncomingDelivery, LinkOptions, ReceiverLink } from '../../../src/amqp/engine/link.js';
import type { Attach, Disposition } from '../../../src/amqp/frames/definitions.generated.js';
import { encodeFrame } from '../../../src/amqp/frames/index.js';
import { ACCEPTED } from '../../../src/amqp/frames/fast-performatives.js';
import { only, Peer } from './scripted-peer.js';

/** A receiver of ours asking `options`, answered with `answer`; the peer's handle is 7. */
function receiver(p: Peer, options: Partial<LinkOptions>, answer: Partial<Attach>): ReceiverLink {
  const s = p.openSession();
  const link = s.attachReceiver({ name: 'r', source: { kind: 'source', address: string('q') }, ...options });
  p.output();
  p.frame({ kind: 'attach', name: 'r', handle: 7, role: 'sender', initialDeliveryCount: 0, ...answer });
  return link;
}

/** Deliveries `ids` from the peer (one frame each), returned as the engine reported them. */
function deliver(p: Peer, link: ReceiverLink, ids: number[]): IncomingDelivery[] {
  link.flow(ids.length);
  p.output();
  const out: IncomingDelivery[] = [];
  for (const id of ids) {
    const events = p.send(encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: id, deliveryTag: Uint8Array.of(id), settled: false }, Uint8Array.of(0x00, 0x53, 0x77, 0x40)));
    for (const e of events) if (e.type === 'delivery') out.push(e.delivery);
  }
  return out;
}

const dispositions = (p: Peer): Disposition[] => p.performatives().filter((x): x is Disposition => x.kind === 'disposition');

describe("amqp/engine receiver rcv-settle-mode 'second' (byte level)", () => {
  it('sends the outcome unsettled, waits for the sender, then settles', () => {
    const p = new Peer();
    const link = receiver(p, { rcvSettleMode: 'second' }, { rcvSettleMode: 'second' });
    expect(link.rcvSettleMode).to.equal('second');
    const [a, b] = deliver(p, link, [0, 1]);
    link.settle(a, ACCEPTED);
    link.settle(b, ACCEPTED);
    expect(a.settled && b.settled).to.equal(true);
    // One disposition for both (batched range), unsettled, carrying the outcome.
    const first = dispositions(p);
    expect(first).to.have.length(1);
    expect(first[0]).to.include({ role: 'receiver', first: 0, last: 1, settled: false });
    expect(first[0].state).to.deep.include({ kind: 'accepted' });
    expect(link.awaitingSenderSettlement).to.equal(2);
    expect(link.unsettledCount).to.equal(0);
    // The sender settles the first only: we settle that one.
    p.frame({ kind: 'disposition', role: 'sender', first: 0, settled: true, state: ACCEPTED });
    const second = dispositions(p);
    expect(second).to.have.length(1);
    expect(second[0]).to.include({ role: 'receiver', first: 0, settled: true });
    expect(second[0].last ?? 0).to.equal(0);
    expect(link.awaitingSenderSettlement).to.equal(1);
    p.frame({ kind: 'disposition', role: 'sender', first: 1, settled: true });
    expect(dispositions(p)[0]).to.include({ first: 1, settled: true });
    expect(link.awaitingSenderSettlement).to.equal(0);
  });

  it("mode 'first' settles at once, as before", () => {
    const p = new Peer();
    const link = receiver(p, {}, {});
    const [a] = deliver(p, link, [0]);
    link.settle(a, ACCEPTED);
    expect(only(p.performatives(), 'disposition')).to.include({ settled: true });
    expect(link.awaitingSenderSettlement).to.equal(0);
  });

  it("a sender answering 'first' to 'second' is adopted; with requireSettleModes it is refused", () => {
    const p = new Peer();
    const link = receiver(p, { rcvSettleMode: 'second' }, {});
    expect(link.rcvSettleMode).to.equal('first');
    const [a] = deliver(p, link, [0]);
    link.settle(a, ACCEPTED);
    expect(only(p.performatives(), 'disposition')).to.include({ settled: true });
    const q = new Peer();
    receiver(q, { rcvSettleMode: 'second', requireSettleModes: true }, { rcvSettleMode: 'first' });
    const detach = q.events.find((e) => e.type === 'link-detach');
    expect(detach?.type === 'link-detach' ? detach.error : undefined).to.be.instanceOf(SettleModeError)
      .and.to.include({ mode: 'rcv-settle-mode', requested: 'second', answered: 'first' });
  });

  it('a detach with closed=false (a durable subscription) says so on the wire', () => {
    const p = new Peer();
    const link = receiver(p, {}, {});
    p.output();
    link.detach(undefined, false);
    expect(only(p.performatives(), 'detach')).to.include({ handle: link.handle, closed: false });
  });
});
