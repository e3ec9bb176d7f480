/**
 * The glue between one transport and one engine: writes the engine's output, runs its heart-beat
 * timer, correlates receipts with promises and routes MESSAGE frames to subscription handlers.
 * Everything above (sessions, subscriptions, senders) talks to this class.
 */
import { TimeoutError } from '../../errors.js';
import { openTransportWith } from '../../transport/platform.js';
import { COALESCE_BELOW_BYTES, DEFAULT_READ_COALESCING_MS, STREAM_MIN_EVENTS } from '../../transport/read-hold.js';
import type { Transport, TransportError, TransportFactory, TransportTarget } from '../../transport/types.js';
import type { StompFrame } from '../codec/frame.js';
import { StompEngine, type StompEngineOptions } from '../engine/engine.js';
import type { ConnectedEvent, StompEvent } from '../engine/events.js';
import { StompBufferOverflowError, StompConnectionClosedError } from '../errors.js';

/** How a wire ended: cleanly, or with an error. */
export type WireEnd = { readonly clean: true } | { readonly clean: false; readonly error: Error };

/** Someone waiting for a RECEIPT. */
export interface ReceiptWaiter { resolve(): void; reject(e: Error): void }

/** One transport joined to one engine (see the file comment). */
export class StompWire {
  readonly engine: StompEngine;
  private transport: Transport | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the heart-beat timer fires (ms, absolute). */
  private timerAt = 0;
  /** A flush of the engine's output is queued for the end of the current task. */
  private flushQueued = false;
  private readonly flushTask = (): void => { this.flushQueued = false; this.flush(); };
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
    /** Read coalescing (ms, 0 = off): see `onData` and src/transport/read-hold.ts. */
    private readonly readCoalescingMs = DEFAULT_READ_COALESCING_MS,
  ) {
    this.engine = new StompEngine(engineOptions);
  }

  /**
   * Bytes from the transport. A broker streaming a subscription writes MESSAGE frames as it has
   * them (RabbitMQ one frame per write), so a client that keeps up reads a few hundred bytes per
   * wake-up; several MESSAGEs in one small chunk show a stream in full flow, and then reads are
   * held a moment so that the next one takes what arrived meanwhile. A lone MESSAGE or RECEIPT
   * (request/response traffic) never causes a hold.
   */
  private onData(chunk: Uint8Array): void {
    const messages = this.handle(this.engine.receive(chunk, this.now()));
    if (this.readCoalescingMs > 0 && messages >= STREAM_MIN_EVENTS && chunk.length < COALESCE_BELOW_BYTES) {
      this.transport?.holdReads?.(this.readCoalescingMs);
    }
  }

  /**
   * Open the transport (with `factory`, else the platform's), send CONNECT and resolve on
   * CONNECTED (reject on failure or timeout).
   */
  open(target: TransportTarget, timeoutMs: number, factory?: TransportFactory): Promise<ConnectedEvent> {
    return new Promise<ConnectedEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(`no STOMP CONNECTED within ${timeoutMs} ms`);
        reject(err);
        this.finish({ clean: false, error: err });
      }, timeoutMs);
      this.onConnected = (e) => { clearTimeout(timer); resolve(e); };
      this.onEnd((end) => { clearTimeout(timer); reject(end.clean ? new StompConnectionClosedError('connection closed before CONNECTED') : end.error); });
      openTransportWith(factory, target, {
        onData: (chunk) => this.onData(chunk),
        onClose: (error?: TransportError) => {
          this.engine.close(error);
          this.finish(error ? { clean: false, error } : this.engine.state.phase === 'closed' && this.connected && !this.disconnecting
            ? { clean: false, error: new StompConnectionClosedError('the broker closed the connection') }
            : { clean: true });
        },
      }, { connectTimeoutMs: timeoutMs }).then((t) => {
        if (this.ended) { t.destroy(); return; }
        this.transport = t;
        this.engine.connect(this.now());
        this.flush();
      }, (e: Error) => this.finish({ clean: false, error: e }));
    });
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
    const queued = (this.transport?.bufferedAmount ?? 0) + this.engine.pendingOutput;
    if (queued > this.maxWriteBuffer) {
      throw new StompBufferOverflowError(`${queued} bytes are waiting to be written (limit ${this.maxWriteBuffer}); slow down the producer`);
    }
  }

  /**
   * The engine queued frames: write them at the end of the current task, so that all frames
   * produced in one go leave in one socket write.
   */
  endWrite(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** The current time, as the wire passes it to the engine. */
  time(): number { return this.now(); }

  /** DISCONNECT with receipt, wait at most `timeoutMs`, then close the socket. */
  async close(timeoutMs: number): Promise<void> {
    if (this.ended) return;
    if (this.engine.state.phase === 'connected' && this.transport) {
      this.disconnecting = true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.onDisconnected = () => { clearTimeout(t); resolve(); };
        this.onEnd(() => { clearTimeout(t); resolve(); });
        this.engine.disconnect(this.now());
        this.flush();
      });
    }
    this.transport?.end();
    const t = this.transport;
    setTimeout(() => t?.destroy(), 1000).unref?.();
    this.finish({ clean: true });
  }

  /** Drop the connection at once (no DISCONNECT). */
  destroy(error?: Error): void {
    this.transport?.destroy();
    this.finish(error ? { clean: false, error } : { clean: true });
  }

  private endError(): Error {
    return this.ended && !this.ended.clean ? this.ended.error : new StompConnectionClosedError('the STOMP connection is closed');
  }

  /** Act on the engine's events; returns how many were MESSAGE frames (for read coalescing). */
  private handle(events: StompEvent[]): number {
    let messages = 0;
    for (const ev of events) {
      switch (ev.type) {
        case 'connected':
          this.connected = ev;
          this.onConnected?.(ev);
          break;
        case 'message':
          messages++;
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
          this.transport?.destroy();
          this.finish({ clean: false, error: ev.error });
          break;
        }
      }
    }
    this.flush();
    return messages;
  }

  private flush(): void {
    if (this.engine.pendingOutput > 0) {
      const t = this.transport;
      if (t === undefined || this.ended) {
        this.engine.takeOutput();
      } else if (t.info.kind === 'websocket') {
        // One STOMP frame per WebSocket message, as WebSocket STOMP servers expect.
        for (const frame of this.engine.takeOutputFrames()) t.write(frame);
      } else {
        // Everything queued since the last flush in one write.
        t.write(this.engine.takeOutput());
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.ended) return;
    const at = this.engine.nextDeadline();
    if (at === undefined) {
      if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
      return;
    }
    // A timer due no later than needed stays: `tick` checks the real deadlines when it fires.
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.handle(this.engine.tick(this.now()));
    }, Math.max(0, at - this.now()));
  }

  private finish(end: WireEnd): void {
    if (this.ended) return;
    this.ended = end;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.engine.close(end.clean ? undefined : end.error);
    const err = this.endError();
    for (const p of this.receipts.values()) p.reject(err);
    this.receipts.clear();
    for (const fn of [...this.endListeners]) fn(end);
    this.endListeners.clear();
    if (!end.clean) this.transport?.destroy();
  }
}
