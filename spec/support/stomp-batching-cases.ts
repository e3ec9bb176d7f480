/**
 * Batched output against a broker: bursts of SENDs leaving in few socket writes arrive complete
 * and in order, client-mode ACKs coalesced into cumulative ones acknowledge everything, and the
 * write-buffer cap still fails a runaway producer with StompBufferOverflowError. One set of cases
 * for the embedded broker (spec/stomp/batching.spec.ts) and the real brokers (interop tier).
 */
import { expect } from 'chai';
import { lastValueFrom, of, range, map, take, toArray, timeout, catchError, count } from 'rxjs';
import { connect, StompBufferOverflowError, type StompConnectOptions, type StompMessage } from '../../src/stomp/index.js';
import { fresh, withSession } from './stomp-session.js';

/**
 * Defines the batching cases (inside a describe block) for the broker at `url()`; `burstOptions`
 * are connect options for the burst (see the RabbitMQ Web-STOMP case in the interop tier).
 */
export function stompBatchingCases(url: () => string, burstOptions: Omit<StompConnectOptions, 'url'> = {}): void {
  it('delivers a synchronous burst of 2,000 SENDs complete and in order', () => withSession(url(), async (s) => {
    const q = fresh('burst');
    const results = await lastValueFrom(range(0, 2000).pipe(map((i) => String(i)), s.send(q), count()));
    expect(results).to.equal(2000);
    await lastValueFrom(of('end').pipe(s.send(q, { receipt: true })));
    const got = await lastValueFrom(s.subscribe(q).pipe(take(2001), map((m) => m.text), toArray(), timeout(25_000)));
    expect(got).to.deep.equal([...Array.from({ length: 2000 }, (_, i) => String(i)), 'end']);
  }, connect({ ...burstOptions, url: url() })));

  it('acknowledges everything with coalesced client-mode ACKs (nothing redelivered)', async () => {
    const q = fresh('client-acks');
    await withSession(url(), async (s) => {
      await lastValueFrom(range(0, 60).pipe(map((i) => String(i)), s.send(q, { receipt: true }), count()));
      const got = await lastValueFrom(s.subscribe(q, { ack: 'client', prefetch: 20 }).pipe(
        take(60),
        map((m: StompMessage) => { void m.ack(); return m.text; }),
        toArray(),
        timeout(15_000),
      ));
      expect(got).to.have.length(60);
    });
    await withSession(url(), async (s) => {
      const again = await lastValueFrom(s.subscribe(q, { ack: 'client' }).pipe(take(1), timeout(1500), catchError(() => of(null)), toArray()));
      expect(again).to.deep.equal([null]);
    });
  });

  it('fails a producer that outruns the write-buffer cap with StompBufferOverflowError', () => withSession(url(), async (s) => {
    const q = fresh('overflow');
    const big = 'x'.repeat(1000);
    const err = await lastValueFrom(range(0, 200).pipe(map(() => big), s.send(q), toArray())).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompBufferOverflowError);
  }, connect({ url: url(), maxWriteBuffer: 50_000 })));
}
