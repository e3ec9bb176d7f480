/**
 * A transaction: two messages are sent inside it and appear only on commit; a second
 * transaction is aborted and its message never appears.
 *   npx tsx examples/stomp-transaction.ts [url]
 */
import { filter, firstValueFrom, lastValueFrom, mergeMap, of, take, toArray } from 'rxjs';
import { connect, type StompTransaction } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-tx-${Date.now()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await firstValueFrom(connect(url).pipe(
  mergeMap(async (session) => {
    const seen: string[] = [];
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => { ready = resolve; });
    const incoming = session.subscribe(queue, { onReceipt: ready });
    // Resolves when the last message, sent outside any transaction, has arrived.
    const done = firstValueFrom(incoming.pipe(filter((m) => { seen.push(m.text); return m.text === 'done'; })));
    await subscribed;

    // Hold the transaction's subscription until commit/abort: unsubscribing early aborts it.
    const begin = () => new Promise<StompTransaction>((resolve) => { session.transaction({ receipt: true }).subscribe(resolve); });

    const tx = await begin();
    await lastValueFrom(of('one', 'two').pipe(session.send(queue, { transaction: tx }), toArray()));
    await sleep(300);
    console.log(`before commit: ${JSON.stringify(seen)}`);
    await tx.commit();

    const tx2 = await begin();
    await lastValueFrom(of('never').pipe(session.send(queue, { transaction: tx2 })));
    await tx2.abort();
    await lastValueFrom(of('done').pipe(session.send(queue, { receipt: true })));
    await done;
    console.log(`after commit and abort: ${JSON.stringify(seen.filter((t) => t !== 'done'))}`);
  }),
  take(1),
));
