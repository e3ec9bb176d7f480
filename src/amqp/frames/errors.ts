/**
 * Typed errors of the frame layer. All are DecodeErrors (bad bytes from the peer), refined so the
 * connection engine can pick the close condition and a clear message without parsing text.
 */
import { DecodeError } from '../../errors.js';

/**
 * The peer's protocol header is not AMQP 1.0 (or SASL for AMQP 1.0): typically a plain-HTTP
 * endpoint, an AMQP 0-9-1 broker (RabbitMQ without its AMQP 1.0 plugin), or a TLS-only port.
 */
export class ProtocolHeaderError extends DecodeError {
  /** The bytes received where the header was expected (up to 8). */
  readonly received: Uint8Array;
  /** What the bytes look like (`HTTP`, `AMQP 0-9-1`, `AMQP TLS 1.0.0`...). */
  readonly peerProtocol: string;
  constructor(received: Uint8Array, peerProtocol: string, offset = 0) {
    super(`peer does not speak AMQP 1.0: it sent ${peerProtocol} (${hex(received)})`, offset);
    this.received = received;
    this.peerProtocol = peerProtocol;
  }
}

/** A frame header violates the framing rules (size, data offset, frame type). */
export class FramingError extends DecodeError {
  /** The AMQP error condition to close the connection with. */
  readonly condition = 'amqp:connection:framing-error';
}

/** A frame larger than the negotiated max-frame-size (or smaller than its 8-byte header). */
export class FrameSizeError extends FramingError {
  readonly size: number;
  readonly maxFrameSize: number;
  constructor(size: number, maxFrameSize: number, offset = 0) {
    super(size < 8
      ? `frame size ${size} is smaller than the 8-byte frame header`
      : `frame size ${size} exceeds max-frame-size ${maxFrameSize}`, offset);
    this.size = size;
    this.maxFrameSize = maxFrameSize;
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
