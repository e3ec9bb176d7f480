/**
 * The pipeline of issue 22, item 4, written once for both tiers: manual settlement with credit
 * 20, batches of 10, the third batch throws once, retry(2). It completes after 5 good batches
 * with every body processed (accepted) exactly once only if the failed receiver gave its
 * unsettled messages back before its detach; before, it stalled with 20 unacknowledged.
 */
import { bufferCount, concatMap, map, of, retry, take, toArray, type Observable } from 'rxjs';
import type { ReceivedMessage, ReceiveOptions } from '../../src/amqp/index.js';

/** The bodies processed, in processing order. */
export function batchesFailingOnce(receive: (o: ReceiveOptions) => Observable<ReceivedMessage>): Observable<number[]> {
  let batches = 0;
  return receive({ settle: 'manual', credit: 20 }).pipe(
    bufferCount(10),
    concatMap((batch) => {
      if (++batches === 3) throw new Error('batch 3 fails');
      for (const m of batch) m.accept();
      return of(batch.map((m) => m.body as number));
    }),
    retry(2),
    take(5),
    toArray(),
    map((bs) => bs.flat()),
  );
}
