/**
 * Which frame an ERROR answers. STOMP ERROR frames rarely say: RabbitMQ 3.10 names neither the
 * subscription nor the receipt when it refuses a SUBSCRIBE or a SEND (it sends the ERROR, then
 * even the RECEIPT the refused frame asked for, then closes). But brokers handle a connection's
 * frames in order, so when an ERROR arrives, every receipted frame written before the culprit has
 * already had its RECEIPT. Hence the rule, per connection:
 *
 *   the culprit is the frame whose receipt the ERROR names (`receipt-id`), else the oldest frame
 *   still waiting for its RECEIPT; with nothing waiting, the ERROR is the connection's own.
 *
 * It holds for frames that ask for receipts; a frame written without one (an ACK, an UNSUBSCRIBE,
 * a SUBSCRIBE without `receipt`) is invisible to it, so an ERROR it causes while receipted frames
 * wait would be blamed on the oldest of them. The session asks for receipts wherever the rule
 * must work (`stompClient` on every SUBSCRIBE and SEND).
 *
 * An ERROR that cannot be about the frame as we wrote it is nobody's: the frame reached the broker
 * damaged (a flipped byte on the way), and the answer is to reconnect and send it again, not to
 * fail the application's stream with a StompDestinationError. See {@link damagedInTransit}.
 */
import { StompAuthenticationError, StompDestinationError, StompError } from '../errors.js';
import type { ReceiptWaiter, StompWire } from './wire.js';

/** The frame behind a receipt, enough to name it in a {@link StompDestinationError}. */
export interface ReceiptedFrame {
  readonly command: string;
  /** SUBSCRIBE and SEND only: the destination (their ERRORs become StompDestinationErrors). */
  readonly destination?: string;
  /** SUBSCRIBE only: the subscription id. */
  readonly subscription?: string;
}

/** The receipts one session waits for, in the order their frames were written (see the file comment). */
export class ReceiptOrder {
  /** Frames waiting for their RECEIPT, by receipt id; a Map iterates in insertion order, i.e. write order. */
  private readonly waiting = new Map<string, ReceiptedFrame>();
  /** The verdict on the error that ended the connection, computed once, before anything is removed. */
  private verdict: { readonly error: Error; readonly receipt: string | undefined } | undefined;

  constructor(private readonly wire: StompWire) {}

  /**
   * Like `wire.watchReceipt`, keeping the order. When the connection fails and the rule blames
   * this frame, `waiter` is rejected with a {@link StompDestinationError} (for SUBSCRIBE and SEND)
   * instead of the bare StompError every other waiter gets.
   */
  watch(id: string, frame: ReceiptedFrame, waiter: ReceiptWaiter): void {
    this.waiting.set(id, frame);
    this.wire.watchReceipt(id, {
      resolve: () => { this.waiting.delete(id); waiter.resolve(); },
      reject: (e) => {
        const blamed = this.culprit(e) === id;
        this.waiting.delete(id);
        waiter.reject(blamed ? attributed(e as StompError, frame) : e);
      },
    });
  }

  /** `watch` as a promise (undefined resolves at once). */
  receipt(id: string | undefined, frame: ReceiptedFrame): Promise<void> {
    if (id === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.watch(id, frame, { resolve, reject }));
  }

  /** The receipt id `error` is blamed on, if any. Every waiter is rejected with the same error object. */
  private culprit(error: Error): string | undefined {
    if (this.verdict?.error !== error) {
      // A refused login happens before any receipt; anything that is not an ERROR frame (a lost
      // socket, a heart-beat timeout, a protocol breach) is nobody's frame.
      const frameError = error instanceof StompError && !(error instanceof StompAuthenticationError);
      const oldest = this.waiting.entries().next();
      let receipt = !frameError ? undefined : error.receiptId ?? (oldest.done === true ? undefined : oldest.value[0]);
      const frame = receipt === undefined ? undefined : this.waiting.get(receipt);
      if (frame !== undefined && damagedInTransit(error as StompError, frame)) receipt = undefined;
      this.verdict = { error, receipt };
    }
    return this.verdict.receipt;
  }
}

/**
 * Whether `e` says something of `frame` that is not true of the frame we wrote, so that what the
 * broker read was damaged on the way. We only ever write known commands and a destination on SEND
 * and SUBSCRIBE; RabbitMQ 3.10 (measured with byte-flipping) answers a damaged command with
 * "Bad command", a damaged `destination` header name with "Missing destination", and a damaged
 * destination with "'/qveue/x' is not a valid destination" quoting what it read.
 */
export function damagedInTransit(e: StompError, frame: ReceiptedFrame): boolean {
  const message = (e.brokerMessage ?? '').trim().toLowerCase();
  if (message === 'bad command') return true;
  if (frame.destination === undefined) return false;
  if (message === 'missing destination') return true;
  const quoted = /'([^']*)' is not a valid destination/.exec(e.text);
  return quoted !== null && quoted[1] !== frame.destination;
}

/** `e` as the error of `frame`: a StompDestinationError where the frame has a destination. */
function attributed(e: StompError, frame: ReceiptedFrame): Error {
  if (frame.destination === undefined) return e;
  return new StompDestinationError(e.headers, e.body, { command: frame.command, destination: frame.destination, subscription: frame.subscription });
}
