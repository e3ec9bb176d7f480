/**
 * The Nest layer's broker over STOMP: `stompClient`, a client-individual subscription with
 * prefetch = concurrency settled on completion, and one receipted sender per destination.
 *
 * STOMP has no delivery count and no reject: attempts are counted here (by the `x-rxmq-id` header
 * the client writes, else by body), a failed attempt is NACKed (the broker redelivers it), and a
 * message that failed `maxDeliveries` times is ACKed, i.e. dropped, and reported 'rejected'.
 */
import { defer, mergeMap, Observable } from 'rxjs';
import { stompClient, type StompClient } from '../stomp/rx/client.js';
import type { StompMessage } from '../stomp/rx/message.js';
import type { StompSendInput, StompSendResult } from '../stomp/rx/session.js';
import { AttemptCounts } from '../amqp/rx/attempt-counts.js';
import { SenderCache } from './senders.js';
import { ERROR_HEADER, parseBody, type ConsumeSettings, type Delivery, type DeliveryOutcome, type OutgoingMessage, type RxMqConnectionOptions, type RxMqTransport } from './transport.js';

/** The header carrying the sender's message id (STOMP's own message-id is the broker's, per delivery). */
export const ID_HEADER = 'x-rxmq-id';
/** The header carrying the Nest pattern's route. */
export const PATTERN_HEADER = 'x-rxmq-pattern';

/** The key attempts are counted by: the sender's id header, else the body. */
const keyOf = (m: StompMessage): string => m.headers[ID_HEADER] ?? `body:${m.text}`;

function delivery(m: StompMessage, attempt: number): Delivery {
  const h = m.headers;
  return {
    body: parseBody(m.text),
    text: m.text,
    attempt,
    messageId: h[ID_HEADER] ?? h['amqp-message-id'] ?? m.messageId,
    replyTo: h['reply-to'],
    correlationId: h['correlation-id'],
    raw: m,
    // No release in STOMP: the UNSUBSCRIBE at close returns every unacknowledged message.
    abandon: () => {},
  };
}

function toStomp(o: OutgoingMessage): StompSendInput {
  const headers: Record<string, string> = { 'content-type': 'application/json', [ID_HEADER]: o.messageId };
  if (o.pattern !== undefined) headers[PATTERN_HEADER] = o.pattern;
  if (o.replyTo !== undefined) headers['reply-to'] = o.replyTo;
  if (o.correlationId !== undefined) headers['correlation-id'] = o.correlationId;
  if (o.error !== undefined) headers[ERROR_HEADER] = o.error;
  return { body: o.body, headers };
}

function consume(client: StompClient, address: string, handler: (d: Delivery) => Observable<unknown>, settings: ConsumeSettings): Observable<DeliveryOutcome> {
  return defer(() => {
    const attempts = new AttemptCounts(10_000);
    // A settle whose connection has gone fails; the broker redelivers that message.
    const settle = (p: Promise<void>, outcome: DeliveryOutcome): Promise<DeliveryOutcome> => p.then(() => outcome, () => 'unsettled');
    return client.subscribe(address, { ack: 'client-individual', prefetch: settings.concurrency }).pipe(
      mergeMap((m) => new Observable<DeliveryOutcome>((sub) => {
        const key = keyOf(m);
        const d = delivery(m, attempts.count(key) + 1);
        const done = (p: Promise<DeliveryOutcome>): void => { void p.then((o) => { sub.next(o); sub.complete(); }); };
        const inner = defer(() => handler(d)).subscribe({
          error: () => {
            if (attempts.fail(key) >= settings.maxDeliveries) {
              attempts.forget(key);
              done(settle(m.ack(), 'rejected'));
            } else {
              done(settle(m.nack(), 'released'));
            }
          },
          complete: () => {
            attempts.forget(key);
            done(settle(m.ack(), 'accepted'));
          },
        });
        return () => inner.unsubscribe();
      }), settings.concurrency),
    );
  });
}

export function stompTransport(urls: readonly string[], options: RxMqConnectionOptions): RxMqTransport {
  const [url, ...more] = urls;
  const client = stompClient({ ...options.stomp, url, urls: more });
  const senders = new SenderCache<StompSendInput, StompSendResult>({
    operator: (address) => client.send(address),
    // Receipts come back in order; the results do not name their message.
    inputKey: () => undefined,
    resultKey: () => undefined,
    failure: () => undefined,
  });
  return {
    protocol: 'stomp',
    client,
    state$: client.state$,
    publish: (address, message) => senders.publish(address, toStomp(message)),
    consume: (address, handler, settings) => consume(client, address, handler, settings),
    close: async () => {
      senders.stop();
      await client.close();
    },
  };
}
