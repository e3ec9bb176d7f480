/**
 * Session flow control (AMQP 1.0 section 2.5.6): transfer-ids and the incoming/outgoing windows
 * of both ends. Numbers only; the session engine sends the frames.
 */
import { add, diff } from './serial.js';

export class SessionWindow {
  /** transfer-id of the next transfer we send. */
  nextOutgoingId: number;
  /** How many more transfers the peer will accept from us. */
  remoteIncomingWindow = 0;
  /** transfer-id we expect next from the peer (known after its begin). */
  nextIncomingId = 0;
  /** How many more transfers we accept before we must widen the window with a flow. */
  incomingWindow: number;
  /** The peer's outgoing window, as last reported. */
  remoteOutgoingWindow = 0;

  /**
   * @param incomingWindowSize the window we advertise and restore (in transfer frames)
   * @param initialOutgoingId our first transfer-id (0 unless resuming)
   */
  constructor(readonly incomingWindowSize: number, initialOutgoingId = 0) {
    this.incomingWindow = incomingWindowSize;
    this.nextOutgoingId = initialOutgoingId >>> 0;
  }

  /** The peer's begin: its first transfer-id and windows. */
  onRemoteBegin(nextOutgoingId: number, incomingWindow: number, outgoingWindow: number): void {
    this.nextIncomingId = nextOutgoingId >>> 0;
    this.remoteIncomingWindow = incomingWindow >>> 0;
    this.remoteOutgoingWindow = outgoingWindow >>> 0;
  }

  /**
   * A flow from the peer. Its next-incoming-id is absent only before it has seen our begin, in
   * which case it counts from our initial outgoing id.
   */
  onRemoteFlow(nextIncomingId: number | undefined, incomingWindow: number, nextOutgoingId: number, outgoingWindow: number, initialOutgoingId: number): void {
    const base = nextIncomingId === undefined ? initialOutgoingId : nextIncomingId >>> 0;
    const w = diff(add(base, incomingWindow), this.nextOutgoingId);
    this.remoteIncomingWindow = w > 0 ? w : 0;
    this.remoteOutgoingWindow = outgoingWindow >>> 0;
    this.nextIncomingId = nextOutgoingId >>> 0;
  }

  canSend(): boolean {
    return this.remoteIncomingWindow > 0;
  }

  /** Account one outgoing transfer frame; returns its transfer-id. */
  onSend(): number {
    const id = this.nextOutgoingId;
    this.nextOutgoingId = add(id, 1);
    if (this.remoteIncomingWindow > 0) this.remoteIncomingWindow--;
    return id;
  }

  /**
   * Account one incoming transfer frame. Returns false when the peer exceeded our window
   * (a session error: window-violation).
   */
  onReceive(): boolean {
    this.nextIncomingId = add(this.nextIncomingId, 1);
    if (this.remoteOutgoingWindow > 0) this.remoteOutgoingWindow--;
    if (this.incomingWindow === 0) return false;
    this.incomingWindow--;
    return true;
  }

  /** True once half the incoming window is used: time to send a flow restoring it. */
  needsWindowUpdate(): boolean {
    return this.incomingWindow < this.incomingWindowSize / 2;
  }

  restoreIncomingWindow(): void {
    this.incomingWindow = this.incomingWindowSize;
  }
}
