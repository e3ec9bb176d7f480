/**
 * Slow consumer memory: 100,000 messages queued at the broker, a subscriber that takes 1 ms per
 * message with credit 100. Reports heap and RSS growth while it works through 5,000 of them: with
 * credit as the backpressure the client holds at most `credit` messages, so memory stays flat.
 * Run: node --expose-gc --import tsx bench/slow-consumer.ts [amqp-url]  (default: the Qpid Proton
 * C broker that scripts/brokers.sh starts on port 5673).
 */
import { firstValueFrom, from, lastValueFrom, map, mergeMap, switchMap, take, tap, timer, toArray } from 'rxjs';
import { connect } from '../src/amqp/index.js';

const url = process.argv[2] ?? 'amqp://127.0.0.1:5673';
const QUEUED = Number(process.env.QUEUED ?? 100_000);
const CONSUME = Number(process.env.CONSUME ?? 5_000);
const CREDIT = 100;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const queue = `slow-${Date.now()}`;
  const opts = { url, sasl: url.includes('@') ? undefined : (false as const), hostname: 'localhost' };
  const t0 = Date.now();
  await firstValueFrom(connect(opts).pipe(
    switchMap((c) => from(Array.from({ length: QUEUED }, (_, i) => ({ body: `message ${i} `.padEnd(64, '.') }))).pipe(
      c.send(queue, { bufferSize: QUEUED }), toArray())),
    take(1)));
  console.log(`queued ${QUEUED} messages in ${Date.now() - t0} ms`);

  gc();
  const base = process.memoryUsage();
  let maxHeap = base.heapUsed;
  let maxRss = base.rss;
  let delivered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let processed = 0;
  await lastValueFrom(connect(opts).pipe(
    switchMap((c) => c.receive(queue, { credit: CREDIT, settle: 'manual' })),
    tap(() => { delivered++; inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); }),
    mergeMap((m) => timer(1).pipe(map(() => { m.accept(); inFlight--; return m; })), 1000),
    tap(() => {
      if (++processed % 500 === 0) {
        gc();
        const u = process.memoryUsage();
        maxHeap = Math.max(maxHeap, u.heapUsed);
        maxRss = Math.max(maxRss, u.rss);
      }
    }),
    take(CONSUME),
  ));
  console.log(`consumed ${CONSUME} of ${QUEUED} with credit ${CREDIT}: delivered ${delivered}, max in flight ${maxInFlight}`);
  console.log(`heap used: base ${mb(base.heapUsed)} MB, max ${mb(maxHeap)} MB, growth ${mb(maxHeap - base.heapUsed)} MB`);
  console.log(`rss: base ${mb(base.rss)} MB, max ${mb(maxRss)} MB, growth ${mb(maxRss - base.rss)} MB`);
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
