/**
 * A streaming frame parser: bytes arrive in arbitrary chunks (split anywhere, several frames per
 * chunk) and come out as protocol headers, frames and heartbeats.
 *
 * Memory stays bounded: a frame's size is checked against max-frame-size from its first 8 bytes,
 * before anything is buffered; a frame that lies inside one chunk is decoded in place (its payload
 * is a view of that chunk, so chunks must not be reused by the caller); a frame split across
 * chunks is assembled in a buffer allocated for exactly that frame, which the frame then owns
 * (or, with `streamTransfers`, a large transfer is handed over piece by piece as it arrives).
 *
 * After an error the parser stays failed: the byte stream has lost its framing and the
 * connection must be closed.
 */
import {
  AmqpFrame, decodeFastAmqpFrame, decodeFrame, decodeFrameBody, decodeFrameBodyGeneric, FRAME_HEADER_SIZE, FRAME_TYPE, readFrameHeader,
  type Frame, type PayloadPiece,
} from './frame.js';
import {
  checkProtocolHeaderPrefix, MAGIC_AS_SIZE, parseProtocolHeader, PROTOCOL_HEADER_SIZE, type ProtocolHeader,
} from './protocol-header.js';

export type ParserEvent = Frame | ProtocolHeader | PayloadPiece;

export interface FrameParserOptions {
  /** Largest frame accepted (our advertised max-frame-size). Default 4294967295 (no limit). */
  readonly maxFrameSize?: number;
  /** Whether the stream starts with a protocol header (true for a fresh connection). Default true. */
  readonly expectHeader?: boolean;
  /**
   * Hand a large transfer frame that spans chunks over as it arrives: the frame as soon as its
   * performative is in, with the first payload bytes, then the rest of the payload as
   * PayloadPiece events (views of the chunks), instead of assembling the frame first. The
   * receiver copies each piece where the delivery is assembled, or has the transport read it
   * there in the first place (see `streamRest`). Default false.
   */
  readonly streamTransfers?: boolean;
  /** Where a frame assembled across chunks is put (see ConnectionCoreOptions.allocate). */
  readonly allocate?: (size: number) => Uint8Array;
}

const zeroed = (size: number): Uint8Array => new Uint8Array(size);

/** Transfer frames from this size on may be streamed (see FrameParserOptions.streamTransfers). */
const STREAM_MIN_FRAME = 16 * 1024;
/** Bytes copied to decode a streamed frame's header and performative (see FRAME_HEAD_READ). */
const STREAM_PREFIX = 1024;
/**
 * How much to read when the next bytes are most likely the head of another large transfer: as
 * much as its header and performative take (and the payload's first bytes with them), so that
 * the read after it can go straight where the payload belongs.
 */
export const FRAME_HEAD_READ = STREAM_PREFIX;

export class FrameParser {
  /** Frames larger than this are refused. Adjustable once the open exchange has settled it. */
  maxFrameSize: number;
  private expectHeader: boolean;
  private readonly streamTransfers: boolean;
  /** The streamed frame's channel and how many of its payload bytes are still to come. */
  private streamChannel = 0;
  private rest = 0;
  /** A large transfer was streamed, and no whole small delivery has come since. */
  private afterStream = false;
  /** The last transfer frame since a streamed one said `more`. */
  private lastMore = false;
  private readonly allocate: (size: number) => Uint8Array;
  /** After a SASL frame the next protocol header may follow unannounced (AMQP after SASL). */
  private afterSasl = false;
  private readonly chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private head = 0;
  private buffered = 0;
  /** A frame being assembled across chunks, and how much of it has arrived. */
  private partial: Uint8Array | undefined;
  private partialFill = 0;
  private readonly scratch = new Uint8Array(8);
  /** Bytes consumed since the start, so protocol header errors report a stream offset. */
  private consumed = 0;
  private failure: unknown;

  constructor(options: FrameParserOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? 0xffffffff;
    this.expectHeader = options.expectHeader ?? true;
    this.streamTransfers = options.streamTransfers ?? false;
    this.allocate = options.allocate ?? zeroed;
  }

  /** The next bytes are a protocol header (e.g. the AMQP header after a SASL exchange). */
  expectProtocolHeader(): void {
    this.expectHeader = true;
  }

  /** Bytes held but not yet returned as events. */
  get bufferedBytes(): number {
    return this.buffered + this.partialFill;
  }

  /** Payload bytes of the streamed transfer frame still to come (0: none is being streamed). */
  get streamRest(): number {
    return this.rest;
  }

  /** The channel of the frame being streamed (meaningful while streamRest > 0). */
  get streamedChannel(): number {
    return this.streamChannel;
  }

  /**
   * How much to read next when the next bytes are probably the head of another large transfer
   * (one was streamed, and no whole small delivery has come since): what the head still needs
   * of FRAME_HEAD_READ bytes. 0 when there is no such expectation (a read hint only).
   */
  get frameHeadWanted(): number {
    if (!this.afterStream || this.partial !== undefined || this.buffered >= STREAM_PREFIX) return 0;
    return STREAM_PREFIX - this.buffered;
  }

  /** Adds a chunk. Zero-length chunks are ignored. The parser keeps a reference, not a copy. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete event, or undefined until more bytes arrive. Throws on malformed input. */
  next(): ParserEvent | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.step();
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  /** push + every complete event. */
  feed(chunk: Uint8Array): ParserEvent[] {
    this.push(chunk);
    const out: ParserEvent[] = [];
    for (let e = this.next(); e !== undefined; e = this.next()) out.push(e);
    return out;
  }

  private step(): ParserEvent | undefined {
    if (this.rest > 0) return this.continueStream();
    if (this.partial !== undefined) return this.continuePartial();
    if (this.expectHeader) return this.readHeader();
    if (this.buffered < FRAME_HEADER_SIZE) {
      // A truncated 'AMQP' where a frame belongs is only worth reporting once complete.
      return undefined;
    }
    // The usual case: a valid frame lying whole in the first chunk, decoded in place.
    const c = this.chunks[0];
    const at = this.head;
    if (c.length - at >= FRAME_HEADER_SIZE) {
      const size = ((c[at] << 24) | (c[at + 1] << 16) | (c[at + 2] << 8) | c[at + 3]) >>> 0;
      const doff = c[at + 4];
      const type = c[at + 5];
      if (size >= FRAME_HEADER_SIZE && size <= this.maxFrameSize && size !== MAGIC_AS_SIZE && c.length - at >= size &&
        doff >= 2 && doff * 4 <= size && (type === FRAME_TYPE.amqp || type === FRAME_TYPE.sasl)) {
        const channel = (c[at + 6] << 8) | c[at + 7];
        // Transfers, flows and dispositions in place; others from their own view, so that error
        // offsets count from the frame start (the fast path is not tried a second time there).
        const frame = (type === FRAME_TYPE.amqp ? decodeFastAmqpFrame(c, at + doff * 4, at + size, channel) : undefined) ??
          decodeFrameBodyGeneric(c.subarray(at, at + size), 0, size, doff * 4, type === FRAME_TYPE.amqp ? 'amqp' : 'sasl', channel);
        this.consume(size);
        return this.emit(frame);
      }
    }
    const h = this.peek(FRAME_HEADER_SIZE);
    const size = (h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3]) >>> 0;
    if (size === MAGIC_AS_SIZE && (this.afterSasl || size > this.maxFrameSize)) {
      // Not a frame: a protocol header (the AMQP header after SASL, or a peer refusing ours).
      this.expectHeader = true;
      return this.readHeader();
    }
    const header = readFrameHeader(h, 0, this.maxFrameSize);
    const first = this.chunks[0];
    if (first.length - this.head >= header.size) {
      const frame = decodeFrame(first.subarray(this.head, this.head + header.size), 0);
      this.consume(header.size);
      return this.emit(frame);
    }
    if (this.streamTransfers && header.frameType === 'amqp' && header.size >= STREAM_MIN_FRAME) {
      if (this.buffered < STREAM_PREFIX) return undefined;
      const frame = this.streamedFrameHead(header.size, header.bodyOffset, header.channel);
      if (frame !== undefined) {
        this.emit(frame);
        this.afterStream = true;
        return frame;
      }
    }
    // Filled completely before it is decoded, so it need not start zeroed.
    this.partial = this.allocate(header.size);
    this.partialFill = 0;
    return this.continuePartial();
  }

  private continuePartial(): ParserEvent | undefined {
    const buf = this.partial as Uint8Array;
    while (this.partialFill < buf.length && this.buffered > 0) {
      const c = this.chunks[0];
      const n = Math.min(c.length - this.head, buf.length - this.partialFill);
      buf.set(c.subarray(this.head, this.head + n), this.partialFill);
      this.partialFill += n;
      this.consume(n);
    }
    if (this.partialFill < buf.length) return undefined;
    this.partial = undefined;
    this.partialFill = 0;
    return this.emit(decodeFrame(buf, 0));
  }

  /**
   * The transfer frame at the head, its first STREAM_PREFIX bytes buffered: the frame with the
   * payload bytes among them (a copy, as small as the prefix), the rest to follow as pieces.
   * Undefined (nothing consumed) when it is not a transfer whose performative decodes from the
   * prefix; the caller then assembles it (and reports any error) as usual.
   */
  private streamedFrameHead(size: number, bodyOffset: number, channel: number): Frame | undefined {
    const prefix = this.copyFirst(new Uint8Array(STREAM_PREFIX));
    let head: Frame;
    try {
      head = decodeFrameBody(prefix, 0, prefix.length, bodyOffset, 'amqp', channel);
    } catch {
      return undefined;
    }
    if (head.type !== 'amqp' || head.performative.kind !== 'transfer') return undefined;
    this.consume(STREAM_PREFIX);
    this.rest = size - STREAM_PREFIX;
    this.streamChannel = channel;
    this.lastMore = head.performative.more === true;
    return new AmqpFrame(channel, head.performative, head.payloadBuffer(), head.payloadStart(), head.payloadEnd(), this.rest);
  }

  /** The next piece of the streamed frame's payload: what the first chunk holds of it. */
  private continueStream(): PayloadPiece | undefined {
    if (this.buffered === 0) return undefined;
    const c = this.chunks[0];
    const k = Math.min(c.length - this.head, this.rest);
    const bytes = c.subarray(this.head, this.head + k);
    this.consume(k);
    this.rest -= k;
    return { type: 'payload', channel: this.streamChannel, bytes, rest: this.rest };
  }

  /** The first `into.length` unconsumed bytes (they may span chunks), copied into `into`. */
  private copyFirst(into: Uint8Array): Uint8Array {
    const n = into.length;
    let filled = 0;
    let off = this.head;
    for (let i = 0; filled < n; i++) {
      const c = this.chunks[i];
      const k = Math.min(c.length - off, n - filled);
      into.set(c.subarray(off, off + k), filled);
      filled += k;
      off = 0;
    }
    return into;
  }

  private readHeader(): ParserEvent | undefined {
    if (this.buffered === 0) return undefined;
    const n = Math.min(this.buffered, PROTOCOL_HEADER_SIZE);
    checkProtocolHeaderPrefix(this.peek(n), this.consumed);
    if (n < PROTOCOL_HEADER_SIZE) return undefined;
    const header = parseProtocolHeader(this.peek(PROTOCOL_HEADER_SIZE), this.consumed);
    this.consume(PROTOCOL_HEADER_SIZE);
    this.expectHeader = false;
    this.afterSasl = false;
    return header;
  }

  private emit(frame: Frame): Frame {
    this.afterSasl = frame.type === 'sasl';
    // After a streamed transfer, large deliveries are over once a whole small one arrives: a
    // transfer without `more` after one without it. The last frame of a large delivery, and the
    // flows and dispositions between deliveries, say nothing about what comes next.
    if (this.afterStream && frame.type === 'amqp' && frame.performative.kind === 'transfer') {
      const more = frame.performative.more === true;
      if (!more && !this.lastMore) this.afterStream = false;
      this.lastMore = more;
    }
    return frame;
  }

  /** The first n (<= 8) unconsumed bytes, copied into scratch (they may span chunks). */
  private peek(n: number): Uint8Array {
    return this.copyFirst(this.scratch.subarray(0, n));
  }

  private consume(n: number): void {
    this.buffered -= n;
    this.consumed += n;
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      const k = Math.min(c.length - this.head, left);
      this.head += k;
      left -= k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
  }
}
