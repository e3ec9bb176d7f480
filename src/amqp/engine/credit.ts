/**
 * Link flow control (AMQP 1.0 section 2.6.7) as two small state holders, one per role. They hold
 * numbers only and decide nothing about frames; the link engine calls them and sends the flows.
 *
 * Over-credit policy: RabbitMQ 3.10 has been seen sending transfers after a receiver's credit
 * reached zero. A receiver never drops such a message (that would lose data the broker considers
 * delivered); it accepts it, keeps credit at zero (never negative) and counts the excess so the
 * caller can report it.
 */
import { add, diff } from './serial.js';

export class ReceiverCredit {
  /** Our view of the sender's delivery-count. */
  deliveryCount: number;
  /** Credit we have granted and that the sender has not yet used. */
  credit = 0;
  /** The sender's last reported number of messages it could send. */
  available = 0;
  drain = false;
  /** Transfers that arrived with no credit outstanding (in all). */
  overCredit = 0;
  /** Transfers that arrived with no credit outstanding since our last grant. */
  excessSinceGrant = 0;
  /**
   * Whether a sender's flow that moves delivery-count ahead of ours uses up credit (what the
   * specification says, and what a drain does). Off for a peer that reports a count running ahead
   * of its transfers: RabbitMQ 3.10 reports its queue's count, which includes messages on their
   * way, so taking it over makes us believe no credit is outstanding while transfers still come,
   * and puts our delivery-count ahead of the broker's, which then reads our next grant as bigger
   * than it is. Off, only a drain's advance is taken; credit otherwise falls by what arrives.
   */
  adoptsSenderCount = true;

  constructor(initialDeliveryCount = 0) {
    this.deliveryCount = initialDeliveryCount >>> 0;
  }

  /** A new delivery started (first transfer frame of a delivery). Returns false when over credit. */
  onDelivery(): boolean {
    this.deliveryCount = add(this.deliveryCount, 1);
    if (this.credit === 0) {
      this.overCredit++;
      this.excessSinceGrant++;
      return false;
    }
    this.credit--;
    return true;
  }

  /** Set the total outstanding credit to `n` (what the next flow carries). */
  grant(n: number, drain = false): void {
    this.credit = n >>> 0;
    this.drain = drain;
    // A fresh grant is a fresh agreement: the over-credit allowance restarts from it.
    this.excessSinceGrant = 0;
  }

  /**
   * A flow from the sender. Link credit is the receiver's to give: the sender can only use it up,
   * by sending (counted in onDelivery) or by advancing delivery-count (a drain). So our credit
   * shrinks by however far the sender's delivery-count is ahead of ours, and the link-credit the
   * sender reports is not taken over. Taking it over would let a peer's stale or mistaken figure
   * replace our grant: RabbitMQ 3.10 has been seen reporting more credit than it was ever given
   * (227 of a window of 100) and then sending nothing, which left a receiver that believed the
   * figure waiting forever instead of granting again.
   */
  onSenderFlow(deliveryCount: number, _linkCredit: number, available: number | undefined): void {
    const advance = diff(deliveryCount >>> 0, this.deliveryCount);
    if (advance > 0 && (this.adoptsSenderCount || this.drain)) {
      this.credit = advance >= this.credit ? 0 : this.credit - advance;
      this.deliveryCount = deliveryCount >>> 0;
    }
    if (available !== undefined) this.available = available;
    if (this.credit === 0) this.drain = false;
  }
}

export class SenderCredit {
  deliveryCount: number;
  credit = 0;
  drain = false;

  constructor(initialDeliveryCount = 0) {
    this.deliveryCount = initialDeliveryCount >>> 0;
  }

  /**
   * A flow from the receiver. Its link-credit is relative to the delivery-count it had seen, so
   * our credit is (receiver delivery-count + link-credit) - our delivery-count. A receiver that
   * has not yet seen our attach omits delivery-count; the initial count applies then.
   */
  onReceiverFlow(deliveryCount: number | undefined, linkCredit: number, drain: boolean): void {
    const base = deliveryCount === undefined ? this.deliveryCount : deliveryCount >>> 0;
    // link-credit is a uint, not a serial number: only the delivery-counts compare modulo 2^32
    // (a receiver granting 0xffffffff means that much, not -1).
    const c = (linkCredit >>> 0) + diff(base, this.deliveryCount);
    this.credit = c > 0 ? c : 0;
    this.drain = drain;
  }

  /** One delivery sent; false when there was no credit (the caller must not have sent it). */
  onSend(): boolean {
    if (this.credit === 0) return false;
    this.credit--;
    this.deliveryCount = add(this.deliveryCount, 1);
    return true;
  }

  /**
   * Drain with nothing left to send: consume all credit by advancing delivery-count, as the
   * specification requires; the caller then sends a flow so the receiver sees it.
   */
  drained(): void {
    this.deliveryCount = add(this.deliveryCount, this.credit);
    this.credit = 0;
    this.drain = false;
  }
}
