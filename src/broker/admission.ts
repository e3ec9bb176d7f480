/**
 * Admission of client connections (limit `maxConnections`, all listeners together): beyond the
 * limit a new socket is told why in its protocol's terms and closed (refusal.ts), and `onError`
 * hears of it; the connections already open are not affected. Each admitted connection is counted
 * until its transport closes.
 */
import type { Transport, TransportError } from '../transport/types.js';
import { report } from './boundary.js';
import type { AcceptedConnection } from './listener.js';
import { BrokerLimitError } from './limits.js';

export class Admission {
  private open = 0;

  constructor(private readonly max: number, private readonly onError: ((error: Error) => void) | undefined) {}

  /** Connections admitted and not closed yet. */
  get count(): number {
    return this.open;
  }

  /** `accept`, counted: a connection beyond the limit is refused with `refuse` (see refusal.ts). */
  guard(
    accept: (transport: Transport) => AcceptedConnection,
    refuse: (transport: Transport, reason: string) => AcceptedConnection,
  ): (transport: Transport) => AcceptedConnection {
    return (transport) => {
      if (this.open >= this.max) {
        const error = new BrokerLimitError('maxConnections', this.max, `connection refused: ${this.max} connections are open`);
        report(this.onError, error);
        return refuse(transport, error.message);
      }
      this.open++;
      const conn = accept(transport);
      let counted = true;
      return {
        onData: (chunk) => conn.onData(chunk),
        onDrain: () => conn.onDrain?.(),
        onClose: (error?: TransportError) => {
          if (counted) { counted = false; this.open--; }
          conn.onClose(error);
        },
        shutdown: () => conn.shutdown(),
        fault: (error) => conn.fault(error),
      };
    };
  }
}
