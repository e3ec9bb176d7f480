/**
 * The per-connection boundary of the embedded broker. Every way control enters one client
 * connection (bytes read, the socket draining or closing, its timer, its deferred flush, and a
 * message or room handed over from another connection) is caught here, so that an unexpected
 * error costs that connection only: it is closed (AMQP with `amqp:internal-error`, STOMP with an
 * ERROR frame), the error is reported through the broker's `onError`, and every other connection
 * goes on. Catching is the last line; the causes are fixed where they are found (docs/BROKER.md).
 */
import { RxMqError } from '../errors.js';

/** The protocols a broker connection speaks. */
export type BrokerProtocol = 'amqp' | 'stomp';

/**
 * An unexpected error inside one broker connection (a bug, or input no rule foresaw). The
 * connection was closed because of it; the broker and its other connections keep running.
 * `cause` is the original error.
 */
export class BrokerConnectionError extends RxMqError {
  constructor(readonly protocol: BrokerProtocol, cause: unknown) {
    super(`${protocol.toUpperCase()} connection closed after an internal error: ${describe(cause)}`, { cause });
  }
}

/** Something that can be failed from outside its own call stack (see `fault`). */
export interface FaultSink {
  /** An unexpected error belongs to this connection: close it and report it, never throw. */
  fault(error: unknown): void;
}

/** Report through the user's hook; a throwing hook must not undo the boundary. */
export function report(onError: ((error: Error) => void) | undefined, error: Error): void {
  if (onError === undefined) return;
  try {
    onError(error);
  } catch {
    // The user's logging failed: nothing more to do for it here.
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
