/**
 * The STOMP client engine, sans-IO: `receive(bytes, now)` returns events, `takeOutput()` returns
 * the bytes to write, `tick(now)` sends heart-beats and detects a silent peer. No sockets, no
 * timers: the caller owns both and passes the time in.
 */
import { COMMANDS, STOMP_VERSIONS, type ClientCommand, type StompVersion } from '../codec/commands.js';
import { StompDecodeError } from '../codec/errors.js';
import { StompDecoder } from '../codec/decoder.js';
import { encodeFrameInto, plain, writeHeader } from '../codec/encoder.js';
import { frame, headerOf, type StompFrame, type StompHeaderList } from '../codec/frame.js';
import type { StompLimits } from '../codec/limits.js';
import { FrameWriter } from '../codec/writer.js';
import { connectError, StompError, StompHeartbeatTimeoutError, StompProtocolError, StompStateError } from '../errors.js';
import type { DrivenEngine } from '../../driven-engine.js';
import { ResponseTimeoutError } from '../../errors.js';
import type { StompEvent } from './events.js';
import { negotiateHeartbeat, parseHeartbeat, type HeartbeatIntervals } from './heartbeat.js';

/** Acknowledgement modes of SUBSCRIBE. */
export type AckMode = 'auto' | 'client' | 'client-individual';

/** Connection settings. */
export interface StompEngineOptions {
  /** Value of the host header: the virtual host. */
  readonly host: string;
  readonly login?: string;
  readonly passcode?: string;
  /** Versions to offer, default all three. */
  readonly versions?: readonly StompVersion[];
  /** [cx, cy] in ms: how often we can send, how often we want to hear. Default [10000, 10000]. */
  readonly heartbeat?: readonly [number, number];
  /** How late the peer's heart-beat may be, as a factor of its interval. Default 2. */
  readonly heartbeatTolerance?: number;
  /** Extra time allowed on top of that (brokers schedule lazily). Default 1000 ms. */
  readonly heartbeatGraceMs?: number;
  /** CONNECT (default, understood by 1.0 brokers) or STOMP. */
  readonly connectCommand?: 'CONNECT' | 'STOMP';
  /** Extra CONNECT headers (e.g. client-id). */
  readonly connectHeaders?: Readonly<Record<string, string>>;
  readonly limits?: Partial<StompLimits>;
  /**
   * Fail with ResponseTimeoutError when a RECEIPT is awaited and no frame (heart-beats do not
   * count) has arrived for this long (ms); 0 = never (default). Receipts of frames inside a
   * transaction are not awaited: RabbitMQ writes them only at COMMIT, and none at all on ABORT.
   */
  readonly responseTimeout?: number;
}

/** Engine state, a discriminated union on `phase`. */
export type StompEngineState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'connecting' }
  | { readonly phase: 'connected'; readonly version: StompVersion; readonly heartbeat: HeartbeatIntervals }
  | { readonly phase: 'disconnecting'; readonly version: StompVersion; readonly receipt: string }
  | { readonly phase: 'closed'; readonly error?: Error };

/** Options of frames that may ask for a receipt. */
export interface ReceiptOption {
  /** Ask for a RECEIPT; the returned id names it. */
  readonly receipt?: boolean;
}

/** Enough of a MESSAGE to acknowledge it. */
export interface AckTarget {
  readonly headers: StompHeaderList;
}

/**
 * The constant part of SEND frames to one destination (destination, transaction and extra
 * headers), encoded once by `prepareSend` for many `sendPrepared` calls.
 */
export interface PreparedSend {
  readonly destination: string;
}

class Prepared implements PreparedSend {
  constructor(
    readonly owner: StompEngine,
    readonly version: StompVersion,
    readonly destination: string,
    /** `SEND`, destination and transaction lines. */
    readonly head: Uint8Array,
    /** The extra header lines. */
    readonly tail: Uint8Array,
    /** The frames carry a transaction header (their receipts come at COMMIT on RabbitMQ). */
    readonly transactional: boolean,
  ) {}
}

const EMPTY = new Uint8Array(0);
const RECEIPT_PREFIX = new TextEncoder().encode('receipt:');
/** SEND headers the engine writes itself; callers' headers of these names are dropped. */
const SEND_RESERVED = new Set(['destination', 'transaction', 'receipt', 'content-length']);

/**
 * When an idle connection gets its heart-beat: at half the negotiated interval. The interval is a
 * promise to send "at least every n ms" and brokers check it tightly (ActiveMQ's read check
 * allows only its hbGracePeriodMultiplier over n), so a beat sent exactly at n and delayed by a
 * busy event loop or timer jitter can get the connection dropped; sending at n/2 keeps a margin
 * of n/2 at the cost of one byte per n/2 ms of idleness.
 */
export function sendEvery(interval: number): number {
  return Math.max(1, Math.floor(interval / 2));
}

/** A client-side STOMP connection as a state machine (see the file comment). */
export class StompEngine implements DrivenEngine<StompEvent[]> {
  private phase: StompEngineState = { phase: 'idle' };
  private readonly decoder: StompDecoder;
  /** Encoded frames not yet taken by `takeOutput`. */
  private readonly out = new FrameWriter();
  /** Size in bytes of the body of the last SEND (text bodies are counted as UTF-8). */
  lastBodySize = 0;
  /** Where each frame queued in `out` ends (offsets from the first untaken byte). */
  private frameEnds: number[] = [];
  private readonly heartbeatOffer: readonly [number, number];
  private readonly tolerance: number;
  private readonly grace: number;
  private lastReceived = 0;
  private lastSent = 0;
  /** When the last frame (not a heart-beat) arrived. */
  private lastFrameAt = 0;
  private readonly responseTimeout: number;
  /** Receipts awaited for responseTimeout (see the option), and since when one has been awaited. */
  private readonly awaited = new Set<string>();
  private awaitedSince = 0;
  private nextId = 1;
  /** Open subscriptions and their ack modes. */
  private readonly subs = new Map<string, AckMode>();
  /** Delivery order of MESSAGE frames of client-mode subscriptions (1.1+), for coalescing ACKs. */
  private readonly delivered = new WeakMap<object, number>();
  private deliveries = 0;
  /**
   * Client-mode ACKs not yet written: per subscription the headers of the ACK of the latest
   * delivered message acknowledged (in client mode an ACK covers every earlier message of its
   * subscription). Written before any other frame and by `takeOutput`.
   */
  private readonly deferredAcks = new Map<string, { readonly seq: number; readonly headers: StompHeaderList }>();

  constructor(private readonly options: StompEngineOptions) {
    // Bodies are views into the received chunk: no copy per MESSAGE.
    this.decoder = new StompDecoder({ limits: options.limits, bodies: 'view' });
    this.heartbeatOffer = options.heartbeat ?? [10_000, 10_000];
    this.tolerance = options.heartbeatTolerance ?? 2;
    this.grace = options.heartbeatGraceMs ?? 1000;
    this.responseTimeout = options.responseTimeout ?? 0;
  }

  /** The current state. */
  get state(): StompEngineState { return this.phase; }

  /** The negotiated version, once connected. */
  get version(): StompVersion | undefined {
    return this.phase.phase === 'connected' || this.phase.phase === 'disconnecting' ? this.phase.version : undefined;
  }

  /** Queue the CONNECT (or STOMP) frame. */
  connect(now: number): void {
    if (this.phase.phase !== 'idle') throw new StompStateError(`connect() in state ${this.phase.phase}`);
    const versions = this.options.versions ?? STOMP_VERSIONS;
    const command = this.options.connectCommand ?? 'CONNECT';
    const headers: Record<string, string | undefined> = {
      'accept-version': versions.join(','),
      host: this.options.host,
      login: this.options.login,
      passcode: this.options.passcode,
      'heart-beat': `${this.heartbeatOffer[0]},${this.heartbeatOffer[1]}`,
      ...this.options.connectHeaders,
    };
    this.lastReceived = now;
    this.write(frame(command, headers), versions.includes('1.2') ? '1.2' : versions[versions.length - 1], now);
    this.phase = { phase: 'connecting' };
  }

  /** Feed received bytes; returns what they mean. */
  receive(bytes: Uint8Array, now: number): StompEvent[] {
    if (this.phase.phase === 'closed' || this.phase.phase === 'idle') return [];
    if (bytes.length > 0) this.lastReceived = now;
    let frames;
    try {
      frames = this.decoder.pushFrames(bytes);
    } catch (e) {
      // Nothing a peer sends may throw out of the socket's callback: any failure to decode fails
      // the connection, typed.
      if (e instanceof StompDecodeError) return [this.fail(e)];
      return [this.fail(new StompProtocolError(`could not decode the broker's bytes: ${e instanceof Error ? e.message : String(e)}`))];
    }
    if (frames.length > 0) this.lastFrameAt = now;
    const events: StompEvent[] = [];
    for (let i = 0; i < frames.length; i++) {
      const ev = this.onFrame(frames[i]);
      if (ev) events.push(ev);
      if ((this.phase as StompEngineState).phase === 'closed') break;
    }
    return events;
  }

  /** Advance time: queue a heart-beat when due, fail when the peer has been silent too long. */
  tick(now: number): StompEvent[] {
    if (this.phase.phase !== 'connected' && this.phase.phase !== 'disconnecting') return [];
    if (this.awaited.size > 0 && now - Math.max(this.awaitedSince, this.lastFrameAt) >= this.responseTimeout) {
      const n = this.awaited.size;
      return [this.fail(new ResponseTimeoutError(`${n} receipt${n === 1 ? '' : 's'}`, this.responseTimeout))];
    }
    const hb = this.phase.phase === 'connected' ? this.phase.heartbeat : undefined;
    if (!hb) return [];
    if (hb.receive > 0 && now - this.lastReceived > hb.receive * this.tolerance + this.grace) {
      return [this.fail(new StompHeartbeatTimeoutError(`no data from the STOMP peer for ${now - this.lastReceived} ms (heart-beat ${hb.receive} ms)`))];
    }
    if (hb.send > 0 && now - this.lastSent >= sendEvery(hb.send)) {
      this.out.byte(0x0a);
      this.frameEnds.push(this.out.length);
      this.lastSent = now;
    }
    return [];
  }

  /** When `tick` next needs to run (ms, absolute), or undefined when no heart-beats are on. */
  nextDeadline(): number | undefined {
    if (this.phase.phase !== 'connected') return undefined;
    const { send, receive } = this.phase.heartbeat;
    const times: number[] = [];
    if (this.awaited.size > 0) times.push(Math.max(this.awaitedSince, this.lastFrameAt) + this.responseTimeout);
    if (send > 0) times.push(this.lastSent + sendEvery(send));
    if (receive > 0) times.push(this.lastReceived + receive * this.tolerance + this.grace + 1);
    return times.length ? Math.min(...times) : undefined;
  }

  /**
   * Bytes to write, in order; empty when there are none. Every frame queued since the last call
   * comes out in one array (a view the engine never writes to again).
   */
  takeOutput(): Uint8Array {
    if (this.deferredAcks.size > 0) this.writeDeferredAcks();
    this.frameEnds.length = 0;
    return this.out.length === 0 ? EMPTY : this.out.take();
  }

  /**
   * Like `takeOutput`, as one array per frame (or heart-beat), for transports that carry one
   * STOMP frame per message (WebSocket).
   */
  takeOutputFrames(): Uint8Array[] {
    if (this.deferredAcks.size > 0) this.writeDeferredAcks();
    if (this.out.length === 0) return [];
    const ends = this.frameEnds;
    this.frameEnds = [];
    const all = this.out.take();
    const parts = new Array<Uint8Array>(ends.length);
    let at = 0;
    for (let i = 0; i < ends.length; i++) { parts[i] = all.subarray(at, ends[i]); at = ends[i]; }
    return parts;
  }

  /**
   * Output for the driver (DrivenEngine): one array, or over WebSocket one per frame. Undefined
   * when nothing is queued, without touching the frame list (the driver asks after every read).
   */
  takeWrites(_now: number, messages: boolean): Uint8Array | Uint8Array[] | undefined {
    if (this.pendingOutput === 0) return undefined;
    return messages ? this.takeOutputFrames() : this.takeOutput();
  }

  /**
   * Bytes queued and not yet taken by `takeOutput` (a deferred client-mode ACK counts as one
   * byte until it is encoded); 0 when `takeOutput` has nothing.
   */
  get pendingOutput(): number { return this.out.length + this.deferredAcks.size; }

  /** SUBSCRIBE; returns the subscription id (given or generated). */
  subscribe(destination: string, opts: { id?: string; ack?: AckMode; headers?: Readonly<Record<string, string>>; receipt?: boolean }, now: number): { id: string; receipt: string | undefined } {
    const version = this.ready('SUBSCRIBE');
    const id = opts.id ?? `sub-${this.nextId++}`;
    if (this.subs.has(id)) throw new StompStateError(`subscription id ${id} is already in use`);
    const receipt = opts.receipt ? this.receiptId(now, true) : undefined;
    this.write(frame('SUBSCRIBE', { ...opts.headers, destination, id, ack: opts.ack ?? 'auto', receipt }), version, now);
    this.subs.set(id, opts.ack ?? 'auto');
    return { id, receipt };
  }

  /** UNSUBSCRIBE; returns the receipt id when one was asked for. */
  unsubscribe(id: string, opts: ReceiptOption, now: number): string | undefined {
    const version = this.ready('UNSUBSCRIBE');
    if (!this.subs.delete(id)) throw new StompStateError(`no subscription ${id}`);
    const receipt = opts.receipt ? this.receiptId(now, true) : undefined;
    this.write(frame('UNSUBSCRIBE', { id, receipt }), version, now);
    return receipt;
  }

  /**
   * SEND; returns the receipt id when one was asked for. A text body is sent as UTF-8;
   * `lastBodySize` gives its size in bytes afterwards.
   */
  send(destination: string, body: Uint8Array | string, opts: { headers?: StompHeaderList | Readonly<Record<string, string>>; transaction?: string; receipt?: boolean }, now: number): string | undefined {
    const version = this.ready('SEND');
    const extra: StompHeaderList = Array.isArray(opts.headers) ? (opts.headers as StompHeaderList) : Object.entries(opts.headers ?? {});
    const receipt = opts.receipt ? this.receiptId(now, opts.transaction === undefined) : undefined;
    if (this.deferredAcks.size > 0) this.writeDeferredAcks();
    const w = this.out;
    const mark = w.length;
    try {
      w.string('SEND\n');
      writeHeader(w, 'destination', destination, version, 'SEND');
      if (opts.transaction !== undefined) writeHeader(w, 'transaction', opts.transaction, version, 'SEND');
      if (receipt !== undefined) writeHeader(w, 'receipt', receipt, version, 'SEND');
      for (const [k, v] of extra) if (!SEND_RESERVED.has(k)) writeHeader(w, k, v, version, 'SEND');
      this.lastBodySize = w.bodyWithLength(body);
    } catch (e) {
      w.truncate(mark);
      throw e;
    }
    this.frameEnds.push(w.length);
    this.lastSent = Math.max(this.lastSent, now);
    return receipt;
  }

  /**
   * Encode the constant headers of SEND frames to `destination` once (for `sendPrepared`).
   * Throws StompEncodeError when a header cannot be written in the negotiated version.
   */
  prepareSend(destination: string, opts: { headers?: StompHeaderList | Readonly<Record<string, string>>; transaction?: string } = {}): PreparedSend {
    const version = this.ready('SEND');
    const extra: StompHeaderList = Array.isArray(opts.headers) ? (opts.headers as StompHeaderList) : Object.entries(opts.headers ?? {});
    const w = new FrameWriter(256);
    w.string('SEND\n');
    writeHeader(w, 'destination', destination, version, 'SEND');
    if (opts.transaction !== undefined) writeHeader(w, 'transaction', opts.transaction, version, 'SEND');
    const head = w.take().slice();
    for (const [k, v] of extra) if (!SEND_RESERVED.has(k)) writeHeader(w, k, v, version, 'SEND');
    return new Prepared(this, version, destination, head, w.take().slice(), opts.transaction !== undefined);
  }

  /**
   * SEND with headers from `prepareSend` (the same frame as `send` with those options); returns
   * the receipt id when one was asked for. `lastBodySize` gives the body's size in bytes.
   */
  sendPrepared(prepared: PreparedSend, body: Uint8Array | string, receipt: boolean | undefined, now: number): string | undefined {
    const version = this.ready('SEND');
    const p = prepared as Prepared;
    if (!(p instanceof Prepared) || p.owner !== this || p.version !== version) throw new StompStateError('sendPrepared() needs headers prepared by this connection');
    if (this.deferredAcks.size > 0) this.writeDeferredAcks();
    const w = this.out;
    w.bytes(p.head);
    let id: string | undefined;
    if (receipt) {
      id = this.receiptId(now, p.transactional === false);
      w.bytes(RECEIPT_PREFIX);
      w.string(id);
      w.byte(0x0a);
    }
    w.bytes(p.tail);
    this.lastBodySize = w.bodyWithLength(body);
    this.frameEnds.push(w.length);
    if (now > this.lastSent) this.lastSent = now;
    return id;
  }

  /**
   * ACK a MESSAGE (headers per version: message-id, subscription, or the 1.2 ack id). In client
   * mode (STOMP 1.1+) an ACK without transaction or receipt is deferred until the output is
   * taken, and the ACKs of one subscription deferred together are written as one: the ACK of the
   * latest delivered of them, which covers the others.
   */
  ack(message: AckTarget, opts: { transaction?: string; receipt?: boolean }, now: number): string | undefined {
    if (opts.transaction === undefined && !opts.receipt) {
      const seq = this.delivered.get(message);
      if (seq !== undefined && this.phase.phase === 'connected') {
        const version = this.phase.version;
        const subscription = headerOf(message, 'subscription');
        const headers = subscription === undefined ? undefined : this.ackHeaders('ACK', message, version);
        if (subscription !== undefined && headers !== undefined && this.subs.get(subscription) === 'client' && headers.every(([, v]) => plain(v))) {
          this.delivered.delete(message);
          const prev = this.deferredAcks.get(subscription);
          if (prev === undefined || prev.seq < seq) this.deferredAcks.set(subscription, { seq, headers });
          this.lastSent = Math.max(this.lastSent, now);
          return undefined;
        }
      }
    }
    return this.ackOrNack('ACK', message, opts, now);
  }

  /** NACK a MESSAGE (STOMP 1.1+). */
  nack(message: AckTarget, opts: { transaction?: string; receipt?: boolean }, now: number): string | undefined {
    return this.ackOrNack('NACK', message, opts, now);
  }

  /** BEGIN a transaction; returns its id. */
  begin(id: string | undefined, opts: ReceiptOption, now: number): { transaction: string; receipt: string | undefined } {
    const version = this.ready('BEGIN');
    const transaction = id ?? `tx-${this.nextId++}`;
    const receipt = opts.receipt ? this.receiptId(now, true) : undefined;
    this.write(frame('BEGIN', { transaction, receipt }), version, now);
    return { transaction, receipt };
  }

  /** COMMIT a transaction. */
  commit(transaction: string, opts: ReceiptOption, now: number): string | undefined {
    return this.endTx('COMMIT', transaction, opts, now);
  }

  /** ABORT a transaction. */
  abort(transaction: string, opts: ReceiptOption, now: number): string | undefined {
    return this.endTx('ABORT', transaction, opts, now);
  }

  /** DISCONNECT with a receipt; a `disconnected` event follows when the broker confirms. */
  disconnect(now: number): string {
    const version = this.ready('DISCONNECT');
    const receipt = this.receiptId();
    this.write(frame('DISCONNECT', { receipt }), version, now);
    this.phase = { phase: 'disconnecting', version, receipt };
    return receipt;
  }

  /** Mark the engine closed (the transport ended); no more frames are accepted. */
  close(error?: Error): void {
    if (this.phase.phase !== 'closed') this.phase = error ? { phase: 'closed', error } : { phase: 'closed' };
    this.deferredAcks.clear();
    this.awaited.clear();
  }

  private endTx(command: 'COMMIT' | 'ABORT', transaction: string, opts: ReceiptOption, now: number): string | undefined {
    const version = this.ready(command);
    const receipt = opts.receipt ? this.receiptId(now, true) : undefined;
    this.write(frame(command, { transaction, receipt }), version, now);
    return receipt;
  }

  private ackOrNack(command: 'ACK' | 'NACK', m: AckTarget, opts: { transaction?: string; receipt?: boolean }, now: number): string | undefined {
    const version = this.ready(command);
    if (!COMMANDS[command].versions.includes(version)) throw new StompStateError(`${command} does not exist in STOMP ${version}`);
    const receipt = opts.receipt ? this.receiptId(now, opts.transaction === undefined) : undefined;
    const headers = this.ackHeaders(command, m, version) as (readonly [string, string])[];
    if (opts.transaction !== undefined) headers.push(['transaction', opts.transaction]);
    if (receipt !== undefined) headers.push(['receipt', receipt]);
    this.write({ command, headers, body: EMPTY }, version, now);
    return receipt;
  }

  /** The headers naming `m` in an ACK or NACK of `version` (a fresh list). */
  private ackHeaders(command: 'ACK' | 'NACK', m: AckTarget, version: StompVersion): StompHeaderList {
    const need = (name: string, v: string | undefined): string => {
      if (v === undefined) throw new StompStateError(`${command}: the message has no header to derive "${name}" from`);
      return v;
    };
    if (version === '1.2') return [['id', need('id', headerOf(m, 'ack') ?? headerOf(m, 'message-id'))]];
    const messageId = need('message-id', headerOf(m, 'message-id'));
    return version === '1.1' ? [['message-id', messageId], ['subscription', need('subscription', headerOf(m, 'subscription'))]] : [['message-id', messageId]];
  }

  private writeDeferredAcks(): void {
    const version = this.version;
    const acks = [...this.deferredAcks.values()];
    this.deferredAcks.clear();
    if (version === undefined) return;
    for (const a of acks) {
      encodeFrameInto(this.out, { command: 'ACK', headers: a.headers, body: EMPTY }, version);
      this.frameEnds.push(this.out.length);
    }
  }

  private ready(command: ClientCommand): StompVersion {
    if (this.phase.phase !== 'connected') throw new StompStateError(`cannot ${command} while ${this.phase.phase}`);
    return this.phase.version;
  }

  /**
   * A new receipt id. `awaited`: the RECEIPT counts for responseTimeout (frames outside a
   * transaction; see the option).
   */
  private receiptId(now?: number, awaited = false): string {
    const id = `rcpt-${this.nextId++}`;
    if (awaited && this.responseTimeout > 0 && now !== undefined) {
      if (this.awaited.size === 0) this.awaitedSince = now;
      this.awaited.add(id);
    }
    return id;
  }

  private write(f: StompFrame, version: StompVersion, now: number): void {
    if (this.deferredAcks.size > 0) this.writeDeferredAcks();
    encodeFrameInto(this.out, f, version);
    this.frameEnds.push(this.out.length);
    this.lastSent = Math.max(this.lastSent, now);
  }

  private fail(error: StompDecodeError | StompError | StompProtocolError | StompHeartbeatTimeoutError | ResponseTimeoutError): StompEvent {
    this.phase = { phase: 'closed', error };
    return { type: 'failed', error };
  }

  private onFrame(f: StompFrame): StompEvent | undefined {
    const def = COMMANDS[f.command];
    if (def.sender !== 'server') return this.fail(new StompProtocolError(`the broker sent a client frame: ${f.command}`));
    const p = this.phase;
    // An ERROR answering CONNECT may be a refused login, which a reconnecting client must not retry.
    if (f.command === 'ERROR') return this.fail(p.phase === 'connecting' ? connectError(f.headers, f.body) : new StompError(f.headers, f.body));
    if (p.phase === 'connecting') {
      if (f.command !== 'CONNECTED') return this.fail(new StompProtocolError(`expected CONNECTED, got ${f.command}`));
      return this.onConnected(f);
    }
    if (f.command === 'CONNECTED') return this.fail(new StompProtocolError('a second CONNECTED frame'));
    const version = this.version ?? '1.2';
    if (f.command === 'MESSAGE') return this.onMessage(f, version);
    for (const name of def.required[version]) {
      if (headerOf(f, name) === undefined) return this.fail(new StompProtocolError(`${f.command} without the required "${name}" header`));
    }
    if (f.command === 'RECEIPT') {
      const id = headerOf(f, 'receipt-id') as string;
      if (this.awaited.size > 0) this.awaited.delete(id);
      if (p.phase === 'disconnecting' && id === p.receipt) {
        this.phase = { phase: 'closed' };
        return { type: 'disconnected' };
      }
      return { type: 'receipt', receiptId: id };
    }
    return this.fail(new StompProtocolError(`unexpected ${f.command} frame`));
  }

  /** A MESSAGE: its required headers checked in one pass over the headers. */
  private onMessage(f: StompFrame, version: StompVersion): StompEvent {
    let destination: string | undefined;
    let messageId: string | undefined;
    let subscription: string | undefined;
    const hs = f.headers;
    for (let i = 0; i < hs.length; i++) {
      const [k, v] = hs[i];
      if (k === 'subscription') { if (subscription === undefined) subscription = v; }
      else if (k === 'destination') { if (destination === undefined) destination = v; }
      else if (k === 'message-id') { if (messageId === undefined) messageId = v; }
    }
    const missing = destination === undefined ? 'destination' : messageId === undefined ? 'message-id'
      : subscription === undefined && version !== '1.0' ? 'subscription' : undefined;
    if (missing !== undefined) return this.fail(new StompProtocolError(`MESSAGE without the required "${missing}" header`));
    // In 1.0 the subscription header is optional; it is then the destination.
    const sub = subscription ?? (destination as string);
    if (version !== '1.0' && this.subs.get(sub) === 'client') this.delivered.set(f, ++this.deliveries);
    return { type: 'message', subscription: sub, frame: f };
  }

  private onConnected(f: StompFrame): StompEvent {
    const offered = this.options.versions ?? STOMP_VERSIONS;
    const v = headerOf(f, 'version') ?? '1.0';
    if (!(STOMP_VERSIONS as readonly string[]).includes(v) || !offered.includes(v as StompVersion)) {
      return this.fail(new StompProtocolError(`the broker chose STOMP version ${v}, which we did not offer (${offered.join(',')})`));
    }
    const version = v as StompVersion;
    const theirs = parseHeartbeat(headerOf(f, 'heart-beat'));
    if (theirs === undefined) return this.fail(new StompProtocolError(`malformed heart-beat header ${JSON.stringify(headerOf(f, 'heart-beat'))}`));
    const heartbeat = version === '1.0' ? { send: 0, receive: 0 } : negotiateHeartbeat(this.heartbeatOffer, theirs);
    this.decoder.version = version;
    this.phase = { phase: 'connected', version, heartbeat };
    return { type: 'connected', version, session: headerOf(f, 'session'), server: headerOf(f, 'server'), heartbeat, headers: f.headers };
  }
}
