/**
 * `npm run demo`: rx-mq end to end, with no broker to install.
 *
 *   npm run demo                 # 20,000 orders, credit 50
 *   npm run demo -- --count 5000 --credit 20
 *
 * 1. Starts the embedded broker in this process (AMQP 1.0 and STOMP on free loopback ports).
 * 2. A STOMP subscriber listens on the topic `/topic/order-totals`.
 * 3. A producer sends orders over AMQP to the queue `orders` as fast as the broker grants credit.
 * 4. A consumer works on them with `conn.consume(QUEUE, work, { concurrency: CREDIT })`: each
 *    order is accepted when its (asynchronous) work finishes, and the credit equals the
 *    concurrency, so the broker never has more than CREDIT unsettled messages out to us. Every 100th order it publishes a running total over AMQP to the topic,
 *    which the STOMP subscriber receives: the two protocols meet on the broker's destinations.
 * 5. Live progress on the terminal, then a summary. The exit code is 1 if anything was lost or the
 *    credit bound was ever exceeded, so the demo doubles as a check (it runs in the test-suite).
 */
import {
  type Observable, combineLatest, concat, defer, filter, firstValueFrom, merge, ignoreElements, interval, map, range,
  share, Subject, switchMap, take, takeUntil, takeWhile, tap, timer, toArray,
} from 'rxjs';
import { connect as amqpConnect, type AmqpConnection, type ReceivedMessage } from '../src/amqp/index.js';
import { connect as stompConnect, type StompSession } from '../src/stomp/index.js';
import { startBroker, type EmbeddedBroker } from '../src/broker/index.js';

/** `--name N` from the command line, or the default. */
function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`demo: --${name} needs a positive integer`);
    process.exit(1);
  }
  return n;
}

const COUNT = numberArg('count', 20_000);
const CREDIT = numberArg('credit', 50);
const TOTALS_EVERY = 100;
/** Orders the producer may have sent without their outcome yet. */
const WINDOW = 500;
const QUEUE = 'orders';
const TOPIC = '/topic/order-totals';
const tty = process.stdout.isTTY === true;

interface Order { readonly id: number; readonly amount: number }

const stats = {
  sent: 0,
  accepted: 0,
  /** Delivered to us by the broker, and settled (accepted) by us: the difference is what credit bounds. */
  delivered: 0,
  settled: 0,
  maxUnsettled: 0,
  processed: 0,
  totalAmount: 0,
  published: 0,
  stompReceived: 0,
  lastStompTotal: '',
};

/**
 * The "business logic": a little asynchronous work per order (0-2 ms). It does not settle:
 * consume() accepts the order when this finishes, which is what gives the broker its credit back.
 */
function work(m: ReceivedMessage<Order>) {
  stats.delivered++;
  stats.maxUnsettled = Math.max(stats.maxUnsettled, stats.delivered - stats.settled);
  const order = m.body;
  // A message without a body is not an order: failing releases it (rejected after a few tries).
  if (order === undefined) throw new Error(`message ${String(m.messageId)} has no body`);
  return timer(Math.random() * 2).pipe(map(() => order));
}

/**
 * Orders go out over AMQP, paced by their outcomes: the producer keeps at most WINDOW orders
 * between itself and the broker's answers, and makes a new one per outcome. The send operator
 * transmits only with link credit and cannot slow its upstream; it buffers what waits (64 MiB of
 * encoded messages by default, a typed error beyond). `from(orders).pipe(conn.send(QUEUE))` would
 * do for orders already in memory; a producer without end, or faster than the broker for good,
 * is paced like this instead.
 */
function producer(conn: AmqpConnection) {
  const answered = new Subject<void>();
  let next = 1;
  return merge(range(0, WINDOW), answered).pipe(
    takeWhile(() => next <= COUNT),
    map(() => {
      const id = next++;
      stats.sent++;
      return { body: { id, amount: (id % 97) + 1 }, applicationProperties: { region: id % 2 ? 'eu' : 'us' } };
    }),
    conn.send<Order>(QUEUE),
    tap((outcome) => {
      if (outcome.state !== 'accepted') throw new Error(`order not accepted by the broker: ${outcome.state}`);
      stats.accepted++;
      answered.next();
    }),
    take(COUNT),
    ignoreElements(),
  );
}

/** The consumer: settle on completion, credit equal to the concurrency; running totals to the topic. */
function consumer(conn: AmqpConnection) {
  return conn.consume(QUEUE, work, { concurrency: CREDIT }).pipe(
    tap((r) => {
      if (r.outcome !== 'accepted') throw new Error(`order ${String(r.message.messageId)} not processed: ${r.outcome}`);
      stats.settled++;
      stats.processed++;
      stats.totalAmount += r.result.amount;
    }),
    take(COUNT),
    filter(() => stats.processed % TOTALS_EVERY === 0 || stats.processed === COUNT),
    map(() => ({ body: `${stats.processed} orders, total ${stats.totalAmount}`, subject: 'running-total' })),
    conn.send(TOPIC),
    tap(() => stats.published++),
    ignoreElements(),
  );
}

/**
 * The STOMP side: one subscription on the topic the AMQP consumer publishes to. Topics keep
 * nothing for absent subscribers, so before the run the topic is pinged over AMQP until the STOMP
 * subscriber has seen a ping: from then on it certainly receives every running total. `start`
 * runs once that is so; the result completes when `start` has and every total has arrived.
 */
function withStompSubscriber<T>(conn: AmqpConnection, session: StompSession, expected: number, start: () => Observable<T>) {
  const topic$ = session.subscribe(TOPIC).pipe(share());
  const totals$ = topic$.pipe(
    filter((m) => m.text !== 'ping'),
    tap((m) => {
      stats.stompReceived++;
      stats.lastStompTotal = m.text;
    }),
    take(expected),
  );
  const subscribed$ = topic$.pipe(filter((m) => m.text === 'ping'), take(1));
  const pinger$ = interval(20).pipe(map(() => ({ body: 'ping' })), conn.send(TOPIC), takeUntil(subscribed$));
  // merge subscribes in order: totals$ holds the shared STOMP subscription for the whole run.
  return merge(totals$.pipe(ignoreElements()), concat(pinger$.pipe(ignoreElements()), defer(start)));
}

function renderProgress(final: boolean, started: number): void {
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(stats.processed / seconds) : 0;
  const width = 30;
  const filled = Math.round((stats.processed / COUNT) * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const line = `[${bar}] sent ${stats.sent}  processed ${stats.processed}/${COUNT}  unsettled ${stats.delivered - stats.settled} (max ${stats.maxUnsettled}, credit ${CREDIT})  STOMP ${stats.stompReceived}  ${rate} msg/s`;
  if (tty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
  else console.log(line);
}

async function main(): Promise<number> {
  const broker = await startBroker();
  try {
    return await runDemo(broker);
  } finally {
    await broker.close();
  }
}

async function runDemo(broker: EmbeddedBroker): Promise<number> {
  const stompUrl = broker.stompUrl;
  if (stompUrl === undefined) throw new Error('the embedded broker has no STOMP listener');
  console.log('rx-mq demo');
  console.log(`  embedded broker: ${broker.amqpUrl} (AMQP 1.0), ${stompUrl} (STOMP)`);
  console.log(`  ${COUNT} orders over AMQP to queue "${QUEUE}", consumed with consume(work, { concurrency: ${CREDIT} });`);
  console.log(`  a running total every ${TOTALS_EVERY} orders over AMQP to ${TOPIC}, received by a STOMP subscriber\n`);

  const expectedTotals = Math.ceil(COUNT / TOTALS_EVERY);
  let started = performance.now();
  const progress = interval(tty ? 100 : 1000).subscribe(() => renderProgress(false, started));
  try {
    // Each connect() owns its connection while subscribed: the first (and only) value of the run
    // ends the subscription, which closes both connections gracefully.
    await firstValueFrom(combineLatest([amqpConnect(broker.amqpUrl), stompConnect(stompUrl)]).pipe(
      switchMap(([conn, session]) => withStompSubscriber(conn, session, expectedTotals, () => {
        started = performance.now();
        return merge(consumer(conn), producer(conn));
      }).pipe(toArray())),
    ));
  } finally {
    progress.unsubscribe();
  }
  renderProgress(true, started);

  const seconds = (performance.now() - started) / 1000;
  const ok = stats.processed === COUNT && stats.accepted === COUNT && stats.maxUnsettled <= CREDIT &&
    stats.stompReceived === expectedTotals && broker.queue(QUEUE)?.depth === 0;
  console.log('\nsummary');
  console.log(`  messages:               ${stats.processed} processed of ${COUNT} sent (${stats.accepted} accepted by the broker)`);
  console.log(`  rate:                   ${Math.round(COUNT / seconds)} msg/s over ${seconds.toFixed(2)} s`);
  console.log(`  largest unsettled:      ${stats.maxUnsettled} (credit ${CREDIT})`);
  console.log(`  STOMP running totals:   ${stats.stompReceived} of ${expectedTotals}, last "${stats.lastStompTotal}"`);
  console.log(`  left on the queue:      ${broker.queue(QUEUE)?.depth ?? 0}`);
  console.log(ok ? '  result:                 ok' : '  result:                 FAILED');
  return ok ? 0 : 1;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
});
