/**
 * Test support: runs a sans-IO Connection over a real TCP socket, so engine tests can talk to
 * independent peers (rhea, Qpid Proton, RabbitMQ). Collects events and lets a test await one.
 */
import net from 'node:net';
import { Connection, type ConnectionOptions } from '../../src/amqp/engine/connection.js';
import type { EngineEvent } from '../../src/amqp/engine/events.js';

export class EngineDriver {
  readonly events: EngineEvent[] = [];
  readonly conn: Connection;
  private readonly socket: net.Socket;
  private waiters: { pred: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  socketClosed = false;

  constructor(port: number, options: ConnectionOptions, host = '127.0.0.1') {
    this.conn = new Connection(options);
    this.socket = net.connect({ port, host, noDelay: true });
    this.socket.on('connect', () => {
      this.conn.start(Date.now());
      this.flush();
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.handle(this.conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), Date.now()));
    });
    this.socket.on('close', () => { this.socketClosed = true; this.stopTimer(); });
    this.socket.on('error', () => {});
  }

  /** Write whatever the engine produced and re-arm the timer for its next deadline. */
  flush(): void {
    const out = this.conn.takeOutput(Date.now());
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(out);
    this.stopTimer();
    const at = this.conn.nextDeadline();
    if (at !== undefined) {
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
    this.socket.destroy();
  }

  private handle(events: readonly EngineEvent[]): void {
    for (const e of events) {
      const w = this.waiters.findIndex((x) => x.pred(e));
      if (w >= 0) this.waiters.splice(w, 1)[0].resolve(e);
      else this.events.push(e);
    }
    this.flush();
    if (this.conn.done && events.some((e) => e.type === 'connection-error' || e.type === 'connection-close')) {
      this.socket.end();
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
