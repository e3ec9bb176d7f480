/**
 * What a reconnecting client (`amqpClient`, `stompClient`) reports about its connection, and the
 * errors the keeper itself raises. Protocol-neutral.
 */
import { RxMqError } from '../errors.js';

/**
 * Where a reconnecting client stands, as `state$` emits it:
 * - `connecting`: attempt number `attempt` (1 for the first since the client was idle or last
 *   had a healthy connection) is under way to `url` (password redacted);
 * - `open`: a connection to `url` is open;
 * - `reconnecting`: `error` ended the last attempt or connection; attempt number `attempt` starts
 *   after `delayMs`;
 * - `closed`: no connection. The initial state, and the state when nothing uses the client (the
 *   next user connects again). With `error`, or after `close()`, it is final: `state$` completes.
 */
export type ClientState =
  | { readonly state: 'connecting'; readonly url: string; readonly attempt: number }
  | { readonly state: 'open'; readonly url: string }
  | { readonly state: 'reconnecting'; readonly error: Error; readonly attempt: number; readonly delayMs: number }
  | { readonly state: 'closed'; readonly error?: Error };

/** The names of the states, for switches and filters. */
export type ClientStateName = ClientState['state'];

/**
 * The client was closed: by `close()` while an operation still had work without a result (a send
 * with messages awaiting their outcome, a request awaiting its reply), or an operation started
 * after `close()`.
 */
export class ClientClosedError extends RxMqError {}

/** The peer closed the connection without giving an error (the `error` of a `reconnecting` state). */
export class ConnectionClosedByPeerError extends RxMqError {}

/** `e` as an Error, for states (connections fail with Errors; anything else is wrapped). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new RxMqError(String(e), { cause: e });
}
