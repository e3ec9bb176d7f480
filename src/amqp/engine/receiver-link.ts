/**
 * The receiving end of a link: credit it grants, transfers assembled into deliveries (one frame,
 * several, or one streamed in pieces), the over-credit bound, and settlement.
 */
import type { Attach, DeliveryState, Flow, Transfer } from '../frames/definitions.generated.js';
import { RELEASED, transferHasDeliveryTag } from '../frames/fast-performatives.js';
import type { AmqpFrame } from '../frames/frame.js';
import { DeliveryAssembly } from './assembly.js';
import { ReceiverCredit } from './credit.js';
import { DeliveryStore } from './delivery-store.js';
import { IllegalStateError, MessageSizeExceededError, SettleError, TransferLimitError } from './errors.js';
import { DEFAULT_OVER_CREDIT_LIMIT, Link } from './link-base.js';

/** The payload of a delivery whose transfers carried no bytes. */
const EMPTY_PAYLOAD = new Uint8Array(0);

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
  /**
   * rcv-settle-mode 'second' (section 2.8.3): deliveries whose outcome we sent unsettled and whose
   * settlement by the sender we wait for, to settle them in turn. Empty in mode 'first'.
   */
  private readonly outcomeSent = new DeliveryStore<IncomingDelivery>();

  get unsettledCount(): number {
    return this.unsettled.size;
  }

  /** Deliveries whose outcome went out in rcv-settle-mode 'second' and that the sender has not settled yet. */
  get awaitingSenderSettlement(): number {
    return this.outcomeSent.size;
  }

  /**
   * Settle every delivery still unsettled with `state` (a receiver giving back, before its detach,
   * what it took and did not process: some peers, RabbitMQ 3.10 among them, hold a detached
   * link's unsettled deliveries for as long as the session lives). Returns how many.
   */
  settleAllUnsettled(state: DeliveryState): number {
    if (this.state === 'closed') return 0;
    const all = [...this.unsettled.values()];
    for (const d of all) this.settle(d, state);
    return all.length;
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

  /**
   * Ask the sender for its flow state (a flow with echo=true, our credit restated unchanged): the
   * peer must answer, which proves that it hears us (see ConnectionCoreOptions.responseTimeout).
   */
  probe(): void {
    this.requireAttached('probe');
    this.host.writeLinkFlow({
      handle: this.handle,
      deliveryCount: this.credit.deliveryCount,
      linkCredit: this.credit.credit,
      drain: this.credit.drain,
      echo: true,
    });
  }

  /** Add `n` to the credit outstanding. */
  addCredit(n: number): void {
    this.flow(this.credit.credit + n, this.credit.drain);
  }

  /**
   * Settle (and with a terminal state, complete) a delivery. Settling twice is an error. In
   * rcv-settle-mode 'second' the outcome goes out unsettled and the delivery is settled on the
   * wire only once the sender has settled it (`d.settled` is true at once: the decision is made).
   */
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
    if (this.rcvSettleMode === 'second') {
      this.outcomeSent.set(d.id, d);
      this.host.settle('receiver', d.id, false, state);
      return;
    }
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
    // After our detach the peer may still have transfers in flight: they are not ours any more,
    // and must not fail the link a second time. Each unsettled one is released (dispositions are
    // the session's, so this still reaches the peer): RabbitMQ 3.10 keeps a delivery it sent
    // before our detach reached it unacknowledged for as long as the session lives otherwise.
    if (this.state === 'detach-sent' || this.state === 'closed') {
      if (this.state === 'detach-sent' && t.deliveryId !== undefined && t.settled !== true) this.host.settle('receiver', t.deliveryId, true, RELEASED);
      return;
    }
    const rest = f.payloadRest ?? 0;
    let p = this.partial;
    if (p === undefined && rest === 0 && !t.more && !t.aborted && t.deliveryId !== undefined && transferHasDeliveryTag(t)) {
      // The usual case: a whole delivery in one frame (no assembly state, the payload not copied,
      // not even a view of it made).
      if (!this.countDelivery()) return;
      const start = f.payloadStart();
      const end = f.payloadEnd();
      const max = this.maxMessageSize;
      if (max !== undefined && end - start > max) return this.failWith(new MessageSizeExceededError(end - start, max));
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
      this.dropPartial();
      return;
    }
    const payload = f.payload;
    const n = payload.length + rest;
    p.size += n;
    // The connection's bound on incomplete messages, all links together (a whole one-frame
    // delivery never gets here: it is bounded by the frame size).
    if (!this.host.incomplete(n)) return;
    const max = this.maxMessageSize;
    if (max !== undefined && p.size > max) {
      this.dropPartial();
      return this.failWith(new MessageSizeExceededError(p.size, max));
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
      this.dropPartial();
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
    this.dropPartial();
    const payload = p.assembly === undefined ? EMPTY_PAYLOAD : p.assembly.finish();
    const delivery = new ArrivedDelivery(this, p.id, p.tag, p.messageFormat, p.settled, payload, 0, payload.length, p.state);
    if (!p.settled) this.unsettled.set(p.id, delivery);
    this.host.emit(delivery);
  }

  /** Forget the delivery being assembled (done, aborted, refused, or the link gone), and its bytes. */
  private dropPartial(): void {
    const p = this.partial;
    if (p === undefined) return;
    this.partial = undefined;
    if (p.size > 0) this.host.incomplete(-p.size);
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
      this.dropPartial();
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
    if (this.outcomeSent.size === 0) return;
    // Mode 'second': the sender settled after our outcome; now we settle (the last step).
    for (const d of this.outcomeSent.inRange(first, last)) {
      this.outcomeSent.delete(d.id);
      if (this.state !== 'closed') this.host.settle('receiver', d.id, true, undefined);
    }
  }

  protected override onClosed(): void {
    this.dropPartial();
    this.unsettled.clear();
    this.outcomeSent.clear();
  }

  private requireAttached(what: string): void {
    if (this.state !== 'attached' && this.state !== 'attach-sent') {
      throw new IllegalStateError(`cannot ${what} on link ${this.name} in state ${this.state}`);
    }
  }
}
