/**
 * StompSession: subscriptions as parallel streams over one connection, the send operator and
 * transactions. Each is cold and owned: subscribing sends the frame, unsubscribing undoes it.
 */
import { Observable, type OperatorFunction, type Subscriber, type TeardownLogic } from 'rxjs';
import type { StompVersion } from '../codec/commands.js';
import type { StompFrame } from '../codec/frame.js';
import type { AckMode, PreparedSend } from '../engine/engine.js';
import type { HeartbeatIntervals } from '../engine/heartbeat.js';
import { StompBrowseUnsupportedError, StompConnectionClosedError, StompStateError } from '../errors.js';
import { ReceiptOrder } from './attribution.js';
import { toMessage, type AckOptions, type StompMessage } from './message.js';
import type { ReceiptWaiter, StompWire } from './wire.js';

/** Options of `session.subscribe()`. */
export interface SubscribeOptions {
  /** auto (default), client or client-individual. */
  readonly ack?: AckMode;
  /** Subscription id; generated when absent. */
  readonly id?: string;
  /** Extra SUBSCRIBE headers (selector, durable-subscription names...). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Most unacknowledged messages the broker may deliver, mapped to the broker's own header
   * (RabbitMQ `prefetch-count`, ActiveMQ `activemq.prefetchSize`; both when the broker is unknown).
   */
  readonly prefetch?: number;
  /**
   * Ask the broker to confirm the SUBSCRIBE with a RECEIPT. Once it is in, the subscription is
   * active on the broker: whatever is sent to the destination from then on reaches it. Until
   * then the stream emits nothing (messages that overtake the RECEIPT are held and emitted right
   * after it, in order); an ERROR naming the receipt fails the stream with that StompError.
   */
  readonly receipt?: boolean;
  /**
   * Called once when the SUBSCRIBE's RECEIPT arrives, before any message is emitted (implies
   * `receipt: true`). The ready signal: send to the destination after it, not before.
   */
  readonly onReceipt?: () => void;
}

/** Options of `session.transaction()`. */
export interface TransactionOptions {
  /** Ask for a RECEIPT on BEGIN and emit the transaction only once it arrived. */
  readonly receipt?: boolean;
}

/** Options of `session.send()`. */
export interface SendOptions {
  /** Ask for a RECEIPT per message and emit the result only when it arrives. */
  readonly receipt?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send inside this transaction (its id or the transaction object). */
  readonly transaction?: string | { readonly id: string };
}

/**
 * A body `send` accepts: text (UTF-8), bytes, or any other value, which travels as JSON with
 * `content-type: application/json` (unless the headers name another); `message.json()` reads it.
 */
export type StompBody = string | Uint8Array | object | number | boolean | null;

/** What `send` takes: text (UTF-8), bytes, or a body (of any {@link StompBody} kind) with per-message headers. */
export type StompSendInput = string | Uint8Array | { readonly body: StompBody; readonly headers?: Readonly<Record<string, string>> };

/** The result of one SEND: written, or confirmed by the broker's RECEIPT. */
export type StompSendResult =
  | { readonly state: 'sent'; readonly destination: string; readonly size: number }
  | { readonly state: 'receipted'; readonly destination: string; readonly size: number; readonly receipt: string };

/** A transaction begun by `session.transaction()`. */
export interface StompTransaction {
  readonly id: string;
  /** COMMIT; resolves on the broker's RECEIPT. */
  commit(): Promise<void>;
  /** ABORT; resolves on the broker's RECEIPT. */
  abort(): Promise<void>;
}

/** One STOMP connection after CONNECTED. */
export interface StompSession {
  readonly version: StompVersion;
  readonly server: string | undefined;
  readonly sessionId: string | undefined;
  readonly heartbeat: HeartbeatIntervals;
  /** Subscribe on subscription; UNSUBSCRIBE on unsubscribe. Errors when the connection fails. */
  subscribe(destination: string, options?: SubscribeOptions): Observable<StompMessage>;
  /**
   * Browse a queue: the messages waiting in it, in order, none taken away, completing when the
   * broker says it has sent them all (a MESSAGE with `browser:end`, which is not emitted).
   * ActiveMQ's SUBSCRIBE `browser:true`, also served by rx-mq's broker. On any other broker it
   * errors at once with StompBrowseUnsupportedError, subscribing nothing: RabbitMQ ignores the
   * header and would consume the queue. `options`: `selector` (a JMS selector) and extra headers.
   */
  browse(destination: string, options?: BrowseOptions): Observable<StompMessage>;
  /** Operator: SEND each input, emit a StompSendResult per message, in order. */
  send(destination: string, options?: SendOptions): OperatorFunction<StompSendInput, StompSendResult>;
  /**
   * BEGIN on subscribe (emitted at once, or on BEGIN's RECEIPT with `receipt: true`);
   * unsubscribing before commit/abort aborts.
   */
  transaction(options?: TransactionOptions): Observable<StompTransaction>;
}

/** Options of `browse()`. */
export interface BrowseOptions {
  /** Only the messages this JMS selector matches. */
  readonly selector?: string;
  /** Extra SUBSCRIBE headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Whether a broker, by its `server` header, browses queues (see `browse`). */
export function browsesQueues(server: string | undefined): boolean {
  return server !== undefined && (server.startsWith('ActiveMQ/') || server.startsWith('rx-mq-broker'));
}

const txId = (t: string | { readonly id: string } | undefined): string | undefined => (typeof t === 'object' ? t.id : t);

/** The header naming the prefetch window for the broker product in `server`. */
export function prefetchHeaders(server: string | undefined, prefetch: number): Record<string, string> {
  const n = String(prefetch);
  if (server?.startsWith('RabbitMQ')) return { 'prefetch-count': n };
  if (server?.startsWith('ActiveMQ')) return { 'activemq.prefetchSize': n };
  return { 'prefetch-count': n, 'activemq.prefetchSize': n };
}

/** The session over `wire` (which must have seen CONNECTED). */
export function createSession(wire: StompWire): StompSession {
  const c = wire.connected;
  if (!c) throw new StompStateError('session before CONNECTED');
  // Every receipt goes through here, so that an ERROR can be attributed to the frame it answers.
  const receipts = new ReceiptOrder(wire);

  const settle = (kind: 'ACK' | 'NACK', f: StompFrame, o: AckOptions | undefined): Promise<void> => {
    try {
      const opts = { transaction: txId(o?.transaction), receipt: o?.receipt };
      const id = wire.act((e, now) => (kind === 'ACK' ? e.ack(f, opts, now) : e.nack(f, opts, now)));
      return receipts.receipt(id, { command: kind });
    } catch (e) {
      return Promise.reject(e);
    }
  };

  const ended = (sub: { error(e: Error): void; complete(): void }) => wire.onEnd((end) => {
    if (end.clean) sub.complete(); else sub.error(end.error);
  });

  const session: StompSession = {
    version: c.version,
    server: c.server,
    sessionId: c.session,
    heartbeat: c.heartbeat,

    subscribe(destination, options = {}) {
      return new Observable<StompMessage>((sub) => {
        const headers = { ...(options.prefetch !== undefined ? prefetchHeaders(c.server, options.prefetch) : {}), ...options.headers };
        const receipt = options.receipt === true || options.onReceipt !== undefined;
        let id: string;
        let receiptId: string | undefined;
        try {
          ({ id, receipt: receiptId } = wire.act((e, now) => e.subscribe(destination, { id: options.id, ack: options.ack, headers, receipt }, now)));
        } catch (e) {
          sub.error(e);
          return undefined;
        }
        // Frames that overtake the SUBSCRIBE's RECEIPT wait here, so that nothing is emitted
        // before the ready signal.
        let held: StompFrame[] | undefined = receiptId === undefined ? undefined : [];
        const unroute = wire.route(id, (f) => {
          if (held !== undefined) held.push(f);
          else sub.next(toMessage(f, id, settle));
        });
        const unend = ended(sub);
        if (receiptId !== undefined) {
          receipts.watch(receiptId, { command: 'SUBSCRIBE', destination, subscription: id }, {
            resolve: () => {
              const frames = held ?? [];
              held = undefined;
              if (sub.closed) return;
              options.onReceipt?.();
              for (const f of frames) { if (sub.closed) break; sub.next(toMessage(f, id, settle)); }
            },
            reject: (e) => sub.error(e),
          });
        }
        return () => {
          unroute();
          unend();
          held = undefined;
          if (!wire.isEnded && wire.engine.state.phase === 'connected') {
            try { wire.act((e, now) => e.unsubscribe(id, {}, now)); } catch { /* closing anyway */ }
          }
        };
      });
    },

    browse(destination, options = {}) {
      return new Observable<StompMessage>((sub) => {
        if (!browsesQueues(c.server)) {
          sub.error(new StompBrowseUnsupportedError(c.server));
          return undefined;
        }
        const headers: Record<string, string> = { ...options.headers, browser: 'true' };
        if (options.selector !== undefined) headers.selector = options.selector;
        return session.subscribe(destination, { ack: 'auto', headers }).subscribe({
          next: (m) => { if (m.headers.browser === 'end') sub.complete(); else sub.next(m); },
          error: (e: unknown) => sub.error(e),
          complete: () => sub.complete(),
        });
      });
    },

    send(destination, options = {}) {
      return (source) => new Observable<StompSendResult>((sub) => new SendOperator(wire, receipts, destination, options, sub).run(source));
    },

    transaction(txOptions = {}) {
      return new Observable<StompTransaction>((sub) => {
        let state: 'open' | 'ending' = 'open';
        let id: string;
        let receiptId: string | undefined;
        try {
          ({ transaction: id, receipt: receiptId } = wire.act((e, now) => e.begin(undefined, { receipt: txOptions.receipt === true }, now)));
        } catch (e) {
          sub.error(e);
          return undefined;
        }
        const end = (kind: 'COMMIT' | 'ABORT'): Promise<void> => {
          if (state !== 'open') return Promise.reject(new StompStateError(`transaction ${id} already ended`));
          state = 'ending';
          try {
            const r = wire.act((e, now) => (kind === 'COMMIT' ? e.commit(id, { receipt: true }, now) : e.abort(id, { receipt: true }, now)));
            return receipts.receipt(r, { command: kind }).then(() => sub.complete());
          } catch (e) {
            return Promise.reject(e);
          }
        };
        const unend = ended(sub);
        const tx: StompTransaction = { id, commit: () => end('COMMIT'), abort: () => end('ABORT') };
        if (receiptId === undefined) sub.next(tx);
        else receipts.watch(receiptId, { command: 'BEGIN' }, { resolve: () => { if (!sub.closed) sub.next(tx); }, reject: (e) => sub.error(e) });
        return () => {
          unend();
          if (state === 'open' && !wire.isEnded && wire.engine.state.phase === 'connected') {
            state = 'ending';
            try { wire.act((e, now) => e.abort(id, {}, now)); } catch { /* closing anyway */ }
          }
        };
      });
    },
  };
  return session;
}

/** A SEND awaiting its RECEIPT; results leave in input order. */
class PendingReceipt implements ReceiptWaiter {
  done = false;
  constructor(private readonly op: SendOperator, readonly receipt: string, readonly size: number) {}
  resolve(): void { this.done = true; this.op.drain(); }
  reject(e: Error): void { this.op.fail(e); }
}

/**
 * One subscription of the send operator. Without receipts each input is encoded and its 'sent'
 * result emitted at once (no promise, no queue); the frames of one task leave in one socket
 * write. With receipts the results wait in a FIFO for their RECEIPTs and leave in input order.
 */
class SendOperator {
  private readonly transaction: string | undefined;
  private readonly receipted: boolean;
  private prepared: PreparedSend | undefined;
  /** Inputs without their own headers sent so far. */
  private sentPlain = 0;
  private readonly waiting: PendingReceipt[] = [];
  private head = 0;
  private upstreamDone = false;

  constructor(
    private readonly wire: StompWire,
    private readonly receipts: ReceiptOrder,
    private readonly destination: string,
    private readonly options: SendOptions,
    private readonly sub: Subscriber<StompSendResult>,
  ) {
    this.transaction = txId(options.transaction);
    this.receipted = options.receipt === true;
  }

  run(source: Observable<StompSendInput>): TeardownLogic {
    const sub = this.sub;
    const unend = this.wire.onEnd((end) => sub.error(end.clean ? new StompConnectionClosedError('the STOMP connection closed while sending') : end.error));
    const inner = source.subscribe({
      next: (input) => this.next(input),
      error: (e: unknown) => sub.error(e),
      complete: () => { this.upstreamDone = true; this.maybeComplete(); },
    });
    return () => { inner.unsubscribe(); unend(); };
  }

  private next(input: StompSendInput): void {
    const sub = this.sub;
    if (sub.closed) return;
    const wire = this.wire;
    const engine = wire.engine;
    let receipt: string | undefined;
    let size: number;
    try {
      wire.beginWrite();
      if ((typeof input === 'string' || input instanceof Uint8Array) && this.sentPlain++ > 0) {
        // From the second message on, the constant headers are encoded once (a one-message
        // subscription, as stompClient makes per message, never pays for preparing them).
        if (this.prepared === undefined) this.prepared = engine.prepareSend(this.destination, { headers: this.options.headers, transaction: this.transaction });
        receipt = engine.sendPrepared(this.prepared, input, this.receipted, wire.time());
      } else if (typeof input === 'string' || input instanceof Uint8Array) {
        receipt = engine.send(this.destination, input, { headers: this.options.headers, transaction: this.transaction, receipt: this.receipted }, wire.time());
      } else {
        // Object.assign, not two spreads: V8 makes a new map for each object a second spread adds to.
        const merged = input.headers === undefined ? this.options.headers : Object.assign({}, this.options.headers, input.headers);
        const { body, headers } = wireBody(input.body, merged);
        receipt = engine.send(this.destination, body, { headers, transaction: this.transaction, receipt: this.receipted }, wire.time());
      }
      size = engine.lastBodySize;
      wire.endWrite();
    } catch (e) {
      sub.error(e);
      return;
    }
    if (receipt === undefined) {
      sub.next({ state: 'sent', destination: this.destination, size });
      return;
    }
    const p = new PendingReceipt(this, receipt, size);
    this.waiting.push(p);
    this.receipts.watch(receipt, { command: 'SEND', destination: this.destination }, p);
  }

  /** Emit the results whose receipts have arrived, in input order. */
  drain(): void {
    const q = this.waiting;
    while (this.head < q.length && q[this.head].done) {
      const p = q[this.head++];
      this.sub.next({ state: 'receipted', destination: this.destination, size: p.size, receipt: p.receipt });
    }
    if (this.head === q.length) { q.length = 0; this.head = 0; } else if (this.head > 1024 && this.head * 2 > q.length) { q.splice(0, this.head); this.head = 0; }
    this.maybeComplete();
  }

  fail(e: Error): void { this.sub.error(e); }

  private maybeComplete(): void {
    if (this.upstreamDone && this.head === this.waiting.length) this.sub.complete();
  }
}

/**
 * Text and bytes go as they are; anything else as JSON, labelled application/json unless the
 * caller chose a content-type. A value JSON cannot carry (a bigint, a cycle) is a TypeError that
 * names the problem, and fails the send (nothing is written).
 */
export function wireBody(
  body: StompBody, headers: Readonly<Record<string, string>> | undefined,
): { readonly body: string | Uint8Array; readonly headers: Readonly<Record<string, string>> | undefined } {
  if (typeof body === 'string' || body instanceof Uint8Array) return { body, headers };
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (e) {
    throw new TypeError(`STOMP body cannot be sent as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (json === undefined) throw new TypeError('STOMP body cannot be sent as JSON: it has no JSON form');
  const typed = headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  return { body: json, headers: typed ? headers : Object.assign({}, headers, { 'content-type': 'application/json' }) };
}
