/**
 * Links (AMQP 1.0 section 2.6): attach/detach, flow control, transfers and settlement for one
 * end of a link. Links talk to their session through the small LinkHost interface, which keeps
 * transfer-ids, delivery-ids, session windows and frame output in one place.
 */
import type { AmqpMap } from '../codec/types.js';
import type {
  Attach, DeliveryState, Detach, ErrorInfo, Flow, ReceiverSettleMode, Role, SenderSettleMode, Source,
  Target, Transfer,
} from '../frames/definitions.generated.js';
import type { Coordinator } from '../frames/definitions.generated.js';
import { transferHasDeliveryTag } from '../frames/fast-performatives.js';
import type { AmqpFrame } from '../frames/frame.js';
import { DeliveryAssembly } from './assembly.js';
import { ReceiverCredit, SenderCredit } from './credit.js';
import { DeliveryStore } from './delivery-store.js';
import { AmqpError, IllegalStateError, MessageSizeExceededError, SettleError, SettleModeError, TransferLimitError } from './errors.js';
import type { EngineEvent } from './events.js';

/**
 * A transfer payload: one byte array, or pieces to be sent one after another (a large message
 * body is passed by reference this way, not copied; it must not change until written).
 */
export type Payload = Uint8Array | readonly Uint8Array[];

/** The payload of a delivery whose transfers carried no bytes. */
const EMPTY_PAYLOAD = new Uint8Array(0);

/** Total length of a payload. */
export function payloadLength(p: Payload | undefined): number {
  if (p === undefined) return 0;
  if (p instanceof Uint8Array) return p.length;
  let n = 0;
  for (const x of p) n += x.length;
  return n;
}

/** The fields of a flow frame that a link sets. */
export type LinkFlowFields = Pick<Flow, 'handle' | 'deliveryCount' | 'linkCredit' | 'available' | 'drain' | 'echo'>;

/** What a link needs from its session. */
export interface LinkHost {
  /**
   * Queue a link-level frame (attach, detach, flow fields are completed by the session). The
   * caller may reuse the performative object, its tag's bytes and a small payload's bytes once
   * this returns: a transfer the session window holds back keeps copies of them (a payload under
   * 16 KiB; a larger one is kept by reference, as the output keeps it).
   */
  writeFrame(performative: Attach | Detach | Transfer, payload?: Payload): void;
  /** Send a flow carrying the session's window fields plus these link fields. */
  writeLinkFlow(fields: LinkFlowFields): void;
  nextDeliveryId(): number;
  /** Queue a disposition for one delivery (the session batches contiguous ones). */
  settle(role: Role, deliveryId: number, settled: boolean, state: DeliveryState | undefined): void;
  /** Largest frame the peer accepts. */
  readonly remoteMaxFrameSize: number;
  /** Arrays the engine fills completely (ConnectionCoreOptions.allocate). */
  readonly allocate: (size: number) => Uint8Array;
  /** Keep an unsettled delivery of ours until its outcome arrives (the session routes dispositions). */
  trackOutgoing(d: OutgoingDelivery): void;
  untrackOutgoing(d: OutgoingDelivery): void;
  /** A sender link's tracked deliveries (stragglers first, then in delivery-id order). */
  outgoingOf(link: SenderLink): OutgoingDelivery[];
  emit(e: EngineEvent): void;
  detached(link: Link): void;
}

/** Options common to both roles when attaching. */
export interface LinkOptions {
  readonly name: string;
  readonly source?: Source;
  readonly target?: Target | Coordinator;
  readonly sndSettleMode?: SenderSettleMode;
  readonly rcvSettleMode?: ReceiverSettleMode;
  /** Largest message this end accepts (receiver) or will send (sender); undefined = no limit. */
  readonly maxMessageSize?: number;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
  /**
   * For links we attach: fail the link with `SettleModeError` (instead of adapting) when the
   * peer's attach does not grant the `sndSettleMode` / `rcvSettleMode` asked for. See
   * `Link.negotiate` for what "grant" means for each role.
   */
  readonly requireSettleModes?: boolean;
  /**
   * Receivers: transfers tolerated with no credit outstanding since our last credit grant (they
   * are delivered, see credit.ts); one more detaches the link with
   * amqp:link:transfer-limit-exceeded (`TransferLimitError`). Default 1024. This is the hard
   * bound that keeps unsettled incoming state at most credit granted + this limit.
   */
  readonly overCreditLimit?: number;
}

/** Default of `LinkOptions.overCreditLimit`. */
export const DEFAULT_OVER_CREDIT_LIMIT = 1024;

export type LinkState = 'detached' | 'attach-sent' | 'attach-received' | 'attached' | 'detach-sent' | 'closed';

export abstract class Link {
  abstract readonly role: Role;
  state: LinkState = 'detached';
  /** Why the link is closed, for the error of a late settle ("... cannot be settled: WHY"). */
  protected closedBecause = 'the link is detached';
  /** The peer's attach, once received. */
  remote: Attach | undefined;
  /** The peer's handle for this link. */
  remoteHandle: number | undefined;
  /** Largest message the peer accepts (from its attach); undefined when it set no limit. */
  remoteMaxMessageSize: number | undefined;
  /**
   * The sender settle mode in use: what we asked for until the peer's attach arrives, then what
   * was negotiated (see `negotiate`). A sender in mode 'settled' sends every delivery pre-settled,
   * in 'unsettled' none (section 2.8.2); 'mixed' leaves it to each send.
   */
  sndSettleMode: SenderSettleMode;
  /** The receiver settle mode in use ('first' unless negotiated otherwise). */
  rcvSettleMode: ReceiverSettleMode;

  constructor(
    protected readonly host: LinkHost,
    /** Our handle for this link. */
    readonly handle: number,
    readonly options: LinkOptions,
  ) {
    // The specification's defaults for fields an attach leaves out.
    this.sndSettleMode = options.sndSettleMode ?? 'mixed';
    this.rcvSettleMode = options.rcvSettleMode ?? 'first';
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Send our attach (either to initiate, or to answer the peer's). `answer` overrides fields of
   * this link's options in the frame: a server answering a remote attach uses it to fill in a
   * dynamic node's address, or to send a null terminus before refusing the link.
   */
  attach(initialDeliveryCount?: number, answer?: Partial<LinkOptions>): void {
    if (this.state !== 'detached' && this.state !== 'attach-received') {
      throw new IllegalStateError(`link ${this.name} cannot attach in state ${this.state}`);
    }
    const o = answer === undefined ? this.options : { ...this.options, ...answer };
    if (this.state === 'attach-received') {
      // Answering: the modes we state are the ones in use (the peer's attach only asked).
      this.sndSettleMode = o.sndSettleMode ?? 'mixed';
      this.rcvSettleMode = o.rcvSettleMode ?? 'first';
    }
    this.host.writeFrame({
      kind: 'attach',
      name: o.name,
      handle: this.handle,
      role: this.role,
      sndSettleMode: o.sndSettleMode,
      rcvSettleMode: o.rcvSettleMode,
      source: o.source,
      target: o.target,
      initialDeliveryCount: this.role === 'sender' ? (initialDeliveryCount ?? 0) : undefined,
      maxMessageSize: o.maxMessageSize === undefined ? undefined : BigInt(o.maxMessageSize),
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties,
    });
    this.state = this.state === 'attach-received' ? 'attached' : 'attach-sent';
  }

  /** Detach (closed=true closes the link for good, which is what applications normally want). */
  detach(error?: AmqpError, closed = true): void {
    if (this.state === 'detach-sent' || this.state === 'closed') return;
    this.host.writeFrame({ kind: 'detach', handle: this.handle, closed, error: error?.toErrorInfo() });
    this.state = 'detach-sent';
  }

  /** @internal the peer's attach */
  onAttach(a: Attach): void {
    this.remote = a;
    this.remoteHandle = a.handle;
    // We detached before the peer answered: its attach completes the exchange, its detach (the
    // answer to ours) follows, and nothing is to be reported or sent meanwhile. Taking the attach
    // as new would have us answer that detach with a second one, for a handle already gone.
    if (this.state === 'detach-sent') return;
    this.remoteMaxMessageSize = a.maxMessageSize === undefined || a.maxMessageSize === 0n
      ? undefined
      : a.maxMessageSize > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(a.maxMessageSize);
    const initiated = this.state === 'detached';
    const answered = this.state === 'attach-sent';
    this.state = answered ? 'attached' : 'attach-received';
    this.onRemoteAttach(a);
    if (answered) {
      const refused = this.negotiate(a);
      // The owner sees the failure (a link-detach with the error), not an attach it cannot use.
      if (refused !== undefined) return this.failWith(refused);
    }
    this.host.emit({ type: 'link-attach', link: this, remoteInitiated: initiated });
  }

  /**
   * Settle modes for a link we attached, from the peer's answer (section 2.7.3). Each end's
   * attach states the mode of its own role and asks for the other's:
   * - we send: the receiver's rcv-settle-mode is the mode in use (taken as is); its
   *   snd-settle-mode, when 'settled' or 'unsettled', is what it wants from us, and we adopt it
   *   (a 'mixed' answer allows whatever we stated);
   * - we receive: the sender's snd-settle-mode is the mode in use (taken as is); we settle first
   *   whatever its rcv-settle-mode asks, since this engine's receivers always settle at once.
   * With `requireSettleModes`, a difference from a mode we asked for is refused instead.
   */
  private negotiate(a: Attach): SettleModeError | undefined {
    const o = this.options;
    const strict = o.requireSettleModes === true;
    if (this.role === 'sender') {
      const rcv = a.rcvSettleMode ?? 'first';
      if (strict && o.rcvSettleMode !== undefined && rcv !== o.rcvSettleMode) {
        return new SettleModeError('rcv-settle-mode', o.rcvSettleMode, rcv);
      }
      this.rcvSettleMode = rcv;
      const wanted = a.sndSettleMode;
      if (wanted !== undefined && wanted !== 'mixed' && wanted !== this.sndSettleMode) {
        if (strict && o.sndSettleMode !== undefined) return new SettleModeError('snd-settle-mode', o.sndSettleMode, wanted);
        this.sndSettleMode = wanted;
      }
    } else {
      const snd = a.sndSettleMode ?? 'mixed';
      if (strict && o.sndSettleMode !== undefined && snd !== o.sndSettleMode) {
        return new SettleModeError('snd-settle-mode', o.sndSettleMode, snd);
      }
      this.sndSettleMode = snd;
      const wanted = a.rcvSettleMode;
      if (strict && o.rcvSettleMode !== undefined && wanted !== undefined && wanted !== o.rcvSettleMode) {
        return new SettleModeError('rcv-settle-mode', o.rcvSettleMode, wanted);
      }
    }
    return undefined;
  }

  /** @internal the peer's detach */
  onDetach(d: Detach): void {
    const error = d.error === undefined ? undefined : AmqpError.fromRemote(d.error, 'link');
    if (this.state === 'attach-received') {
      // The peer attached and detached before we answered (both in one read): the specification
      // wants our attach before our detach, and null termini say we never took the link on.
      this.attach(0, { source: undefined, target: undefined });
    }
    if (this.state !== 'detach-sent') {
      // Answer the peer's detach, as the specification requires.
      this.host.writeFrame({ kind: 'detach', handle: this.handle, closed: d.closed });
      this.closedBecause = `the peer detached the link${error === undefined ? '' : ` (${error.condition})`}`;
    }
    this.state = 'closed';
    this.onClosed();
    this.host.detached(this);
    this.host.emit({ type: 'link-detach', link: this, error, closed: d.closed ?? false });
  }

  /** @internal the session or connection went away under the link (`why` completes "link closed: ...") */
  abort(why = 'its session ended'): void {
    if (this.state !== 'closed') this.closedBecause = why;
    this.state = 'closed';
    this.onClosed();
  }

  protected onRemoteAttach(_a: Attach): void {}
  protected onClosed(): void {}
  /** @internal */
  abstract onFlow(f: Flow): void;

  /** Fail the link locally: detach with the error and tell the owner. */
  protected fail(condition: string, description: string): void {
    this.failWith(new AmqpError(condition, description, 'link', true));
  }

  /** Fail the link locally with a typed error: detach carrying it, and tell the owner. */
  protected failWith(error: AmqpError): void {
    this.detach(error, true);
    this.host.emit({ type: 'link-detach', link: this, error, closed: true });
  }
}

// ---------------------------------------------------------------------------------------------

/** A message that arrived on a receiver. */
export interface IncomingDelivery {
  readonly id: number;
  readonly tag: Uint8Array;
  readonly messageFormat: number;
  /** The sender settled it before sending (at-most-once): there is nothing to settle. */
  readonly remoteSettled: boolean;
  /** The message bytes (all transfer frames of the delivery). */
  readonly payload: Uint8Array;
  /**
   * Where `payload` lies, without making it: `payloadBuffer[payloadStart, payloadEnd)`. A
   * receiver decodes the message from there (a view of it costs more to make than the rest of
   * a small message's frame).
   */
  readonly payloadBuffer: Uint8Array;
  readonly payloadStart: number;
  readonly payloadEnd: number;
  /** The delivery state the sender attached, if any (resumption, transactions). */
  readonly state: DeliveryState | undefined;
  /** Whether we have settled it. */
  settled: boolean;
}

/**
 * A delivery that arrived whole. It is also the 'delivery' event reporting it (`type`, `link`,
 * and `delivery` returning itself): one object per message rather than a delivery and an event.
 */
class ArrivedDelivery implements IncomingDelivery {
  settled: boolean;
  /**
   * The tag, or the transfer it came in, to read it from on first use: a receiver seldom reads
   * tags, and the fast reader copies one only when asked (see fast-performatives.generated.ts).
   */
  private tagFrom: Uint8Array | Transfer;
  private view: Uint8Array | undefined;

  constructor(
    readonly link: ReceiverLink,
    readonly id: number,
    tag: Uint8Array | Transfer,
    readonly messageFormat: number,
    readonly remoteSettled: boolean,
    readonly payloadBuffer: Uint8Array,
    readonly payloadStart: number,
    readonly payloadEnd: number,
    readonly state: DeliveryState | undefined,
  ) {
    this.settled = remoteSettled;
    this.tagFrom = tag;
    this.view = undefined;
  }

  /** The payload as a view of its buffer (the whole buffer for an assembled one), made on first use. */
  get payload(): Uint8Array {
    const b = this.payloadBuffer;
    if (this.payloadStart === 0 && this.payloadEnd === b.length) return b;
    return (this.view ??= b.subarray(this.payloadStart, this.payloadEnd));
  }

  get tag(): Uint8Array {
    const from = this.tagFrom;
    if (from instanceof Uint8Array) return from;
    // Present: the delivery is made only from a transfer that has one.
    const tag = from.deliveryTag as Uint8Array;
    this.tagFrom = tag;
    return tag;
  }

  /** The event's type, from the prototype (a field would cost every delivery a word). */
  get type(): 'delivery' {
    return 'delivery';
  }

  /** The event's delivery: this object. */
  get delivery(): IncomingDelivery {
    return this;
  }
}

interface PartialDelivery {
  id: number;
  tag: Uint8Array;
  messageFormat: number;
  settled: boolean;
  state: DeliveryState | undefined;
  /** The bytes so far (made with the first byte). */
  assembly: DeliveryAssembly | undefined;
  /** Bytes announced so far: those arrived and those of the streamed frame still to come. */
  size: number;
  /** The last transfer said more transfers follow. */
  more: boolean;
  /** Payload bytes of the streamed transfer still to come as pieces. */
  rest: number;
}

export class ReceiverLink extends Link {
  readonly role = 'receiver' as const;
  readonly credit: ReceiverCredit = new ReceiverCredit();
  private partial: PartialDelivery | undefined;
  /**
   * Deliveries received and not settled yet, by delivery-id: a ring for the usual run of
   * consecutive ids (no Map entry made and dropped per message), see delivery-store.ts.
   */
  private readonly unsettled = new DeliveryStore<IncomingDelivery>();

  get unsettledCount(): number {
    return this.unsettled.size;
  }

  protected override onRemoteAttach(a: Attach): void {
    if (a.initialDeliveryCount !== undefined) this.credit.deliveryCount = a.initialDeliveryCount >>> 0;
  }

  /**
   * Set the credit outstanding to `credit` (not "add"): this is what the flow frame carries.
   * With `drain`, the sender must use or give back all of it and answer with a flow.
   */
  flow(credit: number, drain = false): void {
    this.requireAttached('flow');
    this.credit.grant(credit, drain);
    this.host.writeLinkFlow({
      handle: this.handle,
      deliveryCount: this.credit.deliveryCount,
      linkCredit: this.credit.credit,
      drain,
    });
  }

  /** Add `n` to the credit outstanding. */
  addCredit(n: number): void {
    this.flow(this.credit.credit + n, this.credit.drain);
  }

  /** Settle (and with a terminal state, complete) a delivery. Settling twice is an error. */
  settle(d: IncomingDelivery, state: DeliveryState | undefined): void {
    if (d.settled) throw new SettleError('already-settled', d.id, this.name, 'is already settled');
    if (this.state === 'closed' && !d.remoteSettled) {
      // Nothing can carry the outcome any more: say so rather than drop it (the broker keeps
      // the message and redelivers it).
      throw new SettleError('link-closed', d.id, this.name, `cannot be settled: ${this.closedBecause}; the broker keeps the message and redelivers it`);
    }
    d.settled = true;
    this.unsettled.delete(d.id);
    if (d.remoteSettled) return;
    this.host.settle('receiver', d.id, true, state);
  }

  /** @internal */
  onFlow(f: Flow): void {
    this.credit.onSenderFlow(f.deliveryCount ?? this.credit.deliveryCount, f.linkCredit ?? 0, f.available);
    this.host.emit({ type: 'link-flow', link: this });
    if (f.echo) this.flow(this.credit.credit, this.credit.drain);
  }

  /**
   * @internal one transfer frame `f` for this link (for a streamed frame, `f.payloadRest` more
   * payload bytes follow as pieces: onTransferPiece)
   */
  onTransfer(t: Transfer, f: AmqpFrame): void {
    // After our detach the peer may still have transfers in flight: they are not ours any more
    // (unsettled ones stay with the peer), and must not fail the link a second time.
    if (this.state === 'detach-sent' || this.state === 'closed') return;
    const rest = f.payloadRest ?? 0;
    let p = this.partial;
    if (p === undefined && rest === 0 && !t.more && !t.aborted && t.deliveryId !== undefined && transferHasDeliveryTag(t)) {
      // The usual case: a whole delivery in one frame (no assembly state, the payload not copied,
      // not even a view of it made).
      if (!this.countDelivery()) return;
      const start = f.payloadStart();
      const end = f.payloadEnd();
      const max = this.options.maxMessageSize;
      if (max !== undefined && end - start > max) {
        return this.fail('amqp:link:message-size-exceeded', `message larger than max-message-size ${max}`);
      }
      const settled = t.settled ?? false;
      const delivery = new ArrivedDelivery(this, t.deliveryId, t, t.messageFormat ?? 0, settled, f.payloadBuffer(), start, end, t.state as DeliveryState | undefined);
      if (!settled) this.unsettled.set(t.deliveryId, delivery);
      this.host.emit(delivery);
      return;
    }
    if (p === undefined) {
      if (t.deliveryId === undefined || t.deliveryTag === undefined) {
        return this.fail('amqp:invalid-field', 'first transfer of a delivery lacks delivery-id or delivery-tag');
      }
      if (!this.countDelivery()) return;
      p = {
        id: t.deliveryId,
        tag: t.deliveryTag,
        messageFormat: t.messageFormat ?? 0,
        settled: t.settled ?? false,
        state: t.state as DeliveryState | undefined,
        assembly: undefined,
        size: 0,
        more: true,
        rest: 0,
      };
      this.partial = p;
    } else if (t.settled) {
      p.settled = true;
    }
    if (t.aborted) {
      // An aborted delivery is discarded; its credit stays consumed (section 2.6.14). Any
      // pieces still to come of this frame find no delivery and are dropped.
      this.partial = undefined;
      return;
    }
    const payload = f.payload;
    const n = payload.length + rest;
    p.size += n;
    const max = this.options.maxMessageSize;
    if (max !== undefined && p.size > max) {
      this.partial = undefined;
      return this.fail('amqp:link:message-size-exceeded', `message larger than max-message-size ${max}`);
    }
    if (p.assembly === undefined) {
      if (n > 0) p.assembly = new DeliveryAssembly(this.host.allocate, payload, n, max);
    } else {
      p.assembly.reserve(n);
      p.assembly.append(payload);
    }
    p.more = t.more ?? false;
    p.rest = rest;
    if (rest === 0) this.transferDone(p);
  }

  /** @internal more payload of the streamed transfer frame (see FrameParser's streamTransfers) */
  onTransferPiece(bytes: Uint8Array, rest: number): void {
    const p = this.partial;
    if (p === undefined || p.rest === 0) return;
    if (this.state === 'detach-sent' || this.state === 'closed') {
      this.partial = undefined;
      return;
    }
    (p.assembly as DeliveryAssembly).append(bytes);
    p.rest = rest;
    if (rest === 0) this.transferDone(p);
  }

  /**
   * @internal where the next `rest` (or fewer) payload bytes of the streamed transfer belong, so
   * that the transport can read them there; undefined when they go nowhere (a discarded delivery)
   */
  payloadTarget(rest: number): Uint8Array | undefined {
    const p = this.partial;
    if (p === undefined || p.rest === 0 || p.assembly === undefined || this.state === 'detach-sent' || this.state === 'closed') return undefined;
    return p.assembly.target(Math.min(rest, p.rest));
  }

  /** A transfer of the delivery is whole: deliver it if it was the last. */
  private transferDone(p: PartialDelivery): void {
    if (p.more) return;
    this.partial = undefined;
    const payload = p.assembly === undefined ? EMPTY_PAYLOAD : p.assembly.finish();
    const delivery = new ArrivedDelivery(this, p.id, p.tag, p.messageFormat, p.settled, payload, 0, payload.length, p.state);
    if (!p.settled) this.unsettled.set(p.id, delivery);
    this.host.emit(delivery);
  }

  /**
   * Count a new delivery against credit. Over credit it is still delivered (and reported), up to
   * `overCreditLimit` since our last grant; beyond that the link is detached with
   * transfer-limit-exceeded and false is returned: the transfer is not delivered, and the error
   * says why (the peer keeps what it sent unsettled; what we delivered before stays delivered).
   */
  private countDelivery(): boolean {
    if (this.credit.onDelivery()) return true;
    const limit = this.options.overCreditLimit ?? DEFAULT_OVER_CREDIT_LIMIT;
    if (this.credit.excessSinceGrant > limit) {
      this.partial = undefined;
      this.failWith(new TransferLimitError(limit));
      return false;
    }
    this.host.emit({ type: 'credit-violation', link: this, excess: this.credit.overCredit });
    return true;
  }

  /** @internal the sender settled (or changed the state of) deliveries we hold */
  onRemoteDisposition(first: number, last: number, settled: boolean): void {
    if (!settled) return;
    for (const d of this.unsettled.inRange(first, last)) {
      d.settled = true;
      this.unsettled.delete(d.id);
    }
  }

  protected override onClosed(): void {
    this.partial = undefined;
    this.unsettled.clear();
  }

  private requireAttached(what: string): void {
    if (this.state !== 'attached' && this.state !== 'attach-sent') {
      throw new IllegalStateError(`cannot ${what} on link ${this.name} in state ${this.state}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** A message we sent, and what the receiver made of it. */
export interface OutgoingDelivery {
  readonly id: number;
  /** The link it was sent on. */
  readonly link: SenderLink;
  readonly tag: Uint8Array;
  /** Sent pre-settled (at-most-once): no outcome will come. */
  readonly presettled: boolean;
  /** The receiver's last reported state (its outcome once terminal). */
  remoteState: DeliveryState | undefined;
  remoteSettled: boolean;
  /** We consider it settled: pre-settled, or settled after the outcome arrived. */
  settled: boolean;
  /** Opaque owner data (the Rx layer keeps its message here). */
  readonly context: unknown;
}

export interface SendOptions {
  readonly tag?: Uint8Array;
  readonly settled?: boolean;
  readonly messageFormat?: number;
  readonly context?: unknown;
}

/** A tag as the 4 big-endian bytes of a counter. */
function tagBytes(n: number, into: Uint8Array = new Uint8Array(4)): Uint8Array {
  into[0] = n >>> 24; into[1] = (n >>> 16) & 0xff; into[2] = (n >>> 8) & 0xff; into[3] = n & 0xff;
  return into;
}

const PRESETTLED = 1;
const REMOTE_SETTLED = 2;
const SETTLED = 4;

/**
 * A delivery we sent. Our own tags are 4-byte big-endian counters (unique per link, as the
 * specification requires); the delivery keeps the counter and makes the bytes only when asked,
 * since an unsettled delivery lives until its outcome arrives and its tag is rarely read again:
 * one typed array less per message in flight is less for every young-generation GC to copy.
 */
class SentDelivery implements OutgoingDelivery {
  remoteState: DeliveryState | undefined = undefined;
  /**
   * presettled, remoteSettled and settled as bits: an unsettled delivery lives until its outcome
   * arrives, often through several young-generation collections that copy it, so it is kept small.
   */
  private flags: number;

  constructor(
    readonly id: number,
    readonly link: SenderLink,
    private readonly tagValue: number | Uint8Array,
    presettled: boolean,
    readonly context: unknown,
  ) {
    this.flags = presettled ? PRESETTLED | SETTLED : 0;
  }

  get presettled(): boolean { return (this.flags & PRESETTLED) !== 0; }
  get remoteSettled(): boolean { return (this.flags & REMOTE_SETTLED) !== 0; }
  set remoteSettled(v: boolean) { this.flags = v ? this.flags | REMOTE_SETTLED : this.flags & ~REMOTE_SETTLED; }
  get settled(): boolean { return (this.flags & SETTLED) !== 0; }
  set settled(v: boolean) { this.flags = v ? this.flags | SETTLED : this.flags & ~SETTLED; }

  /** A delivery is also the 'delivery-update' event about it (see `delivery`); the type comes from the prototype. */
  get type(): 'delivery-update' {
    return 'delivery-update';
  }

  get tag(): Uint8Array {
    return typeof this.tagValue === 'number' ? tagBytes(this.tagValue) : this.tagValue;
  }

  /**
   * The 'delivery-update' event's delivery: this object, so that an outcome arriving for each of
   * many messages makes no event object per message. Each update emits it again.
   */
  get delivery(): OutgoingDelivery {
    return this;
  }
}

/** Bytes a transfer frame header and performative can take besides the delivery tag. */
const TRANSFER_OVERHEAD = 64;

export class SenderLink extends Link {
  readonly role = 'sender' as const;
  readonly credit: SenderCredit = new SenderCredit();
  private tagCounter = 0;
  /** Where the tag of the transfer being written goes (the frame is encoded before send returns). */
  private readonly tagScratch = new Uint8Array(4);
  /**
   * The performative of a one-frame transfer, filled in for each send: the session encodes it
   * before writeFrame returns, or copies it when the window holds it back (see LinkHost).
   */
  private readonly oneFrame: { -readonly [K in keyof Transfer]: Transfer[K] } = {
    kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: undefined, messageFormat: 0, settled: false, more: false,
  };
  /** Our deliveries waiting for an outcome; the session keeps them (one store per session). */
  private unsettled = 0;

  get unsettledCount(): number {
    return this.unsettled;
  }

  /** True when a message may be sent now. */
  get sendable(): boolean {
    return this.state === 'attached' && this.credit.credit > 0;
  }

  /** The receiver asked us to drain: send what we have, then call `drained()`. */
  get drainRequested(): boolean {
    return this.credit.drain;
  }

  /**
   * Send one message (its encoded sections). Needs credit: check `sendable` first. Messages larger
   * than the peer's max-frame-size are split into several transfer frames. Throws
   * `MessageSizeExceededError` (nothing sent, no credit used) for a message larger than the
   * receiver's max-message-size. Whether it goes pre-settled follows the negotiated
   * `sndSettleMode`; `opts.settled` decides only in mode 'mixed'. Check `delivery.presettled`.
   */
  send(payload: Payload, opts: SendOptions = {}): OutgoingDelivery {
    if (this.state !== 'attached') throw new IllegalStateError(`cannot send on link ${this.name} in state ${this.state}`);
    const length = payloadLength(payload);
    if (this.remoteMaxMessageSize !== undefined && length > this.remoteMaxMessageSize) {
      // Checked before credit or ids are used: the link and other messages are unaffected.
      throw new MessageSizeExceededError(length, this.remoteMaxMessageSize);
    }
    if (!this.credit.onSend()) throw new IllegalStateError(`no credit on link ${this.name}`);
    // A negotiated fixed mode binds every delivery (section 2.8.2); 'mixed' lets each send choose.
    const presettled = this.sndSettleMode === 'settled' || (this.sndSettleMode === 'mixed' && (opts.settled ?? false));
    let tag: Uint8Array;
    let tagValue: number | Uint8Array;
    if (opts.tag !== undefined) {
      tag = tagValue = opts.tag;
    } else {
      tagValue = this.tagCounter;
      this.tagCounter = (this.tagCounter + 1) >>> 0;
      tag = tagBytes(tagValue, this.tagScratch);
    }
    const id = this.host.nextDeliveryId();
    const delivery = new SentDelivery(id, this, tagValue, presettled, opts.context);
    if (!presettled) {
      this.unsettled++;
      this.host.trackOutgoing(delivery);
    }
    const room = Math.max(1, this.host.remoteMaxFrameSize - TRANSFER_OVERHEAD - tag.length);
    const messageFormat = opts.messageFormat ?? 0;
    if (length <= room) {
      // The common case: one frame.
      const t = this.oneFrame;
      t.handle = this.handle;
      t.deliveryId = id;
      t.deliveryTag = tag;
      t.messageFormat = messageFormat;
      t.settled = presettled;
      this.host.writeFrame(t, payload);
      t.deliveryTag = undefined; // holds no caller's bytes between sends
      return delivery;
    }
    const pieces = payload instanceof Uint8Array ? [payload] : payload;
    let piece = 0;
    let at = 0;
    let sent = 0;
    let first = true;
    while (sent < length) {
      // The next frame's share of the pieces: views, never copies.
      const n = Math.min(room, length - sent);
      const chunk: Uint8Array[] = [];
      for (let need = n; need > 0;) {
        const p = pieces[piece];
        const k = Math.min(need, p.length - at);
        if (k > 0) chunk.push(at === 0 && k === p.length ? p : p.subarray(at, at + k));
        at += k;
        need -= k;
        if (at === p.length) { piece++; at = 0; }
      }
      sent += n;
      const more = sent < length;
      this.host.writeFrame(
        first
          ? { kind: 'transfer', handle: this.handle, deliveryId: id, deliveryTag: tag, messageFormat, settled: presettled, more }
          : { kind: 'transfer', handle: this.handle, more },
        chunk.length === 1 ? chunk[0] : chunk,
      );
      first = false;
    }
    return delivery;
  }

  /**
   * Nothing more to send while draining: consume the remaining credit and tell the receiver. The
   * flow carries drain=true, echoing the mode it answers (rhea reports a drain as finished only then).
   */
  drained(): void {
    this.credit.drained();
    this.host.writeLinkFlow({ handle: this.handle, deliveryCount: this.credit.deliveryCount, linkCredit: this.credit.credit, drain: true });
  }

  /** @internal */
  onFlow(f: Flow): void {
    this.credit.onReceiverFlow(f.deliveryCount, f.linkCredit ?? 0, f.drain ?? false);
    this.host.emit({ type: 'link-flow', link: this });
    if (f.echo) this.writeFlow();
  }

  /** @internal the receiver's disposition for one of our deliveries */
  onRemoteDisposition(d: OutgoingDelivery, settled: boolean, state: DeliveryState | undefined): void {
    if (state !== undefined) d.remoteState = state;
    if (settled) d.remoteSettled = true;
    const terminal = state !== undefined && state.kind !== 'received';
    if ((terminal || settled) && !d.settled) {
      if (!settled) this.host.settle('sender', d.id, true, undefined); // receiver settles second
      d.settled = true;
      this.unsettled--;
      this.host.untrackOutgoing(d);
    }
    this.host.emit(d as SentDelivery); // every delivery of a sender link is one `send` made
  }

  /** Deliveries still waiting for an outcome (for re-sending after a reconnect). */
  unsettledDeliveries(): readonly OutgoingDelivery[] {
    return this.host.outgoingOf(this);
  }

  protected override onClosed(): void {
    if (this.unsettled > 0) for (const d of this.host.outgoingOf(this)) this.host.untrackOutgoing(d);
    this.unsettled = 0;
  }

  private writeFlow(): void {
    this.host.writeLinkFlow({ handle: this.handle, deliveryCount: this.credit.deliveryCount, linkCredit: this.credit.credit });
  }

}

export type { ErrorInfo };
