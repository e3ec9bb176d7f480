/**
 * Send three messages to a queue and read them back over one STOMP connection.
 *   npx tsx examples/stomp-hello.ts [stomp://guest:guest@localhost:61613/%2F]
 */
import { lastValueFrom, mergeMap, of, take, tap, toArray } from 'rxjs';
import { connect } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-hello-${Date.now()}`;

await lastValueFrom(connect(url).pipe(
  mergeMap(async (session) => {
    console.log(`connected: STOMP ${session.version} to ${session.server ?? 'a broker'}`);
    const received = lastValueFrom(session.subscribe(queue, { ack: 'client-individual' }).pipe(
      tap((m) => { console.log(`received ${JSON.stringify(m.text)} (${m.body.length} bytes)`); void m.ack(); }),
      take(3),
      toArray(),
    ));
    const results = await lastValueFrom(of('hello', 'from', 'rx-mq').pipe(session.send(queue, { receipt: true }), toArray()));
    console.log(`sent ${results.length} messages, all ${results.map((r) => r.state).join(', ')}`);
    await received;
  }),
  take(1),
));
console.log('disconnected');
