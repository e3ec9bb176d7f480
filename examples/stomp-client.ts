/**
 * The reconnecting client: a subscription and a sender that survive broken connections.
 * Messages whose RECEIPT did not arrive are sent again after reconnecting.
 *   npx tsx examples/stomp-client.ts [url]
 */
import { interval, map, take } from 'rxjs';
import { stompClient } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-client-${Date.now()}`;
const client = stompClient({ url, backoff: { initialDelayMs: 100, maxDelayMs: 5000 } });

const states = client.state$.subscribe((s) => console.log(`state: ${s.state}`));
const incoming = client.subscribe(queue, { ack: 'client-individual', prefetch: 10 }).subscribe((m) => {
  console.log(`got ${m.text}`);
  void m.ack();
});

interval(200).pipe(take(10), map((i) => `tick ${i}`), client.send(queue)).subscribe({
  next: (r) => console.log(`confirmed (${r.state}) ${r.size} bytes`),
  complete: () => setTimeout(() => { incoming.unsubscribe(); states.unsubscribe(); }, 500),
});
