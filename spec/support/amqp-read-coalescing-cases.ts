/**
 * AMQP read coalescing against a broker: with holds on (the default) and off, a stream of
 * messages arrives whole and in order, and a producer's at-least-once stream gets every outcome.
 * Run against the embedded broker (spec/amqp/rx/read-coalescing.spec.ts) and the real ones.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { from, lastValueFrom, map, take, toArray } from 'rxjs';
import type { AmqpConnectOptions } from '../../src/amqp/index.js';
import { DEFAULT_READ_COALESCING_MS } from '../../src/transport/read-hold.js';
import { withConnection } from './amqp-connection.js';

const COUNT = 5_000;

/** Defines the cases (inside a describe block) for broker `name`, reached with `options()`, queue names made addresses by `address`. */
export function amqpReadCoalescingCases(name: string, options: () => AmqpConnectOptions, address: (q: string) => string = (q) => q): void {
  for (const readCoalescing of [DEFAULT_READ_COALESCING_MS, 0]) {
    it(`${name}, readCoalescing ${readCoalescing}: ${COUNT} messages sent and received whole and in order`, async () => {
      const queue = address(`rx-mq-coalesce-${randomUUID()}`);
      const connectOptions = { ...options(), readCoalescing };
      const outcomes = await withConnection(connectOptions, (c) => lastValueFrom(
        from(Array.from({ length: COUNT }, (_, i) => ({ body: `m${i}` }))).pipe(
          c.send(queue, { bufferSize: COUNT }),
          map((o) => o.state),
          toArray(),
        ),
      ));
      expect(outcomes.length).to.equal(COUNT);
      expect(outcomes.every((s) => s === 'accepted')).to.equal(true);
      const bodies = await withConnection(connectOptions, (c) => lastValueFrom(
        c.receive(queue, { credit: 500 }).pipe(take(COUNT), map((m) => m.body), toArray()),
      ));
      expect(bodies).to.deep.equal(Array.from({ length: COUNT }, (_, i) => `m${i}`));
    });
  }
}
