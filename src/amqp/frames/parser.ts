/**
 * A streaming frame parser: bytes arrive in arbitrary chunks (split anywhere, several frames per
 * chunk) and come out as protocol headers, frames and heartbeats.
 *
 * Memory stays bounded: a frame's size is checked against max-frame-size from its first 8 bytes,
 * before anything is buffered; a frame that lies inside one chunk is decoded in place (its payload
 * is a view of that chunk, so chunks must not be reused by the caller); a frame split across
 * chunks is assembled in a buffer allocated for exactly that frame, which the frame then owns.
 *
 * After an error the parser stays failed: the byte stream has lost its framing and the
 * connection must be closed.
 */
import { decodeFastAmqpFrame, decodeFrame, decodeFrameBody, decodeFrameBodyGeneric, FRAME_HEADER_SIZE, FRAME_TYPE, readFrameHeader, type Frame } from './frame.js';
import {
  checkProtocolHeaderPrefix, MAGIC_AS_SIZE, parseProtocolHeader, PROTOCOL_HEADER_SIZE, type ProtocolHeader,
} from './protocol-header.js';

export type ParserEvent = Frame | ProtocolHeader;

export interface FrameParserOptions {
  /** Largest frame accepted (our advertised max-frame-size). Default 4294967295 (no limit). */
  readonly maxFrameSize?: number;
  /** Whether the stream starts with a protocol header (true for a fresh connection). Default true. */
  readonly expectHeader?: boolean;
  /**
   * Hand a large AMQP frame that spans chunks over as `payloadParts` (views of the chunks) rather
   * than assembling it into one buffer first. Default false.
   */
  readonly payloadParts?: boolean;
  /** Where a frame assembled across chunks is put (see ConnectionCoreOptions.allocate). */
  readonly allocate?: (size: number) => Uint8Array;
}

const zeroed = (size: number): Uint8Array => new Uint8Array(size);

/** Frames from this size on may be handed over in parts (see FrameParserOptions.payloadParts). */
const PARTS_MIN_FRAME = 16 * 1024;
/** Bytes copied to decode a large frame's header and performative. */
const PARTS_PREFIX = 1024;
const EMPTY = new Uint8Array(0);

export class FrameParser {
  /** Frames larger than this are refused. Adjustable once the open exchange has settled it. */
  maxFrameSize: number;
  private expectHeader: boolean;
  private readonly payloadParts: boolean;
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
    this.payloadParts = options.payloadParts ?? false;
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
    if (this.payloadParts && header.frameType === 'amqp' && header.size >= PARTS_MIN_FRAME) {
      // Hold the chunks (as many bytes as the frame, bounded like the assembly buffer would be).
      if (this.buffered < header.size) return undefined;
      const frame = this.largeFrameInParts(header.size, header.bodyOffset, header.channel);
      if (frame !== undefined) return this.emit(frame);
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
   * The frame at the head, all `size` bytes buffered, with its payload as views of the chunks.
   * Undefined (nothing consumed) when its performative does not decode from the first bytes; the
   * caller then assembles it (and reports any error) as usual.
   */
  private largeFrameInParts(size: number, bodyOffset: number, channel: number): Frame | undefined {
    const prefix = this.copyOut(0, Math.min(size, PARTS_PREFIX));
    let head: Frame;
    try {
      head = decodeFrameBody(prefix, 0, prefix.length, bodyOffset, 'amqp', channel);
    } catch {
      return undefined;
    }
    if (head.type !== 'amqp') return undefined;
    const payloadStart = prefix.length - head.payload.length;
    const parts = this.viewsOf(payloadStart, size);
    this.consume(size);
    return { type: 'amqp', channel, performative: head.performative, payload: EMPTY, payloadParts: parts };
  }

  /** A copy of the unconsumed bytes [from, to) (relative to the read position). */
  private copyOut(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    let filled = 0;
    for (const v of this.viewsOf(from, to)) { out.set(v, filled); filled += v.length; }
    return out;
  }

  /** Views of the unconsumed bytes [from, to) (relative to the read position), across chunks. */
  private viewsOf(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let skip = from;
    let need = to - from;
    let off = this.head;
    for (let i = 0; need > 0 && i < this.chunks.length; i++) {
      const c = this.chunks[i];
      let avail = c.length - off;
      if (skip >= avail) { skip -= avail; off = 0; continue; }
      off += skip;
      avail -= skip;
      skip = 0;
      const k = Math.min(avail, need);
      out.push(c.subarray(off, off + k));
      need -= k;
      off = 0;
    }
    return out;
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
    return frame;
  }

  /** The first n (<= 8) unconsumed bytes, copied into scratch (they may span chunks). */
  private peek(n: number): Uint8Array {
    let filled = 0;
    let off = this.head;
    for (let i = 0; filled < n; i++) {
      const c = this.chunks[i];
      const k = Math.min(c.length - off, n - filled);
      this.scratch.set(c.subarray(off, off + k), filled);
      filled += k;
      off = 0;
    }
    return this.scratch.subarray(0, n);
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
