/**
 * AMQP transactions: a batch sent in a transaction that is rolled back leaves nothing behind, and
 * messages moved from one queue to another in a transaction (accepted from the first, sent to the
 * second) move together when it commits.
 *
 *   AMQP_URL=amqp://localhost:5672 npx tsx examples/amqp-transactions.ts
 *
 * Needs a broker with a transaction coordinator, such as rx-mq's embedded broker
 * (`npx rx-mq broker`). RabbitMQ 3.x has none: the example then says so and exits with 1.
 */
import { bufferCount, concatMap, firstValueFrom, from, map, switchMap, take, timeout, toArray } from 'rxjs';
import { connect, TransactionsUnsupportedError, type AmqpConnection } from '../src/amqp/index.js';

const url = process.env.AMQP_URL || 'amqp://localhost:5672';
// Queues of this run only, so that a leftover from an earlier, interrupted run cannot count.
const run = Date.now().toString(36);
const input = `rx-mq-examples.txn-in-${run}`;
const output = `rx-mq-examples.txn-out-${run}`;

async function main(conn: AmqpConnection): Promise<void> {
  // 1. A batch sent in a transaction, then rolled back: the broker discards it.
  await firstValueFrom(conn.transaction().pipe(switchMap((tx) => from([{ body: 'draft-1' }, { body: 'draft-2' }]).pipe(
    conn.send(output, { transaction: tx }),
    toArray(),
    switchMap(async (outcomes) => {
      console.log(`sent ${outcomes.length} drafts in transaction ${Buffer.from(tx.id).toString('hex')}: ${outcomes.map((o) => o.state).join(', ')}`);
      await tx.rollback();
      console.log('rolled back: the drafts are discarded');
    }),
  ))));

  // Three orders waiting in the input queue (plain sends, stored at once).
  await firstValueFrom(from(['apple', 'pear', 'plum']).pipe(map((fruit) => ({ body: fruit })), conn.send(input), toArray()));

  // 2. Move the orders: take them from the input queue and send what they become to the output
  //    queue in one transaction, so that both happen or neither does.
  const moved = await firstValueFrom(conn.receive(input, { settle: 'manual', credit: 3 }).pipe(
    bufferCount(3),
    concatMap((batch) => conn.transaction().pipe(switchMap((tx) => from(batch.map((m) => ({ body: `packed ${String(m.body)}` }))).pipe(
      conn.send(output, { transaction: tx }),
      toArray(),
      switchMap(async () => {
        for (const m of batch) m.accept({ transaction: tx });
        await tx.commit();
        return batch.length;
      }),
    )))),
    take(1),
  ));
  console.log(`committed: moved ${moved} messages`);

  // What the output queue holds now: the moved messages only, never the drafts.
  const out = await firstValueFrom(conn.fetch(output, { count: 10, timeout: 500 }).pipe(map((m) => String(m.body)), toArray()));
  console.log(`output queue: ${JSON.stringify(out)}`);
  const left = await firstValueFrom(conn.fetch(input, { count: 10, timeout: 300 }).pipe(toArray()));
  console.log(`input queue: ${left.length} left`);
}

try {
  await firstValueFrom(connect(url).pipe(switchMap((conn) => from(main(conn))), take(1), timeout(15_000)));
} catch (e) {
  if (e instanceof TransactionsUnsupportedError) {
    console.error(`this broker has no transaction coordinator: ${e.message}`);
  } else {
    console.error(e);
  }
  process.exitCode = 1;
}
