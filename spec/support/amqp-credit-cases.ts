/**
 * Credit as backpressure, through the public API against a broker: manual settlement under a
 * wide mergeMap never has more than `credit` unsettled messages out, a slow subscriber leaves the
 * rest at the broker, and demand$ grants exactly what it emits. Run against the embedded broker
 * (spec/amqp/rx/credit.spec.ts) and the Qpid Proton C broker (interop tier).
 */
import { expect } from 'chai';
import { Subject, lastValueFrom, map, mergeMap, take, tap, timer, toArray } from 'rxjs';
import type { AmqpConnectOptions } from '../../src/amqp/index.js';
import { sendAll, unique, withConnection } from './amqp-connection.js';

/** Defines the credit cases (inside a describe block) for the broker reached with `options()`. */
export function amqpCreditCases(options: () => AmqpConnectOptions): void {
  it('never holds more than `credit` unsettled messages under mergeMap(slowWork, 100) over 5,000', async () => {
    const q = unique('credit');
    const N = 5000;
    let inFlight = 0;
    let maxInFlight = 0;
    const got = await withConnection(options(), async (c) => {
      await sendAll(c, q, Array.from({ length: N }, (_, i) => ({ body: i })));
      return lastValueFrom(c.receive(q, { credit: 10, settle: 'manual' }).pipe(
        tap(() => { inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); }),
        mergeMap((m) => timer(Math.random() < 0.1 ? 2 : 0).pipe(map(() => { inFlight--; m.accept(); return m.body as number; })), 100),
        take(N),
        toArray(),
      ));
    });
    expect(got).to.have.length(N);
    expect(new Set(got).size).to.equal(N);
    expect(maxInFlight).to.equal(10);
  });

  for (const credit of [20, 50]) {
    it(`credit ${credit}, concurrency ${credit}, slow work: never more than ${credit} unsettled (counted at the client)`, async () => {
      const q = unique('credit-window');
      const N = 1500;
      let unsettled = 0;
      let peak = 0;
      const got = await withConnection(options(), async (c) => {
        await sendAll(c, q, Array.from({ length: N }, (_, i) => ({ body: i })));
        return lastValueFrom(c.receive(q, { credit, settle: 'manual' }).pipe(
          tap(() => { unsettled++; peak = Math.max(peak, unsettled); }),
          mergeMap((m) => timer(Math.random() < 0.5 ? 1 : 0).pipe(map(() => { unsettled--; m.accept(); return m.body as number; })), credit),
          take(N),
          toArray(),
        ));
      });
      expect(new Set(got).size).to.equal(N);
      expect(peak, 'most unsettled at once').to.equal(credit);
    });
  }

  it('keeps the rest at the broker while a slow subscriber works (bounded client memory)', async () => {
    const q = unique('slow');
    await withConnection(options(), async (c) => {
      await sendAll(c, q, Array.from({ length: 2000 }, (_, i) => ({ body: i })));
      let delivered = 0;
      const processed = await lastValueFrom(c.receive(q, { credit: 20, settle: 'manual' }).pipe(
        tap(() => { delivered++; }),
        mergeMap((m) => timer(1).pipe(map(() => { m.accept(); return 1; })), 1000),
        take(200),
        toArray(),
      ));
      expect(processed).to.have.length(200);
      // However willing mergeMap is, only credit's worth ever left the broker beyond what was processed.
      expect(delivered).to.be.at.most(200 + 20);
    });
  });

  it('pull mode: demand$ grants exactly what it emits', async () => {
    const q = unique('demand');
    await withConnection(options(), async (c) => {
      await sendAll(c, q, Array.from({ length: 20 }, (_, i) => ({ body: i })));
      const demand$ = new Subject<number>();
      const seen: number[] = [];
      const sub = c.receive(q, { demand$, settle: 'manual' }).subscribe((m) => { seen.push(m.body as number); m.accept(); });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).to.deep.equal([]);
      demand$.next(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).to.deep.equal([0, 1, 2]);
      demand$.next(2);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).to.deep.equal([0, 1, 2, 3, 4]);
      sub.unsubscribe();
    });
  });
}
