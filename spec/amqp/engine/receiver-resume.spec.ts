/**
 * Resuming a durable receiving link whose sender kept unsettled state (AMQP 1.0 section 2.6.13),
 * byte level: the sender's attach lists its unsettled deliveries (tag to state) and sends them
 * again with resume=true. We keep no delivery state across a detach (receiving streams give back
 * what they hold before it), so our attach carries no unsettled map and every resumed transfer is
 * a delivery like any other: delivered, and settled with its outcome.
 */
import { expect } from 'chai';
import { binary, map, nullValue, string } from '../../../src/amqp/codec/index.js';
import { encodeFrame } from '../../../src/amqp/frames/index.js';
import { ACCEPTED } from '../../../src/amqp/frames/fast-performatives.js';
import type { Attach } from '../../../src/amqp/frames/definitions.generated.js';
import { only, Peer } from './scripted-peer.js';

describe('amqp/engine resuming a durable receiver (byte level)', () => {
  it("sends no unsettled map, delivers the sender's resumed transfers and settles them", () => {
    const p = new Peer();
    const s = p.openSession();
    const link = s.attachReceiver({
      name: 'durable-sub', source: { kind: 'source', address: string('topic/t'), durable: 'unsettled-state', expiryPolicy: 'never' },
    });
    const ours = only(p.performatives(), 'attach') as Attach;
    expect(ours.unsettled).to.equal(undefined);
    expect(ours.source).to.deep.include({ durable: 'unsettled-state', expiryPolicy: 'never' });
    const tag = Uint8Array.of(0xab, 0xcd);
    p.frame({
      kind: 'attach', name: 'durable-sub', handle: 7, role: 'sender', initialDeliveryCount: 5,
      source: { kind: 'source', address: string('topic/t'), durable: 'unsettled-state', expiryPolicy: 'never' },
      unsettled: map([[binary(tag), nullValue]]),
    });
    expect(link.remote?.unsettled?.value).to.have.length(1);
    link.flow(1);
    p.output();
    const events = p.send(encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: tag, resume: true, settled: false }, Uint8Array.of(0x00, 0x53, 0x77, 0xa1, 0x01, 0x78)));
    const delivered = events.flatMap((e) => (e.type === 'delivery' ? [e.delivery] : []));
    expect(delivered).to.have.length(1);
    expect([...delivered[0].tag]).to.deep.equal([0xab, 0xcd]);
    link.settle(delivered[0], ACCEPTED);
    const d = only(p.performatives(), 'disposition');
    expect(d).to.include({ role: 'receiver', first: 0, settled: true });
    expect(d.state).to.deep.include({ kind: 'accepted' });
  });
});
