/**
 * The glue between one transport and one engine: runs the engine through the shared driver
 * (src/transport/driver.ts: output once per turn, the heart-beat timer, read coalescing),
 * correlates receipts with promises and routes MESSAGE frames to subscription handlers.
 * Everything above (sessions, subscriptions, senders) talks to this class.
 */
import { ConnectTimeoutError } from '../../errors.js';
import { openTransportWith } from '../../transport/platform.js';
import type { ProxyConfig } from '../../transport/proxy.js';
import { EngineDriver } from '../../transport/driver.js';
import { DEFAULT_READ_COALESCING_MS } from '../../transport/read-hold.js';
import type { TransportError, TransportFactory, TransportTarget } from '../../transport/types.js';
import type { StompFrame } from '../codec/frame.js';
import { StompEngine, type StompEngineOptions } from '../engine/engine.js';
import type { ConnectedEvent, StompEvent } from '../engine/events.js';
import { StompBufferOverflowError, StompConnectionClosedError, StompProtocolError } from '../errors.js';
import { inFullFlow, streamEvents } from './read-coalescing.js';
import { renderSafely } from '../../redact.js';

/** How a wire ended: cleanly, or with an error. */
export type WireEnd = { readonly clean: true } | { readonly clean: false; readonly error: Error };

/** Someone waiting for a RECEIPT. */
export interface ReceiptWaiter { resolve(): void; reject(e: Error): void }

/** One transport joined to one engine (see the file comment). */
export class StompWire {
  readonly engine: StompEngine;
  private readonly io: EngineDriver<StompEvent[], StompEngine>;
  private readonly receipts = new Map<string, ReceiptWaiter>();
  private readonly handlers = new Map<string, (f: StompFrame) => void>();
  private readonly endListeners = new Set<(end: WireEnd) => void>();
  private ended: WireEnd | undefined;
  private onConnected: ((e: ConnectedEvent) => void) | undefined;
  private onDisconnected: (() => void) | undefined;
  /** The CONNECTED event, once it arrived. */
  connected: ConnectedEvent | undefined;

  /**
   * @param maxWriteBuffer bytes the transport may hold unwritten before `act` refuses more work
   *   with a StompBufferOverflowError (a bounded buffer instead of silent growth).
   */
  constructor(
    engineOptions: StompEngineOptions,
    private readonly now: () => number = Date.now,
    private readonly maxWriteBuffer = 64 * 1024 * 1024,
    /** Read coalescing (ms, 0 = off): see read-coalescing.ts and src/transport/read-hold.ts. */
    readCoalescingMs = DEFAULT_READ_COALESCING_MS,
  ) {
    this.engine = new StompEngine(engineOptions);
    this.io = new EngineDriver<StompEvent[], StompEngine>(this.engine, {
      onEvents: (events) => this.handleGuarded(events),
      onEnd: (error) => this.transportEnded(error),
      readHold: { ms: readCoalescingMs, inFullFlow, streamEvents },
      now,
    });
  }

  /**
   * Open the transport (with `factory`, else the platform's), send CONNECT and resolve on
   * CONNECTED (reject on failure or timeout).
   */
  open(target: TransportTarget, timeoutMs: number, factory?: TransportFactory, proxy?: ProxyConfig): Promise<ConnectedEvent> {
    return new Promise<ConnectedEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new ConnectTimeoutError(`no STOMP CONNECTED within ${timeoutMs} ms (connectTimeout)`, timeoutMs);
        reject(err);
        this.finish({ clean: false, error: err });
      }, timeoutMs);
      this.onConnected = (e) => { clearTimeout(timer); resolve(e); };
      this.onEnd((end) => { clearTimeout(timer); reject(end.clean ? new StompConnectionClosedError('connection closed before CONNECTED') : end.error); });
      openTransportWith(factory, target, {
        onData: (chunk) => this.io.onData(chunk),
        onClose: (error?: TransportError) => this.io.onTransportClose(error),
      }, { connectTimeoutMs: timeoutMs, proxy }).then((t) => {
        if (this.ended) { t.destroy(); return; }
        this.io.attach(t);
        this.engine.connect(this.now());
        this.io.flush();
      }, (e: Error) => this.finish({ clean: false, error: e }));
    });
  }

  /** The transport closed under us: cleanly only where nothing was lost. */
  private transportEnded(error: TransportError | undefined): void {
    this.engine.close(error);
    this.finish(error ? { clean: false, error } : this.engine.state.phase === 'closed' && this.connected && !this.disconnecting
      ? { clean: false, error: new StompConnectionClosedError('the broker closed the connection') }
      : { clean: true });
  }

  private disconnecting = false;

  /** Register a listener for the end of the wire (called at most once). */
  onEnd(fn: (end: WireEnd) => void): () => void {
    if (this.ended) { fn(this.ended); return () => undefined; }
    this.endListeners.add(fn);
    return () => this.endListeners.delete(fn);
  }

  /** Whether the wire has ended. */
  get isEnded(): boolean { return this.ended !== undefined; }

  /** Route MESSAGE frames of subscription `id` to `fn`. */
  route(id: string, fn: (f: StompFrame) => void): () => void {
    this.handlers.set(id, fn);
    return () => this.handlers.delete(id);
  }

  /** A promise for receipt `id` (undefined resolves at once). */
  receipt(id: string | undefined): Promise<void> {
    if (id === undefined) return Promise.resolve();
    if (this.ended) return Promise.reject(this.endError());
    return new Promise((resolve, reject) => this.receipts.set(id, { resolve, reject }));
  }

  /** Tell `waiter` when receipt `id` arrives (or fails); like `receipt` without a promise. */
  watchReceipt(id: string, waiter: ReceiptWaiter): void {
    if (this.ended) waiter.reject(this.endError());
    else this.receipts.set(id, waiter);
  }

  /** Run `fn` against the engine, then write what it produced (see `beginWrite`). */
  act<T>(fn: (engine: StompEngine, now: number) => T): T {
    this.beginWrite();
    const r = fn(this.engine, this.now());
    this.endWrite();
    return r;
  }

  /**
   * Check that the engine may queue another frame: throws when the wire has ended, or a
   * StompBufferOverflowError when more than `maxWriteBuffer` bytes wait unwritten (in the
   * transport and in the engine). Call `endWrite` after queueing.
   */
  beginWrite(): void {
    if (this.ended) throw this.endError();
    const queued = (this.io.pipe?.bufferedAmount ?? 0) + this.engine.pendingOutput;
    if (queued > this.maxWriteBuffer) {
      throw new StompBufferOverflowError(`${queued} bytes are waiting to be written (limit ${this.maxWriteBuffer}); slow down the producer`);
    }
  }

  /**
   * The engine queued frames: write them at the end of the current task, so that all frames
   * produced in one go leave in one socket write.
   */
  endWrite(): void {
    this.io.flushSoon();
  }

  /** The current time, as the wire passes it to the engine. */
  time(): number { return this.io.time(); }

  /** DISCONNECT with receipt, wait at most `timeoutMs`, then close the socket. */
  async close(timeoutMs: number): Promise<void> {
    if (this.ended) return;
    if (this.engine.state.phase === 'connected' && this.io.pipe) {
      this.disconnecting = true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.onDisconnected = () => { clearTimeout(t); resolve(); };
        this.onEnd(() => { clearTimeout(t); resolve(); });
        this.engine.disconnect(this.now());
        this.io.flush();
      });
    }
    this.io.end();
    setTimeout(() => this.io.destroy(), 1000).unref?.();
    this.finish({ clean: true });
  }

  /** Drop the connection at once (no DISCONNECT). */
  destroy(error?: Error): void {
    this.io.destroy();
    this.finish(error ? { clean: false, error } : { clean: true });
  }

  private endError(): Error {
    return this.ended && !this.ended.clean ? this.ended.error : new StompConnectionClosedError('the STOMP connection is closed');
  }

  /**
   * The last line of defence: nothing a peer sends may throw out of the socket's (or the timer's)
   * callback. A handler that throws anyway fails this connection with a StompProtocolError, as any
   * other broken connection; the process and other connections go on.
   */
  private handleGuarded(events: StompEvent[]): void {
    try {
      this.handle(events);
    } catch (e) {
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.io.destroy();
      this.finish({ clean: false, error: new StompProtocolError(`rx-mq could not handle the broker's frames (${why})`) });
    }
  }

  /** Act on the engine's events (the driver flushes what they produce). */
  private handle(events: StompEvent[]): void {
    for (const ev of events) {
      switch (ev.type) {
        case 'connected':
          this.connected = ev;
          this.onConnected?.(ev);
          break;
        case 'message':
          this.handlers.get(ev.subscription)?.(ev.frame);
          break;
        case 'receipt': {
          const p = this.receipts.get(ev.receiptId);
          this.receipts.delete(ev.receiptId);
          p?.resolve();
          break;
        }
        case 'disconnected':
          this.onDisconnected?.();
          break;
        case 'failed': {
          const rid = 'receiptId' in ev.error ? ev.error.receiptId : undefined;
          if (rid !== undefined) { this.receipts.get(rid)?.reject(ev.error); this.receipts.delete(rid); }
          this.io.destroy();
          this.finish({ clean: false, error: ev.error });
          break;
        }
      }
    }
  }

  private finish(end: WireEnd): void {
    if (this.ended) return;
    this.ended = end;
    this.engine.close(end.clean ? undefined : end.error);
    const err = this.endError();
    for (const p of this.receipts.values()) p.reject(err);
    this.receipts.clear();
    for (const fn of [...this.endListeners]) fn(end);
    this.endListeners.clear();
    if (!end.clean) this.io.destroy();
  }
}

// What these print (util.inspect, JSON, String): the state, never the login and passcode the
// engine's options hold (src/redact.ts).
renderSafely(StompEngine, (e) => ({ phase: e.state.phase, version: e.version }));
renderSafely(StompWire, (w) => ({ phase: w.engine.state.phase, ended: w.isEnded }));
