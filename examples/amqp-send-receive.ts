/**
 * Send three messages to a queue and receive them back, on one connection.
 *
 *   AMQP_URL=amqp://guest:guest@localhost:5672 npx tsx examples/amqp-send-receive.ts
 *
 * Addresses are the broker's: RabbitMQ calls a queue `/queue/NAME` and creates it when a link
 * attaches to it.
 */
import { filter, firstValueFrom, from, ignoreElements, merge, switchMap, take, tap, timeout, toArray } from 'rxjs';
import { connect, type Message } from '../src/amqp/index.js';

const url = process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672';
const queue = '/queue/rx-mq-examples.send-receive';
// Tag this run's messages so a leftover from an earlier, interrupted run is not mistaken for ours.
const run = Date.now().toString(36);
const messages: Message[] = ['hello', 'from', 'rx-mq'].map((text) => ({ body: text, subject: run }));

// connect() is cold: nothing touches the network until firstValueFrom subscribes below.
const received$ = connect(url).pipe(
  switchMap((conn) =>
    merge(
      // Receiving attaches a receiver link. settle 'auto' (the default) accepts each message
      // once our code has seen it. Subscribed first, so the queue exists before we send.
      conn.receive(queue).pipe(
        filter((m) => m.subject === run),
        take(messages.length),
        tap((m) => console.log(`received "${String(m.body)}"`)),
      ),
      // send() is an operator: messages in, one Outcome per message out, once the broker settled it.
      from(messages).pipe(
        conn.send(queue),
        tap((outcome) => console.log(`sent "${String(outcome.message.body)}": ${outcome.state}`)),
        ignoreElements(),
      ),
    ).pipe(toArray()),
  ),
  timeout(10_000),
);

try {
  // The first value is the array of received messages. firstValueFrom then unsubscribes, and
  // unsubscribing is what closes the links, the session and the connection, gracefully.
  const got = await firstValueFrom(received$);
  const bodies = got.map((m) => m.body);
  if (bodies.join(' ') !== 'hello from rx-mq') throw new Error(`unexpected bodies: ${JSON.stringify(bodies)}`);
  console.log(`ok: ${got.length} messages sent and received through ${queue}`);
} catch (err) {
  console.error('failed:', err);
  process.exitCode = 1;
}
