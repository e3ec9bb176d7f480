/**
 * Test support: runs a sans-IO Connection over one of our transports (TCP, TLS, WebSocket), so
 * engine tests can talk to independent peers (rhea, Qpid Proton, RabbitMQ). Collects events and
 * lets a test await one.
 */
import { Connection, type ConnectionOptions } from '../../src/amqp/engine/connection.js';
import type { EngineEvent } from '../../src/amqp/engine/events.js';
import { openTransport } from '../../src/transport/node.js';
import type { Transport, TransportError, TransportTarget } from '../../src/transport/types.js';

export class EngineDriver {
  readonly events: EngineEvent[] = [];
  readonly conn: Connection;
  transport: Transport | undefined;
  /** Rejects when the transport cannot be opened. */
  readonly ready: Promise<Transport>;
  socketClosed = false;
  closeError: TransportError | undefined;
  private waiters: { pred: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(target: number | TransportTarget, options: ConnectionOptions) {
    this.conn = new Connection(options);
    const t: TransportTarget = typeof target === 'number' ? { kind: 'tcp', host: '127.0.0.1', port: target } : target;
    this.ready = openTransport(t, {
      onData: (chunk) => this.handle(this.conn.receive(chunk, Date.now())),
      onClose: (err) => { this.socketClosed = true; this.closeError = err; this.stopTimer(); },
    });
    this.ready.then((tr) => {
      this.transport = tr;
      this.conn.start(Date.now());
      this.flush();
    }, () => { this.socketClosed = true; });
  }

  /** Write whatever the engine produced and re-arm the timer for its next deadline. */
  flush(): void {
    if (this.transport === undefined) return;
    const out = this.conn.takeOutput(Date.now());
    if (out.length > 0 && !this.socketClosed) this.transport.write(out);
    this.stopTimer();
    const at = this.conn.nextDeadline();
    if (at !== undefined && !this.socketClosed) {
      this.timer = setTimeout(() => this.handle(this.conn.tick(Date.now())), Math.max(0, at - Date.now()));
    }
  }

  /** Resolve with the first event (already seen or future) matching `pred`. */
  next<T extends EngineEvent['type']>(type: T, pred: (e: Extract<EngineEvent, { type: T }>) => boolean = () => true, timeoutMs = 10_000): Promise<Extract<EngineEvent, { type: T }>> {
    const match = (e: EngineEvent): boolean => e.type === type && pred(e as Extract<EngineEvent, { type: T }>);
    const i = this.events.findIndex(match);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0] as Extract<EngineEvent, { type: T }>);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${type}; saw ${this.events.map((e) => e.type).join(', ')}`)), timeoutMs);
      this.waiters.push({
        pred: match,
        resolve: (e) => { clearTimeout(t); resolve(e as Extract<EngineEvent, { type: T }>); },
      });
    });
  }

  close(): void {
    this.stopTimer();
    this.transport?.destroy();
  }

  private handle(events: readonly EngineEvent[]): void {
    for (const e of events) {
      const w = this.waiters.findIndex((x) => x.pred(e));
      if (w >= 0) this.waiters.splice(w, 1)[0].resolve(e);
      else this.events.push(e);
    }
    this.flush();
    if (this.conn.done && events.some((e) => e.type === 'connection-error' || e.type === 'connection-close')) {
      this.transport?.end();
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
