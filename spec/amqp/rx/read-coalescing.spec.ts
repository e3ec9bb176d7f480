/**
 * When the AMQP driver holds reads (src/amqp/rx/read-coalescing.ts): only on a chunk that shows
 * a stream in full flow - several deliveries to receivers with credit left, or several outcomes
 * for senders with a full pipeline - never for a lone reply or a lone outcome, nor for a chunk
 * that is already large. Then the option's bounds, and the shared streaming cases
 * (spec/support/amqp-read-coalescing-cases.ts) against the embedded broker.
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { connect } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import type { EngineEvent } from '../../../src/amqp/engine/events.js';
import { inFullFlow, streamEvents, STREAM_MIN_CREDIT, STREAM_MIN_UNSETTLED } from '../../../src/amqp/rx/read-coalescing.js';
import { COALESCE_BELOW_BYTES } from '../../../src/transport/read-hold.js';
import { amqpReadCoalescingCases } from '../../support/amqp-read-coalescing-cases.js';

// The policy reads only a receiver's remaining credit and a sender's unsettled count.
const receiver = (credit: number) => ({ role: 'receiver', credit: { credit } });
const sender = (unsettledCount: number) => ({ role: 'sender', unsettledCount });
const delivery = (link: object): EngineEvent => ({ type: 'delivery', link, delivery: {} } as unknown as EngineEvent);
const outcome = (link: object): EngineEvent => ({ type: 'delivery-update', link, delivery: {} } as unknown as EngineEvent);
const flow = (link: object): EngineEvent => ({ type: 'link-flow', link } as unknown as EngineEvent);

describe('amqp/rx read coalescing policy', () => {
  const streaming = receiver(STREAM_MIN_CREDIT);
  const lowCredit = receiver(STREAM_MIN_CREDIT - 1);

  it('counts the stream events of a chunk (for the adaptive hold): only those inFullFlow counts, none in a large chunk', () => {
    const full = sender(STREAM_MIN_UNSETTLED);
    const events = [delivery(streaming), delivery(lowCredit), outcome(full), outcome(sender(1)), flow(streaming), delivery(streaming)];
    expect(streamEvents(events, 500)).to.equal(3);
    expect(streamEvents(events, COALESCE_BELOW_BYTES)).to.equal(0);
    expect(streamEvents([], 0)).to.equal(0);
  });

  it('holds for two deliveries on one small chunk to a receiver with credit left', () => {
    expect(inFullFlow([delivery(streaming), delivery(streaming)], 200)).to.equal(true);
  });

  it('does not hold for one delivery (a request/reply exchange) or none', () => {
    expect(inFullFlow([delivery(streaming)], 100)).to.equal(false);
    expect(inFullFlow([flow(streaming), flow(streaming)], 100)).to.equal(false);
    expect(inFullFlow([], 0)).to.equal(false);
  });

  it('does not hold when the receiver has little credit left (a small window stays low-latency)', () => {
    expect(inFullFlow([delivery(lowCredit), delivery(lowCredit), delivery(lowCredit)], 300)).to.equal(false);
  });

  it('holds for two outcomes on one chunk while many deliveries stay unsettled', () => {
    const full = sender(STREAM_MIN_UNSETTLED);
    expect(inFullFlow([outcome(full), outcome(full)], 100)).to.equal(true);
    const waiting = sender(STREAM_MIN_UNSETTLED - 1);
    expect(inFullFlow([outcome(waiting), outcome(waiting)], 100)).to.equal(false);
  });

  it('does not hold for a chunk that is already large', () => {
    expect(inFullFlow([delivery(streaming), delivery(streaming)], COALESCE_BELOW_BYTES)).to.equal(false);
    expect(inFullFlow([delivery(streaming), delivery(streaming)], COALESCE_BELOW_BYTES - 1)).to.equal(true);
  });
});

describe('amqp/rx read coalescing option and streams (embedded broker)', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());

  it('refuses a readCoalescing outside 0..1000 ms with a RangeError, before any connection', async () => {
    for (const readCoalescing of [-1, 2000]) {
      let error: unknown;
      // Nothing listens on port 1: a RangeError (not a TransportError) shows the check comes first.
      await firstValueFrom(connect({ url: 'amqp://127.0.0.1:1', sasl: false, readCoalescing })).catch((e: unknown) => { error = e; });
      expect(error, String(readCoalescing)).to.be.instanceOf(RangeError);
    }
  });

  amqpReadCoalescingCases('embedded broker', () => ({ url: broker.amqpUrl }));
});
