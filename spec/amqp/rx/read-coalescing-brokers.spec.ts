/**
 * Read coalescing against real brokers: with holds on (the default) and off, a stream of
 * messages from the Qpid Proton C example broker and from RabbitMQ 3.10 arrives whole and in
 * order, and a producer's at-least-once stream gets every outcome.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, map, switchMap, take, toArray } from 'rxjs';
import { connect, type AmqpConnection, type AmqpConnectOptions } from '../../../src/amqp/index.js';
import { DEFAULT_READ_COALESCING_MS } from '../../../src/transport/read-hold.js';

const BROKERS: readonly { name: string; options: AmqpConnectOptions; address: (q: string) => string }[] = [
  { name: 'Qpid Proton C broker', options: { url: 'amqp://127.0.0.1:5673', sasl: false }, address: (q) => q },
  { name: 'RabbitMQ', options: { url: 'amqp://guest:guest@127.0.0.1:5672', hostname: 'localhost' }, address: (q) => `/queue/${q}` },
];
const COUNT = 5_000;

function withConnection<T>(opts: AmqpConnectOptions, f: (c: AmqpConnection) => Promise<T>): Promise<T> {
  return firstValueFrom(connect(opts).pipe(switchMap((c) => from(f(c))), take(1)));
}

describe('amqp/rx read coalescing against brokers', function () {
  this.timeout(60_000);
  for (const broker of BROKERS) {
    for (const readCoalescing of [DEFAULT_READ_COALESCING_MS, 0]) {
      it(`${broker.name}, readCoalescing ${readCoalescing}: ${COUNT} messages sent and received whole and in order`, async () => {
        const address = broker.address(`rx-mq-coalesce-${randomUUID()}`);
        const options = { ...broker.options, readCoalescing };
        const outcomes = await withConnection(options, (c) => lastValueFrom(
          from(Array.from({ length: COUNT }, (_, i) => ({ body: `m${i}` }))).pipe(
            c.send(address, { bufferSize: COUNT }),
            map((o) => o.state),
            toArray(),
          ),
        ));
        expect(outcomes.length).to.equal(COUNT);
        expect(outcomes.every((s) => s === 'accepted')).to.equal(true);
        const bodies = await withConnection(options, (c) => lastValueFrom(
          c.receive(address, { credit: 500 }).pipe(take(COUNT), map((m) => m.body), toArray()),
        ));
        expect(bodies).to.deep.equal(Array.from({ length: COUNT }, (_, i) => `m${i}`));
      });
    }
  }

  it('refuses a readCoalescing outside 0..1000 ms with a RangeError', async () => {
    let error: unknown;
    await firstValueFrom(connect({ url: 'amqp://127.0.0.1:5673', sasl: false, readCoalescing: -1 })).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(RangeError);
  });
});
