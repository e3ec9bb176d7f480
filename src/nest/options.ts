/** Options of RxMqServer and RxMqClient, and the transport they pick from the URL. */
import type { ConsumerDeserializer, ConsumerSerializer, ProducerDeserializer, ProducerSerializer } from '@nestjs/microservices';
import type { AddressMapper } from './address.js';
import { amqpTransport } from './amqp-transport.js';
import { stompTransport } from './stomp-transport.js';
import { protocolOf, type RxMqConnectionOptions, type RxMqTransport } from './transport.js';

/** What both sides take. */
export interface RxMqCommonOptions extends RxMqConnectionOptions {
  /**
   * One broker URL or a failover list (all of one protocol). The scheme picks the protocol:
   * `amqp`, `amqps`, `amqp+ws`, `amqp+wss` for AMQP 1.0; `stomp`, `stomp+ssl`, `ws`, `wss` for STOMP.
   */
  readonly url: string | readonly string[];
  /** Pattern → address (default {@link defaultAddress}: `/queue/NAME`). Server and client must agree. */
  readonly address?: AddressMapper;
}

/** Options of {@link RxMqServer}. */
export interface RxMqServerOptions extends RxMqCommonOptions {
  /**
   * Messages each pattern handles at once: the link credit (AMQP) or the subscription's prefetch
   * (STOMP), so the broker never has more unsettled messages out per pattern. Default 10.
   */
  readonly concurrency?: number;
  /** Failed attempts of an event after which it is rejected instead of redelivered. Default 5. */
  readonly maxDeliveries?: number;
  /**
   * Where an event goes after `maxDeliveries` failed attempts: it is published there (same body,
   * id and pattern, with the last error in `x-rxmq-error` / the AMQP subject's application
   * property `x-rxmq-error`) and only then acknowledged. Without it the event is rejected (AMQP:
   * the broker's own dead-lettering applies, if configured) or, in STOMP, which has no reject,
   * acknowledged and dropped with an error in the log.
   */
  readonly deadLetter?: string;
  /** How long `close()` lets running handlers finish, in ms. Default 10,000. */
  readonly closeTimeout?: number;
  /** Nest's hook for the packets the server reads (default: Nest's IncomingRequestDeserializer). */
  readonly deserializer?: ConsumerDeserializer;
  /** Nest's hook for the replies the server writes (default: identity). */
  readonly serializer?: ConsumerSerializer;
}

/** Options of {@link RxMqClient}. */
export interface RxMqClientOptions extends RxMqCommonOptions {
  /** How long `send()` waits for the (first) reply, in ms. Default 10,000. */
  readonly timeout?: number;
  /**
   * The address replies come to. Default a queue of this client's own, `/queue/rxmq-reply-UUID`
   * (RabbitMQ keeps such a queue after the client closes: name a shared one here to avoid that).
   */
  readonly replyTo?: string;
  /** Nest's hook for the packets the client writes (default: identity). */
  readonly serializer?: ProducerSerializer;
  /** Nest's hook for the replies the client reads (default: Nest's IncomingResponseDeserializer). */
  readonly deserializer?: ProducerDeserializer;
}

/** The transport for these options (nothing connects until something subscribes). */
export function openTransport(o: RxMqCommonOptions): RxMqTransport {
  const urls = typeof o.url === 'string' ? [o.url] : [...o.url];
  if (urls.length === 0) throw new TypeError('rx-mq/nest: `url` needs at least one URL');
  const protocols = new Set(urls.map(protocolOf));
  if (protocols.size > 1) throw new TypeError('rx-mq/nest: the URLs of one server or client must all be AMQP or all be STOMP');
  return protocolOf(urls[0]) === 'amqp' ? amqpTransport(urls, o) : stompTransport(urls, o);
}
