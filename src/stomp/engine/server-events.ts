/**
 * What the STOMP server engine reports to the broker that drives it. Frames the engine can answer
 * alone (BEGIN, ABORT, transactional frames it buffers, protocol errors) produce no event; frames
 * that need the broker's action become one event each, in wire order. An event carrying `receipt`
 * must be answered with `engine.receipt(receipt)` once the broker has acted on it, so that a
 * RECEIPT always means "done" (a SEND's message is stored, a SUBSCRIBE's consumer exists).
 */
import type { StompVersion } from '../codec/commands.js';
import type { StompHeaderList } from '../codec/frame.js';
import type { AckMode } from './engine.js';
import type { HeartbeatIntervals } from './heartbeat.js';

/** CONNECT or STOMP was accepted and CONNECTED written. */
export interface ServerConnectedEvent {
  readonly type: 'connected';
  readonly version: StompVersion;
  readonly login: string | undefined;
  readonly host: string | undefined;
  readonly session: string;
  readonly heartbeat: HeartbeatIntervals;
}

/** A SEND to store (outside a transaction, or committed). */
export interface ServerSendEvent {
  readonly type: 'send';
  readonly destination: string;
  /** Every header of the frame in wire order (destination, receipt, transaction included). */
  readonly headers: StompHeaderList;
  readonly body: Uint8Array;
  readonly receipt?: string;
}

/** A new subscription. */
export interface ServerSubscribeEvent {
  readonly type: 'subscribe';
  /** The subscription id (in STOMP 1.0 without an id: the destination). */
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
  readonly headers: StompHeaderList;
  readonly receipt?: string;
}

/** A subscription ended; messages it still held unacknowledged go back. */
export interface ServerUnsubscribeEvent {
  readonly type: 'unsubscribe';
  readonly id: string;
  /** Message ids delivered on it and never acknowledged. */
  readonly unacked: readonly string[];
  readonly receipt?: string;
}

/** ACK or NACK, resolved to the message ids it covers (cumulative in `client` mode). */
export interface ServerSettleEvent {
  readonly type: 'ack' | 'nack';
  readonly subscription: string;
  readonly messageIds: readonly string[];
  readonly receipt?: string;
}

/** A COMMIT whose buffered frames were reported just before it, in order. */
export interface ServerCommitEvent {
  readonly type: 'commit';
  readonly transaction: string;
  readonly receipt?: string;
}

/** DISCONNECT: answer the receipt (if any), then close the connection. */
export interface ServerDisconnectEvent {
  readonly type: 'disconnect';
  /** Message ids delivered on any subscription and never acknowledged. */
  readonly unacked: readonly string[];
  readonly receipt?: string;
}

/** The engine gave up on the connection (ERROR written when it could be): close it. */
export interface ServerClosedEvent {
  readonly type: 'closed';
  /** Why, for logging. */
  readonly reason: string;
  /** Message ids delivered and never acknowledged. */
  readonly unacked: readonly string[];
}

/** Every server engine event. */
export type StompServerEvent =
  | ServerConnectedEvent | ServerSendEvent | ServerSubscribeEvent | ServerUnsubscribeEvent
  | ServerSettleEvent | ServerCommitEvent | ServerDisconnectEvent | ServerClosedEvent;
