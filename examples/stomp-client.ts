/**
 * The reconnecting client: a subscription and a sender that survive broken connections.
 * Messages whose RECEIPT did not arrive are sent again after reconnecting.
 *   npx tsx examples/stomp-client.ts [url]
 */
import { interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { stompClient } from '../src/stomp/index.js';

const url = process.argv[2] ?? 'stomp://guest:guest@localhost:61613/%2F';
const queue = `/queue/rx-mq-client-${Date.now()}`;
const client = stompClient({ url, reconnect: { initialDelayMs: 100, maxDelayMs: 5000 } });

const states = client.state$.subscribe((s) => console.log(`state: ${s.state}`));
const got = new Set<string>();
let ready!: () => void;
const subscribed = new Promise<void>((resolve) => { ready = resolve; });
// onReceipt runs after every (re)subscription the broker confirms.
const incoming = client.subscribe(queue, { ack: 'client-individual', prefetch: 10, onReceipt: ready }).subscribe((m) => {
  console.log(`got ${m.text}`);
  got.add(m.text);
  void m.ack();
});
await subscribed;

const results = await lastValueFrom(interval(200).pipe(take(10), map((i) => `tick ${i}`), client.send(queue), toArray()));
for (const r of results) console.log(`confirmed (${r.state}) ${r.size} bytes`);
// Wait for the subscription to catch up, then let go: the client disconnects when nothing uses it.
for (let i = 0; i < 100 && got.size < results.length; i++) await new Promise((r) => setTimeout(r, 50));
incoming.unsubscribe();
console.log(`received ${got.size} of ${results.length} messages`);
// Not needed here (nothing uses the client any more), but ends it for good: state$ completes.
await client.close();
states.unsubscribe();
