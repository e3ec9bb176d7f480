/**
 * Send three messages to a queue and read them back over one STOMP connection.
 *   npx tsx examples/stomp-hello.ts [stomp://guest:guest@localhost:61613/%2F]
 */
import { firstValueFrom, lastValueFrom, mergeMap, of, take, tap, toArray } from 'rxjs';
import { connect } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-hello-${Date.now()}`;

await firstValueFrom(connect(url).pipe(
  mergeMap(async (session) => {
    console.log(`connected: STOMP ${session.version} to ${session.server ?? 'a broker'}`);
    // With a receipt on SUBSCRIBE, onReceipt says when the broker has the subscription in place.
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => { ready = resolve; });
    const received = lastValueFrom(session.subscribe(queue, { ack: 'client-individual', onReceipt: ready }).pipe(
      tap((m) => { console.log(`received ${JSON.stringify(m.text)} (${m.body.length} bytes)`); void m.ack(); }),
      take(3),
      toArray(),
    ));
    await subscribed;
    const results = await lastValueFrom(of('hello', 'from', 'rx-mq').pipe(session.send(queue, { receipt: true }), toArray()));
    console.log(`sent ${results.length} messages, all ${results.map((r) => r.state).join(', ')}`);
    await received;
  }),
  take(1),
)); // take(1) unsubscribes from connect(): DISCONNECT with a receipt, then the socket closes
console.log('disconnected');
