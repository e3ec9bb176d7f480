/**
 * The embedded broker's reserved `$null` address: a sink that accepts everything and a source that
 * fills any credit (used by the benchmarks' "each library with itself" scenarios).
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';

describe('broker: null sink ($null)', () => {
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ stompPort: false }); });
  after(async () => { await broker.close(); });

  it('accepts and discards every message sent to it, storing nothing', async () => {
    const outcomes = await firstValueFrom(connect({ url: broker.amqpUrl, sasl: false }).pipe(
      switchMap((c) => from(Array.from({ length: 12_000 }, (_, i) => ({ body: `m${i}` }))).pipe(
        c.send('$null', { bufferSize: 12_000 }), toArray()))));
    expect(outcomes).to.have.length(12_000);
    expect(outcomes.every((o) => o.state === 'accepted')).to.equal(true);
    expect(broker.queue('$null')).to.equal(undefined);
  });

  it('sends `hello world!` messages within the credit granted', async () => {
    const got = await lastValueFrom(connect({ url: broker.amqpUrl, sasl: false }).pipe(
      switchMap((c) => c.receive('$null', { credit: 50 })), take(2_000), toArray()));
    expect(got).to.have.length(2_000);
    expect(got.every((m) => m.body === 'hello world!')).to.equal(true);
  });

  it('answers a fetch (exact credit) and its drain', async () => {
    const got = await firstValueFrom(connect({ url: broker.amqpUrl, sasl: false }).pipe(
      switchMap((c) => c.fetch('$null', { count: 7, timeout: 1000 }).pipe(toArray()))));
    expect(got).to.have.length(7);
  });
});
