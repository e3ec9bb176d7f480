/**
 * What the Nest server and client need from a broker, in one shape for both protocols: publish a
 * message and learn when the broker has it, consume an address with settle-on-completion, the
 * connection state, close. amqp-transport.ts and stomp-transport.ts implement it over the
 * reconnecting clients; the scheme of the first URL picks which.
 */
import type { Observable } from 'rxjs';
import type { AmqpClient, AmqpClientOptions } from '../amqp/rx/client.js';
import type { ReceivedMessage } from '../amqp/rx/receiver.js';
import type { ClientState } from '../reconnect/state.js';
import type { StompClient, StompClientOptions } from '../stomp/rx/client.js';
import type { StompMessage } from '../stomp/rx/message.js';

/** The header (AMQP: application property) a dead-lettered event carries its last error in. */
export const ERROR_HEADER = 'x-rxmq-error';

/** The two protocols. */
export type RxMqProtocol = 'amqp' | 'stomp';

/** One message to publish: a JSON text body and the properties request/reply needs. */
export interface OutgoingMessage {
  /** The body, already serialised (JSON text, sent as `application/json`). */
  readonly body: string;
  /** Unique per message; the client's request id, so replies can name it. */
  readonly messageId: string;
  /** The Nest pattern's route, for people and tools reading the queue (AMQP subject, STOMP header). */
  readonly pattern?: string;
  readonly replyTo?: string;
  readonly correlationId?: string;
  /** Why the message is being dead-lettered (header / application property `x-rxmq-error`). */
  readonly error?: string;
}

/** One received message, protocol-neutral. */
export interface Delivery {
  /** The body: parsed JSON where it is JSON, else the text (or the AMQP value as it arrived). */
  readonly body: unknown;
  /** The body as text, as it arrived (what a dead letter carries on). */
  readonly text: string;
  /** This delivery's attempt, from 1: the broker's count where it keeps one, else the consumer's. */
  readonly attempt: number;
  readonly messageId: string | undefined;
  readonly replyTo: string | undefined;
  readonly correlationId: string | undefined;
  /** The protocol's own message, for handlers that need headers or annotations. */
  readonly raw: ReceivedMessage | StompMessage;
  /**
   * Give the message back without running it (the server is closing). AMQP releases it; STOMP
   * has no release and leaves it to the UNSUBSCRIBE, which returns every unacknowledged message.
   */
  abandon(): void;
}

/** How one consumed message ended (see consume.ts's `Consumed`, the AMQP original). */
export type DeliveryOutcome = 'accepted' | 'released' | 'rejected' | 'unsettled';

/** Options of {@link RxMqTransport.consume}. */
export interface ConsumeSettings {
  /** Messages handled at once; also the credit (AMQP) or prefetch (STOMP). */
  readonly concurrency: number;
  /** Failed attempts after which a message is rejected (AMQP) or acknowledged and dropped (STOMP). */
  readonly maxDeliveries: number;
}

/** The broker as the Nest layer sees it. */
export interface RxMqTransport {
  readonly protocol: RxMqProtocol;
  /** The reconnecting client underneath (`unwrap()`). */
  readonly client: AmqpClient | StompClient;
  readonly state$: Observable<ClientState>;
  /** Resolves when the broker has the message (AMQP accepted, STOMP RECEIPT); rejects otherwise. */
  publish(address: string, message: OutgoingMessage): Promise<void>;
  /**
   * Consume `address`: `handler` runs on each message, at most `concurrency` at once, and the
   * message is settled when its Observable completes (accepted) or errors (released, rejected after
   * `maxDeliveries`). Emits one outcome per message. Runs until unsubscribed.
   */
  consume(address: string, handler: (d: Delivery) => Observable<unknown>, settings: ConsumeSettings): Observable<DeliveryOutcome>;
  /** Stop every sender and close the connection. */
  close(): Promise<void>;
}

/** Options passed through to the reconnecting client of each protocol (everything but the URLs). */
export interface RxMqConnectionOptions {
  /** Options of `amqpClient` (hostname, credentials, TLS, reconnect...) for amqp URLs. */
  readonly amqp?: Omit<AmqpClientOptions, 'urls'>;
  /** Options of `stompClient` (login, host, heartbeat, reconnect...) for STOMP URLs. */
  readonly stomp?: Omit<StompClientOptions, 'url' | 'urls'>;
}

const AMQP_SCHEMES = ['amqp', 'amqps', 'amqp+ws', 'amqp+wss'];
const STOMP_SCHEMES = ['stomp', 'stomp+ssl', 'stomps', 'ws', 'wss'];

/** The protocol a URL's scheme names: amqp, amqps, amqp+ws(s) for AMQP 1.0; stomp, stomp+ssl, ws(s) for STOMP. */
export function protocolOf(url: string): RxMqProtocol {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && AMQP_SCHEMES.includes(scheme)) return 'amqp';
  if (scheme !== undefined && STOMP_SCHEMES.includes(scheme)) return 'stomp';
  throw new TypeError(`rx-mq/nest: cannot tell the protocol of ${JSON.stringify(redact(url))}: use amqp://, amqps://, amqp+ws(s)://, stomp://, stomp+ssl:// or ws(s)://`);
}

/** A URL without its password, for error messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

const decoder = new TextDecoder();

/** A body as text: bytes decoded as UTF-8, strings as they are, other AMQP values as JSON. */
export function bodyText(body: unknown): string {
  if (body instanceof Uint8Array) return decoder.decode(body);
  if (typeof body === 'string') return body;
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
}

/** A body as the handler sees it: JSON parsed where it is JSON, text otherwise. */
export function parseBody(body: unknown): unknown {
  const text = body instanceof Uint8Array ? decoder.decode(body) : body;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
