/** The Nest layer's broker over AMQP 1.0: `amqpClient`, its `consume` and one send link per address. */
import { catchError, defer, map, throwError, type Observable } from 'rxjs';
import { DynamicNodesUnsupportedError } from '../amqp/rx/dynamic-node.js';
import { amqpClient, type AmqpClient } from '../amqp/rx/client.js';
import type { Message } from '../amqp/rx/message.js';
import type { ReceivedMessage, SourceSpec } from '../amqp/rx/receiver.js';
import type { ConsumeReceiveOptions } from '../amqp/rx/consume.js';
import type { Outcome } from '../amqp/rx/send-options.js';
import { PublishError } from './errors.js';
import { SenderCache } from './senders.js';
import { bodyText, ERROR_HEADER, parseBody, type Delivery, type DeliveryOutcome, type OutgoingMessage, type RxMqConnectionOptions, type RxMqTransport } from './transport.js';

const encoder = new TextEncoder();

const idText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined);

function delivery(m: ReceivedMessage): Delivery {
  return {
    body: parseBody(m.body),
    text: bodyText(m.body),
    attempt: (m.deliveryCount ?? 0) + 1,
    messageId: idText(m.messageId),
    replyTo: m.replyTo,
    correlationId: idText(m.correlationId),
    raw: m,
    abandon: () => {
      // Settling after the link has gone throws SettleError; the broker has it back then anyway.
      try { m.release(); } catch { /* already back at the broker */ }
    },
  };
}

/** The AMQP message for an outgoing one: a JSON data section, the pattern as subject. */
function toAmqp(o: OutgoingMessage): Message {
  return {
    body: encoder.encode(o.body),
    bodyType: 'data',
    contentType: 'application/json',
    messageId: o.messageId,
    subject: o.pattern,
    replyTo: o.replyTo,
    correlationId: o.correlationId,
    applicationProperties: o.error === undefined ? undefined : { [ERROR_HEADER]: o.error },
    durable: true,
  };
}

export function amqpTransport(urls: readonly string[], options: RxMqConnectionOptions): RxMqTransport {
  const client: AmqpClient = amqpClient({ ...options.amqp, urls });
  const senders = new SenderCache<Message, Outcome>({
    operator: (address) => client.send(address),
    inputKey: (m) => idText(m.messageId),
    resultKey: (o) => idText(o.message.messageId),
    failure: (o) => (o.state === 'accepted' || o.state === 'sent'
      ? undefined
      : new PublishError(`the broker answered ${o.state}${o.state === 'rejected' && o.error !== undefined ? `: ${o.error.condition}${o.error.description !== undefined ? ` ${o.error.description}` : ''}` : ''}`)),
  });
  const consume = (address: SourceSpec, handler: (d: Delivery) => Observable<unknown>, settings: ConsumeReceiveOptions): Observable<DeliveryOutcome> =>
    client.consume(address, (m) => handler(delivery(m)), settings).pipe(map((c) => c.outcome));
  return {
    protocol: 'amqp',
    client,
    state$: client.state$,
    publish: (address, message) => senders.publish(address, toAmqp(message)),
    consume,
    consumeReplies: (fallback, handler, settings, onAddress) => consume({ dynamic: true, expiryPolicy: 'link-detach' }, handler, {
      ...settings,
      onAttach: (link) => {
        const address = link.remoteSource?.address;
        // A peer that accepts the link but ignores `dynamic` (Qpid Proton's example broker) names no node.
        if (address === undefined) throw new DynamicNodesUnsupportedError('the peer attached the reply link without creating a dynamic node');
        onAddress(address);
      },
    }).pipe(catchError((e: unknown) => {
      if (!(e instanceof DynamicNodesUnsupportedError)) return throwError(() => e);
      return defer(() => {
        onAddress(fallback);
        return consume(fallback, handler, settings);
      });
    })),
    close: async () => {
      senders.stop();
      await client.close();
    },
  };
}
