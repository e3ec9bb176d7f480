/**
 * A fetch loop: pull a queue empty in batches of 10.
 *
 *   AMQP_URL=amqp://guest:guest@localhost:5672 npx tsx examples/amqp-fetch-loop.ts
 *
 * fetch() grants exactly `count` credit, emits what arrives and completes after `count` messages,
 * or when `timeout` ms pass; then it takes back the unused credit, so nothing more arrives
 * unasked. That makes it the pull-style building block: batch jobs, cron-style consumers, tests.
 */
import { concat, firstValueFrom, ignoreElements, map, range, repeat, switchMap, takeWhile, tap, timeout, toArray } from 'rxjs';
import { connect } from '../src/amqp/index.js';

const url = process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672';
const queue = '/queue/rx-mq-examples.fetch-loop';
const SENT = 25;
const BATCH = 10;

const fetched$ = connect(url).pipe(
  switchMap((conn) =>
    concat(
      // Fill the queue first (attaching the sender creates it on RabbitMQ).
      range(1, SENT).pipe(map((n) => ({ body: n })), conn.send(queue), ignoreElements()),
      // One batch: up to 10 messages, collected into an array. Each message is accepted as it
      // is emitted (settle 'auto', the default).
      conn.fetch(queue, { count: BATCH, timeout: 500 }).pipe(
        toArray(),
        // fetch() is cold, so repeating it fetches the next batch on a fresh link...
        repeat(),
        // ...until a batch comes back short: the queue is empty. `true` keeps that last batch.
        takeWhile((batch) => batch.length === BATCH, true),
        tap((batch) => console.log(`batch of ${batch.length}: ${batch.map((m) => String(m.body)).join(' ')}`)),
      ),
    ).pipe(toArray()),
  ),
  timeout(15_000),
);

try {
  const batches = await firstValueFrom(fetched$);
  const total = batches.reduce((n, batch) => n + batch.length, 0);
  console.log(`fetched ${total} messages in ${batches.length} batches; the queue is empty`);
  if (total < SENT) throw new Error(`sent ${SENT} but fetched only ${total}`);
} catch (err) {
  console.error('failed:', err);
  process.exitCode = 1;
}
