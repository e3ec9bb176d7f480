/**
 * A transaction: two messages are sent inside it and appear only on commit; a second
 * transaction is aborted and its message never appears.
 *   npx tsx examples/stomp-transaction.ts [url]
 */
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { connect, type StompTransaction } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-tx-${Date.now()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const connection = connect(url).subscribe(async (session) => {
  const seen: string[] = [];
  session.subscribe(queue).subscribe((m) => seen.push(m.text));

  // Keep the transaction subscribed until commit/abort: unsubscribing early aborts it.
  const begin = (): Promise<StompTransaction> => new Promise((resolve) => { session.transaction().subscribe(resolve); });

  const tx = await begin();
  await lastValueFrom(of('one', 'two').pipe(session.send(queue, { transaction: tx }), toArray()));
  await sleep(300);
  console.log(`before commit: ${JSON.stringify(seen)}`);
  await tx.commit();

  const tx2 = await begin();
  await firstValueFrom(of('never').pipe(session.send(queue, { transaction: tx2 })));
  await tx2.abort();
  await sleep(300);
  console.log(`after commit and abort: ${JSON.stringify(seen)}`);
  connection.unsubscribe();
});
