/**
 * Codec errors: malformed frames on input, unrepresentable frames on output, and exceeded limits.
 */
import { DecodeError, EncodeError } from '../../errors.js';

/** A received frame breaks the STOMP grammar (bad command, header line, escape, length, UTF-8). */
export class StompDecodeError extends DecodeError {}

/** A received frame is larger than a configured limit. */
export class StompLimitError extends StompDecodeError {
  /** Which limit: frame size, header count or header length. */
  readonly limit: 'maxFrameSize' | 'maxHeaders' | 'maxHeaderLength';
  constructor(limit: 'maxFrameSize' | 'maxHeaders' | 'maxHeaderLength', message: string, offset: number) {
    super(message, offset);
    this.limit = limit;
  }
}

/** A frame cannot be written in the requested version (e.g. a newline in a STOMP 1.0 header). */
export class StompEncodeError extends EncodeError {}
