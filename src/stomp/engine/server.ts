/**
 * The STOMP server engine, sans-IO: one client connection as a state machine. `receive(bytes,
 * now)` returns events for the broker (see server-events.ts), `takeOutput()` the bytes to write,
 * `tick(now)` sends heart-beats and drops a silent client; the broker calls `message()` to deliver
 * and `receipt()` once it has acted on an event. No sockets, no timers, no broker logic: what a
 * destination means is the broker's business, the protocol rules are this file's.
 *
 * Versions 1.0, 1.1 and 1.2 are negotiated from accept-version (1.0 when absent). Transactions are
 * buffered here: transactional SEND/ACK/NACK are reported only at COMMIT, ABORT drops them (so an
 * aborted ACK never happened and its messages stay unacknowledged). Every protocol error gets an
 * ERROR frame with a `message` header (and `receipt-id` when the frame asked for a receipt), then
 * the connection is closed.
 */
import { COMMANDS, STOMP_VERSIONS, type StompCommand, type StompVersion } from '../codec/commands.js';
import { StompDecoder } from '../codec/decoder.js';
import { HEARTBEAT, encodeFrame } from '../codec/encoder.js';
import { StompDecodeError, StompLimitError } from '../codec/errors.js';
import { frame, headerOf, type StompFrame, type StompHeaderList } from '../codec/frame.js';
import type { StompLimits } from '../codec/limits.js';
import type { DrivenEngine } from '../../driven-engine.js';
import type { AckMode } from './engine.js';
import { negotiateHeartbeat, parseHeartbeat, type HeartbeatIntervals } from './heartbeat.js';
import type { ServerSendEvent, ServerSettleEvent, StompServerEvent } from './server-events.js';
import { SubscriptionTable } from './server-subscriptions.js';

/** Settings of the server side of one connection. */
export interface StompServerOptions {
  /** Decide a CONNECT's credentials; absent: everyone is let in. */
  readonly authenticate?: (login: string | undefined, passcode: string | undefined) => boolean;
  /**
   * May the client SEND to (or SUBSCRIBE to) this destination? The reason it may not (the ERROR's
   * message), or undefined. Asked when the frame arrives, transactional SENDs included, so a
   * refused one never joins a transaction. Absent: everything is allowed.
   */
  readonly authorize?: (command: 'SEND' | 'SUBSCRIBE', destination: string) => string | undefined;
  /** The `server` header of CONNECTED. Default `rx-mq-broker`. */
  readonly server?: string;
  /** The session id for CONNECTED. Default generated. */
  readonly session?: string;
  /** [sx, sy] in ms: how often we can send, how often we want to hear. Default [10000, 10000]. */
  readonly heartbeat?: readonly [number, number];
  /** How late the client's heart-beat may be, as a factor of its interval. Default 2. */
  readonly heartbeatTolerance?: number;
  /** Extra time allowed on top of that. Default 1000 ms. */
  readonly heartbeatGraceMs?: number;
  /** Close a connection that sends no CONNECT within this time (ms); 0 = never. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Versions to accept. Default all three. */
  readonly versions?: readonly StompVersion[];
  /** Most frames one transaction may buffer before the connection fails. Default 10000. */
  readonly maxTransactionFrames?: number;
  /** Most bytes (bodies and headers) one transaction may buffer before the connection fails. Default no bound. */
  readonly maxTransactionBytes?: number;
  /** Most transactions open at once; one more BEGIN fails the connection. Default no bound. */
  readonly maxTransactions?: number;
  readonly limits?: Partial<StompLimits>;
}

/** Engine state, a discriminated union on `phase`. */
export type StompServerState =
  | { readonly phase: 'awaiting-connect' }
  | { readonly phase: 'connected'; readonly version: StompVersion; readonly heartbeat: HeartbeatIntervals }
  | { readonly phase: 'closed'; readonly reason: string };

/** A protocol breach found while handling one frame: becomes an ERROR frame. */
class FrameError extends Error {}

const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];
/** Headers of MESSAGE the engine writes itself; the broker's values for them are ignored. */
const MESSAGE_OWN = new Set(['destination', 'message-id', 'subscription', 'ack', 'content-length']);

let sessionCounter = 0;

/** One client connection, server side (see the file comment). */
export class StompServerEngine implements DrivenEngine<StompServerEvent[]> {
  private phase: StompServerState = { phase: 'awaiting-connect' };
  private readonly decoder: StompDecoder;
  private readonly out: Uint8Array[] = [];
  private outBytes = 0;
  private readonly subs = new SubscriptionTable();
  private readonly transactions = new Map<string, (ServerSendEvent | ServerSettleEvent)[]>();
  /** Bytes each open transaction holds (see maxTransactionBytes). */
  private readonly transactionBytes = new Map<string, number>();
  private readonly session: string;
  private readonly offer: readonly [number, number];
  private readonly tolerance: number;
  private readonly grace: number;
  private readonly maxTx: number;
  private readonly started: number;
  private lastReceived: number;
  private lastSent: number;
  private nextMessage = 1;
  /** Set after DISCONNECT: later frames are ignored (the client sends nothing more). */
  private disconnected = false;

  constructor(private readonly options: StompServerOptions, now: number) {
    this.decoder = new StompDecoder({ limits: options.limits });
    this.session = options.session ?? `session-${++sessionCounter}-${Math.random().toString(36).slice(2, 10)}`;
    this.offer = options.heartbeat ?? [10_000, 10_000];
    this.tolerance = options.heartbeatTolerance ?? 2;
    this.grace = options.heartbeatGraceMs ?? 1000;
    this.maxTx = options.maxTransactionFrames ?? 10_000;
    this.started = now;
    this.lastReceived = now;
    this.lastSent = now;
  }

  get state(): StompServerState { return this.phase; }

  /** The negotiated version, once connected. */
  get version(): StompVersion | undefined {
    return this.phase.phase === 'connected' ? this.phase.version : undefined;
  }

  /** Bytes waiting in `takeOutput()`, for the caller's backpressure decisions. */
  get pendingOutput(): number { return this.outBytes; }

  /** Feed bytes from the client; returns what the broker must act on, in order. */
  receive(bytes: Uint8Array, now: number): StompServerEvent[] {
    if (this.phase.phase === 'closed' || this.disconnected) return [];
    if (bytes.length > 0) this.lastReceived = now;
    const events: StompServerEvent[] = [];
    let items;
    try {
      items = this.decoder.push(bytes);
    } catch (e) {
      if (!(e instanceof StompDecodeError)) throw e;
      const message = e instanceof StompLimitError ? `frame too large: ${e.message}` : `malformed frame: ${e.message}`;
      events.push(this.fail(message, undefined, now));
      return events;
    }
    for (const item of items) {
      if (item.kind !== 'frame') continue;
      const f = item.frame;
      try {
        this.onFrame(f, events, now);
      } catch (e) {
        // Anything unexpected is this connection's end too, never the broker's.
        const message = e instanceof FrameError ? e.message : `internal error: ${(e as Error).message}`;
        events.push(this.fail(message, headerOf(f, 'receipt'), now));
      }
      if ((this.phase as StompServerState).phase === 'closed' || this.disconnected) break;
    }
    return events;
  }

  /** Advance time: heart-beat when due; drop a client silent for too long or never connecting. */
  tick(now: number): StompServerEvent[] {
    const p = this.phase;
    if (p.phase === 'awaiting-connect') {
      const limit = this.options.connectTimeoutMs ?? 10_000;
      if (limit > 0 && now - this.started >= limit) return [this.fail(`no CONNECT within ${limit} ms`, undefined, now)];
      return [];
    }
    if (p.phase !== 'connected') return [];
    const hb = p.heartbeat;
    if (hb.receive > 0 && now - this.lastReceived > hb.receive * this.tolerance + this.grace) {
      return [this.fail(`no heart-beat from the client for ${now - this.lastReceived} ms (heart-beat ${hb.receive} ms)`, undefined, now)];
    }
    if (hb.send > 0 && now - this.lastSent >= hb.send) {
      this.push(HEARTBEAT, now);
    }
    return [];
  }

  /** When `tick` next needs to run (ms, absolute), or undefined. */
  nextDeadline(): number | undefined {
    const p = this.phase;
    if (p.phase === 'awaiting-connect') {
      const limit = this.options.connectTimeoutMs ?? 10_000;
      return limit > 0 ? this.started + limit : undefined;
    }
    if (p.phase !== 'connected') return undefined;
    const times: number[] = [];
    if (p.heartbeat.send > 0) times.push(this.lastSent + p.heartbeat.send);
    if (p.heartbeat.receive > 0) times.push(this.lastReceived + p.heartbeat.receive * this.tolerance + this.grace + 1);
    return times.length ? Math.min(...times) : undefined;
  }

  /**
   * Output for the driver (DrivenEngine): everything queued as one array, over WebSocket too (one
   * message per flush, as the broker has always written).
   */
  takeWrites(): Uint8Array {
    return this.takeOutput();
  }

  /** Bytes to write, in order; empty when there are none. */
  takeOutput(): Uint8Array {
    const n = this.out.length;
    if (n === 0) return new Uint8Array(0);
    this.outBytes = 0;
    if (n === 1) return this.out.pop() as Uint8Array;
    let total = 0;
    for (const b of this.out) total += b.length;
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of this.out) { all.set(b, at); at += b.length; }
    this.out.length = 0;
    return all;
  }

  /** Whether subscription `id` exists (it may take messages). */
  hasSubscription(id: string): boolean {
    return this.phase.phase === 'connected' && this.subs.get(id) !== undefined;
  }

  /**
   * Deliver a MESSAGE on subscription `id`. `headers` are the message's own (content-type,
   * custom ones...); destination, message-id, subscription and ack are written here. Headers the
   * negotiated version cannot represent (a line break in 1.0, a CR in 1.1) are left out rather
   * than failing the delivery. Returns the message id (what ACK/NACK name).
   */
  message(id: string, headers: StompHeaderList, body: Uint8Array, now: number): string {
    const p = this.phase;
    if (p.phase !== 'connected') throw new Error(`cannot deliver while ${p.phase}`);
    const sub = this.subs.get(id);
    if (sub === undefined) throw new Error(`no subscription ${id}`);
    const messageId = `${this.session}-${this.nextMessage++}`;
    const list: (readonly [string, string])[] = [
      ['destination', writable(sub.destination, p.version)], ['message-id', messageId], ['subscription', writable(id, p.version)],
    ];
    if (p.version === '1.2' && sub.ack !== 'auto') list.push(['ack', messageId]);
    for (const h of headers) if (!MESSAGE_OWN.has(h[0]) && representable(h[0], h[1], p.version)) list.push(h);
    this.push(encodeFrame(frame('MESSAGE', list, body), p.version), now);
    this.subs.delivered(sub, messageId);
    return messageId;
  }

  /** Confirm that the broker acted on an event that asked for a receipt. */
  receipt(receiptId: string, now: number): void {
    if (this.phase.phase !== 'connected') return;
    const version = this.phase.version;
    this.push(encodeFrame(frame('RECEIPT', { 'receipt-id': writable(receiptId, version) }), version), now);
  }

  /**
   * Fail the connection from the broker's side (shutdown, a destination it refuses): ERROR with
   * `message`, then closed. Returns the closed event with the messages still unacknowledged.
   */
  error(message: string, now: number, receiptId?: string): StompServerEvent {
    return this.fail(message, receiptId, now);
  }

  // -------------------------------------------------------------------------------------------

  private onFrame(f: StompFrame, events: StompServerEvent[], now: number): void {
    const def = COMMANDS[f.command];
    if (def.sender !== 'client') throw new FrameError(`${f.command} is not a client frame`);
    const p = this.phase;
    if (p.phase === 'awaiting-connect') {
      if (f.command !== 'CONNECT' && f.command !== 'STOMP') throw new FrameError(`expected CONNECT, got ${f.command}`);
      events.push(this.onConnect(f, now));
      return;
    }
    if (p.phase !== 'connected') return;
    const version = p.version;
    if (f.command === 'CONNECT' || f.command === 'STOMP') throw new FrameError('already connected');
    if (!(def.versions as readonly StompVersion[]).includes(version)) throw new FrameError(`${f.command} does not exist in STOMP ${version}`);
    for (const name of def.required[version]) {
      if (headerOf(f, name) === undefined) throw new FrameError(`${f.command} frame is missing the required "${name}" header`);
    }
    const receipt = headerOf(f, 'receipt');
    const tx = headerOf(f, 'transaction');
    switch (f.command as Exclude<StompCommand, 'CONNECT' | 'STOMP'>) {
      case 'SEND': {
        const destination = headerOf(f, 'destination') as string;
        if (destination === '') throw new FrameError('SEND frame has an empty "destination" header');
        this.authorize('SEND', destination);
        const e: ServerSendEvent = { type: 'send', destination, headers: f.headers, body: f.body, receipt };
        this.route(e, tx, events, now);
        return;
      }
      case 'SUBSCRIBE': {
        const destination = headerOf(f, 'destination') as string;
        if (destination === '') throw new FrameError('SUBSCRIBE frame has an empty "destination" header');
        this.authorize('SUBSCRIBE', destination);
        const id = headerOf(f, 'id') ?? destination;
        const ack = (headerOf(f, 'ack') ?? 'auto') as AckMode;
        if (!ACK_MODES.includes(ack)) throw new FrameError(`unknown ack mode ${JSON.stringify(ack)}`);
        if (this.subs.get(id) !== undefined) throw new FrameError(`subscription id ${JSON.stringify(id)} is already in use`);
        this.subs.add(id, destination, ack);
        events.push({ type: 'subscribe', id, destination, ack, headers: f.headers, receipt });
        return;
      }
      case 'UNSUBSCRIBE': {
        const id = headerOf(f, 'id') ?? headerOf(f, 'destination');
        if (id === undefined) throw new FrameError('UNSUBSCRIBE frame needs an "id" (or in STOMP 1.0 a "destination") header');
        if (this.subs.get(id) === undefined) throw new FrameError(`unknown subscription ${JSON.stringify(id)}`);
        events.push({ type: 'unsubscribe', id, unacked: this.subs.remove(id), receipt });
        return;
      }
      case 'ACK':
      case 'NACK': {
        const messageId = (version === '1.2' ? headerOf(f, 'id') : headerOf(f, 'message-id')) as string;
        const owner = this.subs.ownerOf(messageId);
        if (owner === undefined) throw new FrameError(`${f.command} for unknown or already acknowledged message ${JSON.stringify(messageId)}`);
        const sub = headerOf(f, 'subscription');
        if (version === '1.1' && sub !== owner.id) throw new FrameError(`${f.command}: message ${JSON.stringify(messageId)} was not delivered on subscription ${JSON.stringify(sub)}`);
        const type = f.command === 'ACK' ? 'ack' : 'nack';
        if (tx !== undefined) {
          // Resolved at COMMIT: an aborted ACK must leave its messages unacknowledged.
          this.route({ type, subscription: owner.id, messageIds: [messageId], receipt }, tx, events, now);
          return;
        }
        const settled = this.subs.settle(messageId);
        events.push({ type, subscription: owner.id, messageIds: settled?.ids ?? [], receipt });
        return;
      }
      case 'BEGIN': {
        const id = tx as string;
        if (this.transactions.has(id)) throw new FrameError(`transaction ${JSON.stringify(id)} is already open`);
        const most = this.options.maxTransactions ?? Infinity;
        if (this.transactions.size >= most) throw new FrameError(`more than ${most} transactions open`);
        this.transactions.set(id, []);
        this.transactionBytes.set(id, 0);
        if (receipt !== undefined) this.receipt(receipt, now);
        return;
      }
      case 'COMMIT': {
        const frames = this.openTransaction(tx as string);
        this.transactions.delete(tx as string);
        this.transactionBytes.delete(tx as string);
        for (const e of frames) {
          if (e.type === 'send') { events.push(e); continue; }
          // Cumulative ACKs cover what is pending at commit time; an id settled meanwhile adds nothing.
          const settled = this.subs.settle(e.messageIds[0]);
          if (settled !== undefined) events.push({ ...e, messageIds: settled.ids });
        }
        events.push({ type: 'commit', transaction: tx as string, receipt });
        return;
      }
      case 'ABORT':
        this.openTransaction(tx as string);
        this.transactions.delete(tx as string);
        this.transactionBytes.delete(tx as string);
        if (receipt !== undefined) this.receipt(receipt, now);
        return;
      case 'DISCONNECT': {
        const unacked = this.subs.clear();
        this.transactions.clear();
        this.transactionBytes.clear();
        // Stay 'connected' for the receipt the broker writes; nothing after DISCONNECT is read.
        this.disconnected = true;
        events.push({ type: 'disconnect', unacked, receipt });
        return;
      }
      default:
        throw new FrameError(`${f.command} is not a client frame`);
    }
  }

  private authorize(command: 'SEND' | 'SUBSCRIBE', destination: string): void {
    const refused = this.options.authorize?.(command, destination);
    if (refused !== undefined) throw new FrameError(refused);
  }

  /** Buffer a transactional frame (its receipt says it joined the transaction), or report it now. */
  private route(e: ServerSendEvent | ServerSettleEvent, tx: string | undefined, events: StompServerEvent[], now: number): void {
    if (tx === undefined) { events.push(e); return; }
    const frames = this.openTransaction(tx);
    if (frames.length >= this.maxTx) throw new FrameError(`transaction ${JSON.stringify(tx)} holds more than ${this.maxTx} frames`);
    const bytes = (this.transactionBytes.get(tx) ?? 0) + heldBytes(e);
    const most = this.options.maxTransactionBytes ?? Infinity;
    if (bytes > most) throw new FrameError(`transaction ${JSON.stringify(tx)} holds more than ${most} bytes`);
    this.transactionBytes.set(tx, bytes);
    frames.push({ ...e, receipt: undefined });
    if (e.receipt !== undefined) this.receipt(e.receipt, now);
  }

  private openTransaction(id: string): (ServerSendEvent | ServerSettleEvent)[] {
    const t = this.transactions.get(id);
    if (t === undefined) throw new FrameError(`unknown transaction ${JSON.stringify(id)}`);
    return t;
  }

  private onConnect(f: StompFrame, now: number): StompServerEvent {
    const accepted = this.options.versions ?? STOMP_VERSIONS;
    const offered = (headerOf(f, 'accept-version') ?? '1.0').split(',').map((v) => v.trim());
    const version = [...accepted].reverse().find((v) => offered.includes(v));
    if (version === undefined) {
      throw new FrameError(`unsupported protocol version: the client offered ${offered.join(',')}, this server speaks ${accepted.join(',')}`);
    }
    const login = headerOf(f, 'login');
    const passcode = headerOf(f, 'passcode');
    if (this.options.authenticate !== undefined && !this.options.authenticate(login, passcode)) {
      throw new FrameError('access refused: wrong login or passcode');
    }
    let heartbeat: HeartbeatIntervals = { send: 0, receive: 0 };
    if (version !== '1.0') {
      const theirs = parseHeartbeat(headerOf(f, 'heart-beat'));
      if (theirs === undefined) throw new FrameError(`malformed heart-beat header ${JSON.stringify(headerOf(f, 'heart-beat'))}`);
      heartbeat = negotiateHeartbeat(this.offer, theirs);
    }
    const headers: Record<string, string> = { version, session: this.session, server: this.options.server ?? 'rx-mq-broker' };
    if (version !== '1.0') headers['heart-beat'] = `${this.offer[0]},${this.offer[1]}`;
    this.push(encodeFrame(frame('CONNECTED', headers), version), now);
    this.decoder.version = version;
    this.phase = { phase: 'connected', version, heartbeat };
    return { type: 'connected', version, login, host: headerOf(f, 'host'), session: this.session, heartbeat };
  }

  private fail(message: string, receiptId: string | undefined, now: number): StompServerEvent {
    const version = this.version ?? '1.0';
    if (this.phase.phase !== 'closed') {
      const text = writable(message.replace(/[\r\n]+/g, ' '), version);
      const receipt = receiptId === undefined ? undefined : writable(receiptId, version);
      const headers: Record<string, string | undefined> = { message: text, 'receipt-id': receipt, 'content-type': 'text/plain' };
      this.push(encodeFrame(frame('ERROR', headers, utf8.encode(text)), version), now);
    }
    this.phase = { phase: 'closed', reason: message };
    this.transactions.clear();
    this.transactionBytes.clear();
    return { type: 'closed', reason: message, unacked: this.subs.clear() };
  }

  private push(bytes: Uint8Array, now: number): void {
    this.out.push(bytes);
    this.outBytes += bytes.length;
    this.lastSent = Math.max(this.lastSent, now);
  }
}

const utf8 = new TextEncoder();

/** What a frame held by a transaction costs: its body and header text (ids for an ACK/NACK). */
function heldBytes(e: ServerSendEvent | ServerSettleEvent): number {
  if (e.type !== 'send') return 64;
  let n = e.body.length;
  for (const [k, v] of e.headers) n += k.length + v.length + 2;
  return n;
}

/**
 * A protocol header value (an echoed receipt id, a destination) made writable in `version`: what
 * the version cannot escape is removed, so writing a frame never fails on a client's odd input.
 */
function writable(value: string, version: StompVersion): string {
  const v = value.replace(/\0/g, '');
  if (version === '1.0') return v.replace(/[\r\n]/g, '');
  if (version === '1.1') return v.replace(/\r/g, '');
  return v;
}

/** Whether a header survives encoding in `version` (1.0 escapes nothing, 1.1 no CR). */
function representable(name: string, value: string, version: StompVersion): boolean {
  if (name.includes('\0') || value.includes('\0')) return false;
  if (version === '1.0') return !/[\r\n]/.test(name + value) && !name.includes(':');
  if (version === '1.1') return !(name + value).includes('\r');
  return true;
}
