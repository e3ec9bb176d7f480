/**
 * Request/reply: a responder service and a requester, each on its own connection.
 *
 *   AMQP_RR_URL=amqp://localhost:5672 npx tsx examples/amqp-request-reply.ts
 *
 * `connection.request()` receives replies on a dynamic node: a temporary reply-to address the
 * peer creates for us. Not every broker can: RabbitMQ 3.x refuses dynamic sources with
 * amqp:not-implemented. So this example reads AMQP_RR_URL first (falling back to AMQP_URL); point
 * it at a peer with dynamic nodes (ActiveMQ, Artemis, Qpid brokers; the tests use the Qpid Proton
 * peer in spec/interop/support/proton_peer.py; the embedded broker makes them too).
 */
import { concatMap, filter, firstValueFrom, from, groupBy, map, mergeMap, switchMap, tap, timeout, toArray } from 'rxjs';
import { AmqpError, connect, type AmqpConnection } from '../src/amqp/index.js';

const url = process.env.AMQP_RR_URL || process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672';
const service = '/queue/rx-mq-examples.uppercase';

/** The responder: upper-cases each request's body and sends it to the request's replyTo. */
const serve = (conn: AmqpConnection) =>
  conn.receive(service).pipe(
    filter((request) => request.replyTo !== undefined),
    // One sender link per reply address, kept open while requests keep coming from it.
    groupBy((request) => request.replyTo as string),
    mergeMap((requests$) =>
      requests$.pipe(
        map((request) => ({
          body: String(request.body).toUpperCase(),
          // The requester matches replies to requests by this id.
          correlationId: request.messageId,
        })),
        conn.send(requests$.key),
      ),
    ),
  );

/** The requester: one request at a time; request() emits the reply and completes. */
const ask = (conn: AmqpConnection) =>
  from(['ping', 'hello', 'rx-mq']).pipe(
    concatMap((text) => conn.request(service, { body: text }, { timeout: 5_000 }).pipe(
      tap((reply) => console.log(`request "${text}" -> reply "${String(reply.body)}" (correlationId ${String(reply.correlationId)})`)),
    )),
    map((reply) => reply.body),
    toArray(),
  );

// The responder runs until we unsubscribe; an error there would surface as a request timeout,
// so report it right away too.
const responder = connect(url).pipe(switchMap(serve)).subscribe({
  error: (err) => console.error('responder failed:', err),
});

try {
  const replies = await firstValueFrom(connect(url).pipe(switchMap(ask), timeout(15_000)));
  if (replies.join(' ') !== 'PING HELLO RX-MQ') throw new Error(`unexpected replies: ${JSON.stringify(replies)}`);
  console.log(`ok: ${replies.length} requests answered`);
} catch (err) {
  if (err instanceof AmqpError && err.condition === 'amqp:not-implemented') {
    console.error(`this peer cannot create dynamic nodes (${err.description}); set AMQP_RR_URL to one that can`);
  } else {
    console.error('failed:', err);
  }
  process.exitCode = 1;
} finally {
  responder.unsubscribe();
}
