/**
 * AMQP 1.0 decoder: accepts every encoding of the specification and keeps every type, so that
 * `encode(decode(bytes))` preserves the typed value. Hostile input gets a DecodeError with the
 * offset, never a crash, a hang, a deep recursion or an allocation sized by an untrusted field.
 */
import { DecodeError } from '../../errors.js';
import { asciiText, cachedAsciiText, CACHED_TEXT_MAX } from './ascii.js';
import { Code } from './constructors.js';
import { copyBytes } from './slab.js';
import type { AmqpArray, AmqpValue } from './types.js';

/** Limits applied while decoding untrusted bytes. */
export interface DecodeLimits {
  /** Deepest nesting of lists, maps, arrays and described values (default 64). */
  readonly maxDepth?: number;
  /**
   * Most elements an array of zero-width elements (null, true, false, uint0, ulong0) may claim.
   * Such counts are not bounded by the bytes present, so they need their own cap (default 65536).
   */
  readonly maxZeroWidthElements?: number;
}

/** Default of {@link DecodeLimits.maxDepth}: how deeply compound values may nest. */
export const DEFAULT_MAX_DEPTH = 64;
/** Default of {@link DecodeLimits.maxZeroWidthElements}. */
export const DEFAULT_MAX_ZERO_WIDTH_ELEMENTS = 65536;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A cursor over bytes. Exposed so that the frame layer can decode values in place. */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  /** Exclusive end of the readable region. */
  end: number;
  readonly maxDepth: number;
  readonly maxZeroWidth: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length, limits: DecodeLimits = {}) {
    // A subclass such as Node's Buffer overrides slice() to return a view: decoded binaries would
    // then alias the caller's (often reused) input. A plain view makes slice() copy again.
    this.bytes = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
    this.maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxZeroWidth = limits.maxZeroWidthElements ?? DEFAULT_MAX_ZERO_WIDTH_ELEMENTS;
  }

  /** Fails unless `n` more bytes are present; returns the start position and advances. */
  take(n: number): number {
    const p = this.pos;
    if (n > this.end - p) {
      throw new DecodeError(`truncated: need ${n} bytes, ${this.end - p} left`, p);
    }
    this.pos = p + n;
    return p;
  }

  u8(): number {
    return this.bytes[this.take(1)];
  }
}

/**
 * Decode exactly one AMQP value from `bytes`. Trailing bytes are an error: a caller that reads a
 * sequence of values (frames, message sections) uses `readValue` on a ByteReader instead.
 */
export function decode(bytes: Uint8Array, limits?: DecodeLimits): AmqpValue {
  const r = new ByteReader(bytes, 0, bytes.length, limits);
  const v = readValue(r, 0);
  if (r.pos !== r.end) throw new DecodeError(`${r.end - r.pos} trailing bytes after the value`, r.pos);
  return v;
}

/** Read one value (constructor and data) at the reader's position. */
export function readValue(r: ByteReader, depth: number): AmqpValue {
  const at = r.pos;
  const code = r.u8();
  if (code === Code.described) {
    if (depth >= r.maxDepth) throw new DecodeError(`nesting deeper than ${r.maxDepth}`, at);
    const descriptor = readValue(r, depth + 1);
    const value = readValue(r, depth + 1);
    return { type: 'described', descriptor, value };
  }
  return readData(r, code, at, depth);
}

const CACHED_TRUE: AmqpValue = Object.freeze({ type: 'boolean', value: true });
const CACHED_FALSE: AmqpValue = Object.freeze({ type: 'boolean', value: false });
const CACHED_NULL: AmqpValue = Object.freeze({ type: 'null', value: null });

/** Read the data of a value whose (non-described) constructor `code` was already consumed. */
function readData(r: ByteReader, code: number, at: number, depth: number): AmqpValue {
  const v = r.view;
  switch (code) {
    case Code.null: return CACHED_NULL;
    case Code.true: return CACHED_TRUE;
    case Code.false: return CACHED_FALSE;
    case Code.boolean: {
      const b = r.u8();
      if (b > 1) throw new DecodeError(`boolean byte must be 0 or 1, got ${b}`, r.pos - 1);
      return b === 1 ? CACHED_TRUE : CACHED_FALSE;
    }
    case Code.uint0: return { type: 'uint', value: 0 };
    case Code.ulong0: return { type: 'ulong', value: 0n };
    case Code.list0: return { type: 'list', value: [] };
    case Code.ubyte: return { type: 'ubyte', value: r.u8() };
    case Code.byte: return { type: 'byte', value: v.getInt8(r.take(1)) };
    case Code.smalluint: return { type: 'uint', value: r.u8() };
    case Code.smallulong: return { type: 'ulong', value: BigInt(r.u8()) };
    case Code.smallint: return { type: 'int', value: v.getInt8(r.take(1)) };
    case Code.smalllong: return { type: 'long', value: BigInt(v.getInt8(r.take(1))) };
    case Code.ushort: return { type: 'ushort', value: v.getUint16(r.take(2)) };
    case Code.short: return { type: 'short', value: v.getInt16(r.take(2)) };
    case Code.uint: return { type: 'uint', value: v.getUint32(r.take(4)) };
    case Code.int: return { type: 'int', value: v.getInt32(r.take(4)) };
    case Code.float: return { type: 'float', value: v.getFloat32(r.take(4)) };
    case Code.char: return { type: 'char', value: readCodePoint(r) };
    case Code.decimal32: return { type: 'decimal32', value: copy(r, 4) };
    case Code.ulong: return { type: 'ulong', value: v.getBigUint64(r.take(8)) };
    case Code.long: return { type: 'long', value: v.getBigInt64(r.take(8)) };
    case Code.double: return { type: 'double', value: v.getFloat64(r.take(8)) };
    case Code.timestamp: return { type: 'timestamp', value: v.getBigInt64(r.take(8)) };
    case Code.decimal64: return { type: 'decimal64', value: copy(r, 8) };
    case Code.decimal128: return { type: 'decimal128', value: copy(r, 16) };
    case Code.uuid: return { type: 'uuid', value: copy(r, 16) };
    case Code.vbin8: return { type: 'binary', value: copy(r, r.u8()) };
    case Code.vbin32: return { type: 'binary', value: copy(r, v.getUint32(r.take(4))) };
    case Code.str8: return { type: 'string', value: readUtf8(r, r.u8()) };
    case Code.str32: return { type: 'string', value: readUtf8(r, v.getUint32(r.take(4))) };
    case Code.sym8: return { type: 'symbol', value: readAscii(r, r.u8()) };
    case Code.sym32: return { type: 'symbol', value: readAscii(r, v.getUint32(r.take(4))) };
    case Code.list8: return readList(r, 1, at, depth);
    case Code.list32: return readList(r, 4, at, depth);
    case Code.map8: return readMap(r, 1, at, depth);
    case Code.map32: return readMap(r, 4, at, depth);
    case Code.array8: return readArray(r, 1, at, depth);
    case Code.array32: return readArray(r, 4, at, depth);
    default:
      throw new DecodeError(`unknown format code 0x${code.toString(16).padStart(2, '0')}`, at);
  }
}

function copy(r: ByteReader, n: number): Uint8Array {
  const p = r.take(n);
  return copyBytes(r.bytes, p, p + n);
}

function readCodePoint(r: ByteReader): number {
  const p = r.take(4);
  const cp = r.view.getUint32(p);
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    throw new DecodeError(`char is not a Unicode scalar value: 0x${cp.toString(16)}`, p);
  }
  return cp;
}

/**
 * Short ASCII strings are made directly (see ascii.ts): TextDecoder's call overhead dominates
 * below ~32 bytes. Anything else is decoded strictly (invalid UTF-8 is a DecodeError).
 */
export function readUtf8(r: ByteReader, n: number): string {
  return utf8Text(r.bytes, r.take(n), n);
}

/** The string in b[p, p + n), which the caller has bounds-checked; invalid UTF-8 is a DecodeError. */
export function utf8Text(b: Uint8Array, p: number, n: number): string {
  if (n <= CACHED_TEXT_MAX) {
    const s = cachedAsciiText(b, p, p + n);
    if (s !== undefined) return s;
  }
  try {
    return fatalUtf8.decode(b.subarray(p, p + n));
  } catch {
    throw new DecodeError('invalid UTF-8 in string', p);
  }
}

function readAscii(r: ByteReader, n: number): string {
  const p = r.take(n);
  const b = r.bytes;
  for (let i = p; i < p + n; i++) {
    if (b[i] >= 0x80) throw new DecodeError('symbol contains a non-ASCII byte', i);
  }
  if (n <= CACHED_TEXT_MAX) return cachedAsciiText(b, p, p + n) as string;
  return n <= 64 ? asciiText(b, p, p + n) : fatalUtf8.decode(b.subarray(p, p + n));
}

/**
 * Reads the size and count of a compound value and returns the end offset of its body.
 * The count is checked against the bytes actually present before anything is allocated.
 */
function readCompoundHeader(r: ByteReader, width: 1 | 4, at: number, minElementBytes: number): { end: number; count: number } {
  const size = width === 1 ? r.u8() : r.view.getUint32(r.take(4));
  if (size < width) throw new DecodeError(`compound size ${size} is smaller than its count field`, at);
  const bodyStart = r.pos;
  if (size > r.end - bodyStart) {
    throw new DecodeError(`compound size ${size} runs past the data (${r.end - bodyStart} bytes left)`, at);
  }
  const end = bodyStart + size;
  const count = width === 1 ? r.u8() : r.view.getUint32(r.take(4));
  if (minElementBytes > 0 && count * minElementBytes > end - r.pos) {
    throw new DecodeError(`count ${count} cannot fit in ${end - r.pos} bytes`, at);
  }
  return { end, count };
}

function enter(r: ByteReader, depth: number, at: number): void {
  if (depth >= r.maxDepth) throw new DecodeError(`nesting deeper than ${r.maxDepth}`, at);
}

/** Decodes elements within [pos, end) and insists the declared size was exactly consumed. */
function withinBounds<T>(r: ByteReader, end: number, at: number, kind: string, body: () => T): T {
  const outerEnd = r.end;
  r.end = end;
  const result = body();
  r.end = outerEnd;
  if (r.pos !== end) throw new DecodeError(`${kind} size does not match its content`, at);
  return result;
}

function readList(r: ByteReader, width: 1 | 4, at: number, depth: number): AmqpValue {
  enter(r, depth, at);
  const { end, count } = readCompoundHeader(r, width, at, 1);
  return withinBounds(r, end, at, 'list', () => {
    const items: AmqpValue[] = new Array(count);
    for (let i = 0; i < count; i++) items[i] = readValue(r, depth + 1);
    return { type: 'list', value: items };
  });
}

function readMap(r: ByteReader, width: 1 | 4, at: number, depth: number): AmqpValue {
  enter(r, depth, at);
  const { end, count } = readCompoundHeader(r, width, at, 1);
  if (count % 2 !== 0) throw new DecodeError(`map has an odd element count ${count}`, at);
  return withinBounds(r, end, at, 'map', () => {
    const entries: (readonly [AmqpValue, AmqpValue])[] = new Array(count / 2);
    for (let i = 0; i < count / 2; i++) {
      const k = readValue(r, depth + 1);
      entries[i] = [k, readValue(r, depth + 1)];
    }
    return { type: 'map', value: entries };
  });
}

/** Byte width of each element's data for fixed-width constructors; undefined for variable ones. */
const FIXED_WIDTH: { readonly [code: number]: number } = {
  [Code.null]: 0, [Code.true]: 0, [Code.false]: 0, [Code.uint0]: 0, [Code.ulong0]: 0, [Code.list0]: 0,
  [Code.boolean]: 1, [Code.ubyte]: 1, [Code.byte]: 1, [Code.smalluint]: 1, [Code.smallulong]: 1,
  [Code.smallint]: 1, [Code.smalllong]: 1,
  [Code.ushort]: 2, [Code.short]: 2,
  [Code.uint]: 4, [Code.int]: 4, [Code.float]: 4, [Code.char]: 4, [Code.decimal32]: 4,
  [Code.ulong]: 8, [Code.long]: 8, [Code.double]: 8, [Code.timestamp]: 8, [Code.decimal64]: 8,
  [Code.decimal128]: 16, [Code.uuid]: 16,
};

/** Minimum data bytes of one element of a variable-width constructor (its size/count fields). */
const VARIABLE_MIN: { readonly [code: number]: number } = {
  [Code.vbin8]: 1, [Code.str8]: 1, [Code.sym8]: 1,
  [Code.vbin32]: 4, [Code.str32]: 4, [Code.sym32]: 4,
  [Code.list8]: 2, [Code.map8]: 2, [Code.array8]: 3,
  [Code.list32]: 8, [Code.map32]: 8, [Code.array32]: 9,
};

/** The AMQP type an element constructor produces (for empty arrays, which have no element). */
const TYPE_OF_CODE: { readonly [code: number]: AmqpArray['elementType'] } = {
  [Code.null]: 'null', [Code.true]: 'boolean', [Code.false]: 'boolean', [Code.boolean]: 'boolean',
  [Code.uint0]: 'uint', [Code.smalluint]: 'uint', [Code.uint]: 'uint',
  [Code.ulong0]: 'ulong', [Code.smallulong]: 'ulong', [Code.ulong]: 'ulong',
  [Code.ubyte]: 'ubyte', [Code.ushort]: 'ushort', [Code.byte]: 'byte', [Code.short]: 'short',
  [Code.smallint]: 'int', [Code.int]: 'int', [Code.smalllong]: 'long', [Code.long]: 'long',
  [Code.float]: 'float', [Code.double]: 'double', [Code.decimal32]: 'decimal32',
  [Code.decimal64]: 'decimal64', [Code.decimal128]: 'decimal128', [Code.char]: 'char',
  [Code.timestamp]: 'timestamp', [Code.uuid]: 'uuid',
  [Code.vbin8]: 'binary', [Code.vbin32]: 'binary', [Code.str8]: 'string', [Code.str32]: 'string',
  [Code.sym8]: 'symbol', [Code.sym32]: 'symbol', [Code.list0]: 'list', [Code.list8]: 'list',
  [Code.list32]: 'list', [Code.map8]: 'map', [Code.map32]: 'map', [Code.array8]: 'array',
  [Code.array32]: 'array',
};

function readArray(r: ByteReader, width: 1 | 4, at: number, depth: number): AmqpValue {
  enter(r, depth, at);
  const { end, count } = readCompoundHeader(r, width, at, 0);
  return withinBounds(r, end, at, 'array', () => {
    let descriptor: AmqpValue | undefined;
    let ctorAt = r.pos;
    let code = r.u8();
    if (code === Code.described) {
      descriptor = readValue(r, depth + 1);
      ctorAt = r.pos;
      code = r.u8();
      if (code === Code.described) throw new DecodeError('array element constructor is described twice', ctorAt);
    }
    const elementType = TYPE_OF_CODE[code];
    if (elementType === undefined) {
      throw new DecodeError(`unknown array element format code 0x${code.toString(16).padStart(2, '0')}`, ctorAt);
    }
    const fixed = FIXED_WIDTH[code];
    const minBytes = fixed ?? VARIABLE_MIN[code];
    if (minBytes === 0) {
      if (count > r.maxZeroWidth) throw new DecodeError(`array of ${count} zero-width elements exceeds ${r.maxZeroWidth}`, at);
    } else if (count * minBytes > end - r.pos) {
      throw new DecodeError(`array count ${count} cannot fit in ${end - r.pos} bytes`, at);
    }
    const items: AmqpValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const elAt = r.pos;
      const inner = readData(r, code, elAt, depth + 1);
      items[i] = descriptor === undefined ? inner : { type: 'described', descriptor, value: inner };
    }
    const out: AmqpArray = descriptor === undefined
      ? { type: 'array', elementType, value: items }
      : { type: 'array', elementType, descriptor, value: items };
    return out;
  });
}
