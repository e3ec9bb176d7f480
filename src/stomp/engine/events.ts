/** What the engine reports as frames arrive and time passes. */
import type { ResponseTimeoutError } from '../../errors.js';
import type { StompVersion } from '../codec/commands.js';
import type { StompFrame, StompHeaderList } from '../codec/frame.js';
import type { StompDecodeError } from '../codec/errors.js';
import type { StompError, StompHeartbeatTimeoutError, StompProtocolError } from '../errors.js';
import type { HeartbeatIntervals } from './heartbeat.js';

/** The broker accepted the connection. */
export interface ConnectedEvent {
  readonly type: 'connected';
  readonly version: StompVersion;
  readonly session: string | undefined;
  readonly server: string | undefined;
  readonly heartbeat: HeartbeatIntervals;
  readonly headers: StompHeaderList;
}

/** A MESSAGE frame for one of our subscriptions. */
export interface MessageEvent {
  readonly type: 'message';
  readonly subscription: string;
  readonly frame: StompFrame;
}

/** A RECEIPT arrived for a frame that asked for one. */
export interface ReceiptEvent {
  readonly type: 'receipt';
  readonly receiptId: string;
}

/** The DISCONNECT receipt arrived: the connection may be closed now. */
export interface DisconnectedEvent {
  readonly type: 'disconnected';
}

/** The connection is unusable: ERROR frame, malformed input, protocol breach or a silent peer. */
export interface FailedEvent {
  readonly type: 'failed';
  readonly error: StompError | StompDecodeError | StompProtocolError | StompHeartbeatTimeoutError | ResponseTimeoutError;
}

/** Every engine event. */
export type StompEvent = ConnectedEvent | MessageEvent | ReceiptEvent | DisconnectedEvent | FailedEvent;
