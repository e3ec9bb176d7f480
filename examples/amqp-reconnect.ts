/**
 * A reconnecting client: subscriptions that outlive the connection.
 *
 *   AMQP_URL=amqp://guest:guest@localhost:5672 npx tsx examples/amqp-reconnect.ts
 *
 * amqpClient() has the same receive/fetch/send/request as a connection, but it owns the connection:
 * it connects on first use, and when the connection is lost it reconnects with backoff (trying a
 * list of URLs in turn), re-attaches receivers and re-sends every message whose outcome had not
 * arrived. Your Observables do not notice; `state$` tells you what is going on.
 *
 * To lose a connection on purpose, this example talks to the broker through a small TCP proxy and
 * cuts it halfway through.
 */
import net from 'node:net';
import { distinct, filter, firstValueFrom, ignoreElements, interval, map, merge, take, tap, timeout, toArray } from 'rxjs';
import { amqpClient, type ClientState } from '../src/amqp/index.js';

const url = new URL(process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672');
const queue = '/queue/rx-mq-examples.reconnect';
const TOTAL = 20;
const run = Date.now().toString(36); // tells this run's messages from leftovers of earlier runs

// --- the proxy: forwards bytes to the broker until we pull the plug --------------------------
const sockets = new Set<net.Socket>();
const proxy = net.createServer((downstream) => {
  const upstream = net.connect(Number(url.port || 5672), url.hostname);
  for (const s of [downstream, upstream]) {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {}); // a cut connection is the point here, not an error
  }
  downstream.pipe(upstream).pipe(downstream);
});
await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const pullThePlug = () => sockets.forEach((s) => s.destroy());

const viaProxy = new URL(url);
viaProxy.hostname = '127.0.0.1';
viaProxy.port = String((proxy.address() as net.AddressInfo).port);

// --- the client ---------------------------------------------------------------------------
const client = amqpClient({
  // A failover list: the first URL is down (nothing listens on port 1), so the client moves on.
  urls: [`amqp://${url.username}:${url.password}@127.0.0.1:1`, viaProxy.href],
  reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
});
// Each state carries its cause: the URL being tried (password hidden), the error and the delay.
const states: ClientState[] = [];
client.state$.subscribe((s) => {
  states.push(s);
  const detail = s.state === 'connecting' ? ` to ${s.url} (attempt ${s.attempt})`
    : s.state === 'open' ? ` to ${s.url}`
      : s.state === 'reconnecting' ? ` in ${s.delayMs} ms (attempt ${s.attempt}) after: ${s.error.message}`
        : s.error ? `: ${s.error.message}` : '';
  console.log(`client state: ${s.state}${detail}`);
});

// A message every 50 ms; the connection is cut after the 8th.
const producer$ = interval(50).pipe(
  take(TOTAL),
  map((n) => ({ body: n, subject: run })),
  client.send(queue),
  tap((outcome) => {
    if (outcome.message.body === 7) pullThePlug();
  }),
  ignoreElements(),
);

// Re-sent messages can arrive twice (at-least-once): `distinct` makes the consumer idempotent.
const consumer$ = client.receive(queue).pipe(
  filter((m) => m.subject === run),
  map((m) => m.body as number),
  distinct(),
  take(TOTAL),
);

try {
  const bodies = await firstValueFrom(merge(consumer$, producer$).pipe(toArray(), timeout(15_000)));
  // Reconnects: losses of an open connection (the failover from port 1 is a failed attempt, not one).
  const reconnects = states.filter((s, i) => s.state === 'reconnecting' && states[i - 1]?.state === 'open').length;
  console.log(`received ${bodies.length} of ${TOTAL} distinct messages across ${reconnects} reconnect(s)`);
  if (bodies.length !== TOTAL) throw new Error('messages were lost');
  if (reconnects < 1) throw new Error('the connection was never lost?');
} catch (err) {
  console.error('failed:', err);
  process.exitCode = 1;
} finally {
  await client.close();
  proxy.close();
}
