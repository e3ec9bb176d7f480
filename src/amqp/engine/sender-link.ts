/**
 * The sending end of a link: credit it is given, transfers it writes (split to the peer's frame
 * size, the payload never copied), deliveries awaiting an outcome, and answering drain.
 */
import type { DeliveryState, Flow, Transfer } from '../frames/definitions.generated.js';
import { SenderCredit } from './credit.js';
import { IllegalStateError, MessageSizeExceededError } from './errors.js';
import { Link, type LinkHost, type LinkOptions } from './link-base.js';
import { payloadLength, type Payload } from './payload.js';

/** What a sender link needs from its session besides LinkHost: its deliveries awaiting an outcome. */
export interface SenderLinkHost extends LinkHost {
  /** Keep an unsettled delivery of ours until its outcome arrives (the session routes dispositions). */
  trackOutgoing(d: OutgoingDelivery): void;
  untrackOutgoing(d: OutgoingDelivery): void;
  /** A sender link's tracked deliveries (stragglers first, then in delivery-id order). */
  outgoingOf(link: SenderLink): OutgoingDelivery[];
}

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
  /**
   * The transfer's delivery state: a transactional-state naming the transaction a message is
   * posted in (AMQP 1.0 section 4.4.1). Undefined for the usual transfer.
   */
  readonly state?: DeliveryState;
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
  /** The session, with the outgoing-delivery bookkeeping a sender needs (see SenderLinkHost). */
  protected declare readonly host: SenderLinkHost;
  readonly credit: SenderCredit = new SenderCredit();
  private tagCounter = 0;
  /** Where the tag of the transfer being written goes (the frame is encoded before send returns). */
  private readonly tagScratch = new Uint8Array(4);
  /**
   * The performative of a one-frame transfer, filled in for each send: the session encodes it
   * before writeFrame returns, or copies it when the window holds it back (see LinkHost).
   */
  private readonly oneFrame: { -readonly [K in keyof Transfer]: Transfer[K] } = {
    kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: undefined, messageFormat: 0, settled: false, more: false, state: undefined,
  };
  /** Our deliveries waiting for an outcome; the session keeps them (one store per session). */
  private unsettled = 0;

  constructor(host: SenderLinkHost, handle: number, options: LinkOptions) {
    super(host, handle, options);
  }

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
      t.state = opts.state;
      this.host.writeFrame(t, payload);
      t.deliveryTag = undefined; // holds no caller's bytes between sends
      t.state = undefined;
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
          ? { kind: 'transfer', handle: this.handle, deliveryId: id, deliveryTag: tag, messageFormat, settled: presettled, more, state: opts.state }
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
    // A transactional-state is terminal when it carries an outcome (section 4.4.1): without one it
    // only says which transaction the delivery belongs to, as 'received' says how far it got.
    const terminal = state !== undefined && state.kind !== 'received' && (state.kind !== 'transactional-state' || state.outcome !== undefined);
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
