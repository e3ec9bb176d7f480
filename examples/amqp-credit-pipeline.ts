/**
 * A credit-aware pipeline: link credit is the backpressure.
 *
 *   AMQP_URL=amqp://guest:guest@localhost:5672 npx tsx examples/amqp-credit-pipeline.ts
 *
 * A producer puts 50 messages on a queue as fast as the broker takes them. The consumer receives
 * with `settle: 'manual'` and `credit: 10`, and works on messages with `mergeMap(slowWork, 100)`.
 * mergeMap would happily run 100 at once, but credit is only given back as messages are settled,
 * so the broker never has more than 10 unsettled messages out to us: the rest wait in the queue,
 * not in our memory.
 */
import { firstValueFrom, ignoreElements, map, merge, mergeMap, range, switchMap, take, timeout, timer, toArray } from 'rxjs';
import { connect, type ReceivedMessage } from '../src/amqp/index.js';

const url = process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672';
const queue = '/queue/rx-mq-examples.credit-pipeline';
const TOTAL = 50;
const CREDIT = 10;

let inFlight = 0;
let maxInFlight = 0;

/** Pretend to work on a message for 10-40 ms, then accept it, which returns its credit. */
const slowWork = (m: ReceivedMessage) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  return timer(10 + Math.random() * 30).pipe(
    map(() => {
      m.accept();
      inFlight--;
      return m.body;
    }),
  );
};

const done$ = connect(url).pipe(
  switchMap((conn) =>
    merge(
      // The consumer, subscribed first so that the queue exists before the producer sends.
      conn.receive(queue, { settle: 'manual', credit: CREDIT }).pipe(
        mergeMap(slowWork, 100),
        take(TOTAL),
      ),
      // The producer: TOTAL messages, as fast as the broker grants credit.
      range(1, TOTAL).pipe(
        map((n) => ({ body: `job ${n}` })),
        conn.send(queue),
        ignoreElements(),
      ),
    ).pipe(toArray()),
  ),
  timeout(15_000),
);

try {
  const processed = await firstValueFrom(done$);
  console.log(`processed ${processed.length} messages with mergeMap concurrency 100 and credit ${CREDIT}`);
  console.log(`largest number of messages in flight: ${maxInFlight}`);
  if (maxInFlight > CREDIT) throw new Error(`more messages in flight (${maxInFlight}) than credit (${CREDIT})`);
} catch (err) {
  console.error('failed:', err);
  process.exitCode = 1;
}
