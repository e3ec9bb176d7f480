/**
 * STOMP error classes. `StompError` is the broker's ERROR frame; the others describe protocol
 * breaches, silent peers and calls made in the wrong state.
 */
import { RxMqError, TimeoutError } from '../errors.js';
import type { StompHeaderList } from './codec/frame.js';

const td = new TextDecoder();

/** The broker sent an ERROR frame. Carries its headers and body. */
export class StompError extends RxMqError {
  /** The ERROR frame's headers, in wire order. */
  readonly headers: StompHeaderList;
  /** The ERROR frame's body. */
  readonly body: Uint8Array;
  /** The frame's `message` header, if any. */
  readonly brokerMessage: string | undefined;
  /** The `receipt-id` header: the receipt the failed frame asked for, if any. */
  readonly receiptId: string | undefined;
  constructor(headers: StompHeaderList, body: Uint8Array) {
    const first = (n: string): string | undefined => headers.find(([k]) => k === n)?.[1];
    const msg = first('message');
    const text = td.decode(body).trim();
    super(`STOMP ERROR: ${msg ?? '(no message header)'}${text ? ` - ${text.slice(0, 500)}` : ''}`);
    this.headers = headers;
    this.body = body;
    this.brokerMessage = msg;
    this.receiptId = first('receipt-id');
  }
  /** The body as UTF-8 text. */
  get text(): string { return td.decode(this.body); }
}

/**
 * The broker answered CONNECT with an ERROR that refuses the login (or access to the virtual
 * host): another attempt with the same credentials cannot succeed, so `stompClient` does not
 * retry it. STOMP has no code for this; see {@link connectError} for how it is recognised.
 */
export class StompAuthenticationError extends StompError {}

/**
 * The common name of a refused login in both protocols: `AuthenticationError` from `rx-mq/stomp`
 * is {@link StompAuthenticationError} (an ERROR frame, so it keeps the frame's headers and body),
 * as `AuthenticationError` from `rx-mq/amqp` is the SASL refusal. Code that serves both protocols
 * can test `err.name.endsWith('AuthenticationError')`.
 */
export { StompAuthenticationError as AuthenticationError };

/** What a {@link StompDestinationError} was the answer to. */
export interface StompDestinationInfo {
  /** SUBSCRIBE or SEND. */
  readonly command: string;
  readonly destination: string;
  /** The subscription id, for a SUBSCRIBE. */
  readonly subscription?: string | undefined;
}

/**
 * An ERROR that answers one SUBSCRIBE or SEND (a destination the broker refuses: RabbitMQ's
 * `/exchange/missing`, an unknown prefix, a forbidden queue). Only that subscription or sender
 * ends with it; `stompClient` does not subscribe or send there again. How an ERROR is attributed
 * to a frame: see src/stomp/rx/attribution.ts and docs/STOMP.md.
 */
export class StompDestinationError extends StompError {
  readonly command: string;
  readonly destination: string;
  readonly subscription: string | undefined;
  constructor(headers: StompHeaderList, body: Uint8Array, info: StompDestinationInfo) {
    super(headers, body);
    this.command = info.command;
    this.destination = info.destination;
    this.subscription = info.subscription;
    this.message = `${this.message} (answering ${info.command} to ${info.destination})`;
  }
}

/**
 * Words that mark an ERROR answering CONNECT as a refused login (or virtual host), as brokers
 * word it: RabbitMQ "Access refused for user ..." and "... access denied", ActiveMQ "User name
 * [x] or password is invalid", the embedded broker "access refused: wrong login or passcode".
 */
const LOGIN_REFUSED = /access refused|access denied|auth|login|passcode|password|credential|not authori[sz]ed|forbidden|denied/i;

/**
 * The error for an ERROR frame that answered CONNECT: {@link StompAuthenticationError} when its
 * `message` header or body refuses the login, else a plain {@link StompError} (a broker may also
 * refuse a connection for a passing reason, such as a connection limit, which is worth retrying).
 */
export function connectError(headers: StompHeaderList, body: Uint8Array): StompError {
  const e = new StompAuthenticationError(headers, body);
  return LOGIN_REFUSED.test(`${e.brokerMessage ?? ''} ${e.text}`) ? e : new StompError(headers, body);
}

/** The peer broke the STOMP protocol (unexpected frame, missing header, unknown version...). */
export class StompProtocolError extends RxMqError {}

/** Nothing arrived from the peer within the negotiated heart-beat interval (with tolerance). */
export class StompHeartbeatTimeoutError extends TimeoutError {}

/** An operation was asked for in a state that does not allow it (e.g. SEND before CONNECTED). */
export class StompStateError extends RxMqError {}

/** The connection ended (cleanly or not) while an operation was still waiting. */
export class StompConnectionClosedError extends RxMqError {}

/** More bytes or messages are waiting than the configured bound allows. */
export class StompBufferOverflowError extends RxMqError {}

/**
 * `browse()` on a broker not known to browse queues: one that ignores the `browser` header (as
 * RabbitMQ does) would deliver, and so consume, every message instead, and never end the browse.
 */
export class StompBrowseUnsupportedError extends RxMqError {
  /** The broker's `server` header, if it sent one. */
  readonly server: string | undefined;
  constructor(server: string | undefined) {
    super(`queue browsing (SUBSCRIBE browser:true) is known to work on ActiveMQ and rx-mq's broker, not on ${server ?? 'a broker that does not name itself'}: it would consume the queue instead; nothing was subscribed`);
    this.server = server;
  }
}
