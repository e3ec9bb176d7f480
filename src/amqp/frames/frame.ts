/**
 * AMQP frames (transport section 2.3): an 8-byte header (size u32, doff u8, type u8, channel u16),
 * an extended header of doff*4-8 bytes that we skip, the performative, and for transfers the
 * message bytes. A frame with no body is a heartbeat.
 */
import { EncodeError } from '../../errors.js';
import { ByteReader } from '../codec/decoder.js';
import { ByteWriter } from '../codec/writer.js';
import { readComposite, writeComposite, compositeDefinition } from './composite.js';
import type { Performative, SaslFrameBody } from './definitions.generated.js';
import { Code } from '../codec/constructors.js';
import { FrameSizeError, FramingError } from './errors.js';
import { fastReadEnd, readPerformativeFast, writePerformativeFast } from './fast-performatives.js';

export const FRAME_HEADER_SIZE = 8;
/** Frame type codes. */
export const FRAME_TYPE = { amqp: 0x00, sasl: 0x01 } as const;

/**
 * An AMQP frame. Its payload stays where it lies in the bytes it was decoded from (or written
 * from): `payload` is a view of them made on first read, and a receiver reads a transfer's
 * message from the buffer and offsets instead (`payloadBuffer`, `payloadStart`, `payloadEnd`),
 * since making a typed array costs more than the rest of a small message's frame. The buffer is
 * the parser's input, whose bytes are never rewritten. Private (#) fields are not properties: a
 * frame's keys are `type`, `channel`, `performative` and, when set, `payloadRest`.
 */
export class AmqpFrame {
  readonly type = 'amqp' as const;
  readonly channel: number;
  readonly performative: Performative;
  /**
   * Set by a parser created with `streamTransfers: true` for a large transfer frame that had not
   * arrived whole: the payload is then only the payload's first bytes, and this many more follow
   * as PayloadPiece events, before any other frame.
   */
  declare readonly payloadRest?: number;
  readonly #bytes: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  #view: Uint8Array | undefined;

  /** The frame whose payload is bytes[start, end). */
  constructor(channel: number, performative: Performative, bytes: Uint8Array, start: number, end: number, payloadRest?: number) {
    this.channel = channel;
    this.performative = performative;
    if (payloadRest !== undefined) this.payloadRest = payloadRest;
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    this.#view = undefined;
  }

  /** The bytes after the performative (a transfer's message bytes): a view, not a copy. */
  get payload(): Uint8Array {
    return (this.#view ??= payloadOf(this.#bytes, this.#start, this.#end));
  }

  /** The buffer the payload lies in, from {@link payloadStart} to {@link payloadEnd}. */
  payloadBuffer(): Uint8Array { return this.#bytes; }
  payloadStart(): number { return this.#start; }
  payloadEnd(): number { return this.#end; }
}

/**
 * More payload of the streamed transfer frame before it (see AmqpFrame.payloadRest): `bytes` is
 * a view of the chunk they arrived in, `rest` how many are still to come (0: the frame is whole).
 */
export interface PayloadPiece {
  readonly type: 'payload';
  readonly channel: number;
  readonly bytes: Uint8Array;
  readonly rest: number;
}

export interface SaslFrame {
  readonly type: 'sasl';
  readonly channel: number;
  readonly performative: SaslFrameBody;
  readonly payload: Uint8Array;
}

/** An AMQP frame without a body: keeps the connection's idle timer alive. */
export interface HeartbeatFrame {
  readonly type: 'heartbeat';
  readonly channel: number;
}

export type Frame = AmqpFrame | SaslFrame | HeartbeatFrame;

/** The fixed part of a frame header, validated. */
export interface FrameHeader {
  readonly size: number;
  /** Offset of the frame body from the frame start (doff * 4). */
  readonly bodyOffset: number;
  readonly frameType: 'amqp' | 'sasl';
  readonly channel: number;
}

/**
 * Reads and validates the 8 header bytes at `start`. `maxFrameSize` is checked here so that the
 * parser can refuse a frame before buffering it.
 */
export function readFrameHeader(bytes: Uint8Array, start: number, maxFrameSize = 0xffffffff): FrameHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, FRAME_HEADER_SIZE);
  const size = view.getUint32(0);
  if (size < FRAME_HEADER_SIZE || size > maxFrameSize) throw new FrameSizeError(size, maxFrameSize, start);
  const doff = view.getUint8(4);
  if (doff < 2) throw new FramingError(`frame data offset ${doff} is below the minimum of 2`, start + 4);
  if (doff * 4 > size) throw new FramingError(`frame data offset ${doff} (${doff * 4} bytes) runs past the frame size ${size}`, start + 4);
  const t = view.getUint8(5);
  if (t !== FRAME_TYPE.amqp && t !== FRAME_TYPE.sasl) {
    throw new FramingError(`unknown frame type 0x${t.toString(16).padStart(2, '0')}`, start + 5);
  }
  return { size, bodyOffset: doff * 4, frameType: t === FRAME_TYPE.amqp ? 'amqp' : 'sasl', channel: view.getUint16(6) };
}

/**
 * Decodes one complete frame occupying bytes[start, start + size). The payload is a subarray of
 * `bytes`, so the caller must not overwrite those bytes while the frame is in use.
 */
export function decodeFrame(bytes: Uint8Array, start = 0, maxFrameSize?: number): Frame {
  if (bytes.length - start < FRAME_HEADER_SIZE) {
    throw new FramingError(`need ${FRAME_HEADER_SIZE} frame header bytes, have ${bytes.length - start}`, start);
  }
  const h = readFrameHeader(bytes, start, maxFrameSize);
  const end = start + h.size;
  if (end > bytes.length) throw new FramingError(`frame size ${h.size} runs past the ${bytes.length - start} bytes given`, start);
  return decodeFrameBody(bytes, start, end, start + h.bodyOffset, h.frameType, h.channel);
}

/**
 * Decodes a frame whose header has been validated (readFrameHeader's checks): the body is
 * bytes[bodyStart, end). The payload is a subarray of `bytes`.
 */
export function decodeFrameBody(
  bytes: Uint8Array, start: number, end: number, bodyStart: number, frameType: 'amqp' | 'sasl', channel: number,
): Frame {
  if (frameType === 'amqp') {
    const fast = decodeFastAmqpFrame(bytes, bodyStart, end, channel);
    if (fast !== undefined) return fast;
  }
  return decodeFrameBodyGeneric(bytes, start, end, bodyStart, frameType, channel);
}

/** {@link decodeFrameBody} without the fast path, for a caller that has tried it already. */
export function decodeFrameBodyGeneric(
  bytes: Uint8Array, start: number, end: number, bodyStart: number, frameType: 'amqp' | 'sasl', channel: number,
): Frame {
  if (bodyStart === end) {
    if (frameType === 'sasl') throw new FramingError('empty SASL frame', start);
    return { type: 'heartbeat', channel };
  }
  const r = new ByteReader(bytes, bodyStart, end);
  if (frameType === 'amqp') {
    const performative = readComposite(r, 'frame');
    return new AmqpFrame(channel, performative, bytes, r.pos, end);
  }
  const performative = readComposite(r, 'sasl-frame');
  return { type: 'sasl', channel, performative, payload: bytes.subarray(r.pos, end) };
}

/**
 * The AMQP frame with body bytes[bodyStart, end) when its performative is one the fast reader
 * takes (fast-performatives.ts), else undefined. It never throws, so the parser runs it on the
 * read chunk itself and makes a view of the frame (for error offsets from the frame start) only
 * for the generic path.
 */
export function decodeFastAmqpFrame(bytes: Uint8Array, bodyStart: number, end: number, channel: number): AmqpFrame | undefined {
  if (bytes[bodyStart] !== Code.described || bytes[bodyStart + 1] !== Code.smallulong || bodyStart + 2 >= end) return undefined;
  const performative = readPerformativeFast(bytes[bodyStart + 2], bytes, bodyStart + 3, end);
  return performative === undefined ? undefined : new AmqpFrame(channel, performative, bytes, fastReadEnd(), end);
}

/** The bytes after the performative; one shared empty array for the many frames without any. */
const payloadOf = (bytes: Uint8Array, from: number, end: number): Uint8Array => (from === end ? NO_PAYLOAD : bytes.subarray(from, end));
const NO_PAYLOAD = new Uint8Array(0);

/**
 * Appends a frame: header, performative, payload (one array, or pieces written one after
 * another). SASL bodies get frame type 0x01, performatives 0x00 (decided by the table's
 * archetypes). Returns the frame's size in bytes.
 */
export function writeFrame(
  w: ByteWriter,
  channel: number,
  performative: Performative | SaslFrameBody,
  payload?: Uint8Array | readonly Uint8Array[],
): number {
  if (payload === undefined || payload instanceof Uint8Array) {
    const size = writeFrameHead(w, channel, performative, payload === undefined ? 0 : payload.length);
    if (payload !== undefined && payload.length > 0) w.bytes(payload);
    return size;
  }
  let n = 0;
  for (const p of payload) n += p.length;
  const size = writeFrameHead(w, channel, performative, n);
  for (const p of payload) w.bytes(p);
  return size;
}

/**
 * Appends a frame's header and performative, with the size field counting `payloadLength` more
 * bytes that the caller sends right after (by reference, for large message bodies). Returns the
 * frame's size in bytes.
 */
export function writeFrameHead(
  w: ByteWriter,
  channel: number,
  performative: Performative | SaslFrameBody,
  payloadLength: number,
): number {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffff) {
    throw new EncodeError(`frame channel must be an integer in [0, 65535], got ${String(channel)}`);
  }
  const start = w.pos;
  const kind = performative.kind;
  // Only SASL bodies start with 's' (checked once per frame, before any string comparison).
  const sasl = kind.charCodeAt(0) === 0x73 && kind.startsWith('sasl-') && compositeDefinition(kind).provides.includes('sasl-frame');
  w.ensure(FRAME_HEADER_SIZE);
  const b = w.buf;
  // Size (patched below), data offset 2 (no extended header), frame type, channel.
  b[start + 4] = 2;
  b[start + 5] = sasl ? FRAME_TYPE.sasl : FRAME_TYPE.amqp;
  b[start + 6] = channel >>> 8;
  b[start + 7] = channel & 0xff;
  w.pos = start + FRAME_HEADER_SIZE;
  if (!writePerformativeFast(w, performative)) writeComposite(w, performative);
  const size = w.pos - start + payloadLength;
  w.view.setUint32(start, size);
  return size;
}

/** Appends an empty frame (heartbeat) on channel 0. */
export function writeHeartbeat(w: ByteWriter): void {
  w.u32(FRAME_HEADER_SIZE);
  w.u8(2);
  w.u8(FRAME_TYPE.amqp);
  w.u16(0);
}

/** Encodes one frame to fresh bytes (tests, tools; the engine writes into its own ByteWriter). */
export function encodeFrame(channel: number, performative: Performative | SaslFrameBody, payload?: Uint8Array): Uint8Array {
  const w = new ByteWriter(256 + (payload?.length ?? 0));
  writeFrame(w, channel, performative, payload);
  return w.toBytes();
}
