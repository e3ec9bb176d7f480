/** The typed error of a received delivery that is not a message (kept apart so that warnings.ts and receiver.ts need not import each other). */
import { DecodeError } from '../../errors.js';

/**
 * A delivery whose bytes are not a message: its sections do not decode. The delivery was
 * rejected to the sender with amqp:decode-error (unless the sender had settled it already), so
 * the broker does not redeliver it; it is reported as a warning (`undecodable-message`), or fails the stream it arrived on with
 * `onDecodeError: 'error'`.
 */
export class MessageDecodeError extends DecodeError {
  /** The session's delivery-id of the transfer. */
  readonly deliveryId: number;
  /** The link it arrived on. */
  readonly linkName: string;
  /** Whether a rejection went back to the sender (false: the sender had settled it). */
  readonly rejected: boolean;
  constructor(cause: DecodeError, deliveryId: number, linkName: string, rejected: boolean) {
    super(`message ${deliveryId} on ${linkName} does not decode: ${cause.reason}`, cause.offset);
    this.deliveryId = deliveryId;
    this.linkName = linkName;
    this.rejected = rejected;
  }
}

