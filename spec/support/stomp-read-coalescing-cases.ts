/**
 * STOMP read coalescing against a broker: with holds on (the default) and off, a queue of
 * messages streamed by the broker arrives whole and in order, with text and binary bodies intact.
 * Run against the embedded broker (spec/stomp/read-coalescing.spec.ts) and the real ones (interop).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, map, switchMap, take, toArray } from 'rxjs';
import { connect, type StompSession } from '../../src/stomp/index.js';
import { DEFAULT_READ_COALESCING_MS } from '../../src/transport/read-hold.js';

const COUNT = 3_000;

function withSession<T>(url: string, readCoalescing: number, f: (s: StompSession) => Promise<T>): Promise<T> {
  return firstValueFrom(connect({ url, readCoalescing, heartbeat: [0, 0] }).pipe(switchMap((s) => from(f(s))), take(1)));
}

/** Defines the streaming cases (inside a describe block) for the broker `name` at `url()`. */
export function stompReadCoalescingCases(name: string, url: () => string): void {
  for (const readCoalescing of [DEFAULT_READ_COALESCING_MS, 0]) {
    it(`${name}, readCoalescing ${readCoalescing}: ${COUNT} messages streamed whole and in order`, async () => {
      const destination = `/queue/rx-mq-coalesce-${randomUUID()}`;
      const bodies = Array.from({ length: COUNT }, (_, i) => (i % 2 === 0 ? `m${i}` : Uint8Array.of(0, i & 0xff, 0)));
      const sent = await withSession(url(), readCoalescing, (s) => lastValueFrom(from(bodies).pipe(s.send(destination, { receipt: true }), toArray())));
      expect(sent.length).to.equal(COUNT);
      const got = await withSession(url(), readCoalescing, (s) => lastValueFrom(
        s.subscribe(destination, { ack: 'auto' }).pipe(take(COUNT), map((m) => Buffer.from(m.body).toString('hex')), toArray()),
      ));
      expect(got).to.deep.equal(bodies.map((b) => Buffer.from(typeof b === 'string' ? Buffer.from(b) : b).toString('hex')));
    });
  }
}
