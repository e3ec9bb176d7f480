/**
 * Typed constructors for every AMQP primitive. Each validates its range so that a value that
 * exists is always encodable; they throw RangeError / TypeError on bad arguments.
 */
import type {
  AmqpArray, AmqpBinary, AmqpBoolean, AmqpByte, AmqpChar, AmqpDecimal128, AmqpDecimal32,
  AmqpDecimal64, AmqpDescribed, AmqpDouble, AmqpFloat, AmqpInt, AmqpList, AmqpLong, AmqpMap,
  AmqpNull, AmqpShort, AmqpString, AmqpSymbol, AmqpTimestamp, AmqpUbyte, AmqpUint, AmqpUlong,
  AmqpUshort, AmqpUuid, AmqpValue, PrimitiveTypeName,
} from './types.js';

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function checkInt(kind: string, v: number, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${kind} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

function toBig(kind: string, v: number | bigint, min: bigint, max: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else throw new RangeError(`${kind} must be an integer or bigint, got ${String(v)}`);
  if (b < min || b > max) throw new RangeError(`${kind} out of range: ${b}`);
  return b;
}

function checkBytes(kind: string, v: Uint8Array, len?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${kind} needs a Uint8Array`);
  if (len !== undefined && v.length !== len) throw new RangeError(`${kind} needs exactly ${len} bytes, got ${v.length}`);
  return v;
}

/** The AMQP null value. */
export const nullValue: AmqpNull = Object.freeze({ type: 'null', value: null });
/** An AMQP boolean. */
export const boolean = (v: boolean): AmqpBoolean => ({ type: 'boolean', value: !!v });
/** A ubyte; throws RangeError outside 0..255 or for a non-integer. */
export const ubyte = (v: number): AmqpUbyte => ({ type: 'ubyte', value: checkInt('ubyte', v, 0, 0xff) });
/** A ushort; throws RangeError outside 0..65535 or for a non-integer. */
export const ushort = (v: number): AmqpUshort => ({ type: 'ushort', value: checkInt('ushort', v, 0, 0xffff) });
/** A uint; throws RangeError outside 0..2^32-1 or for a non-integer. */
export const uint = (v: number): AmqpUint => ({ type: 'uint', value: checkInt('uint', v, 0, 0xffffffff) });
/** A ulong from a number or bigint; throws RangeError outside 0..2^64-1. */
export const ulong = (v: number | bigint): AmqpUlong => ({ type: 'ulong', value: toBig('ulong', v, 0n, U64_MAX) });
/** A byte; throws RangeError outside -128..127 or for a non-integer. */
export const byte = (v: number): AmqpByte => ({ type: 'byte', value: checkInt('byte', v, -0x80, 0x7f) });
/** A short; throws RangeError outside -32768..32767 or for a non-integer. */
export const short = (v: number): AmqpShort => ({ type: 'short', value: checkInt('short', v, -0x8000, 0x7fff) });
/** An int; throws RangeError outside the signed 32-bit range or for a non-integer. */
export const int = (v: number): AmqpInt => ({ type: 'int', value: checkInt('int', v, -0x80000000, 0x7fffffff) });
/** A long from a number or bigint; throws RangeError outside the signed 64-bit range. */
export const long = (v: number | bigint): AmqpLong => ({ type: 'long', value: toBig('long', v, I64_MIN, I64_MAX) });
/** A 32-bit float; the number is rounded to single precision so the value equals what the wire carries. */
export const float = (v: number): AmqpFloat => ({ type: 'float', value: Math.fround(v) });
/** A 64-bit float. */
export const double = (v: number): AmqpDouble => ({ type: 'double', value: +v });
/** A decimal32 from its 4 raw big-endian bytes. */
export const decimal32 = (v: Uint8Array): AmqpDecimal32 => ({ type: 'decimal32', value: checkBytes('decimal32', v, 4) });
/** A decimal64 from its 8 raw big-endian bytes. */
export const decimal64 = (v: Uint8Array): AmqpDecimal64 => ({ type: 'decimal64', value: checkBytes('decimal64', v, 8) });
/** A decimal128 from its 16 raw big-endian bytes. */
export const decimal128 = (v: Uint8Array): AmqpDecimal128 => ({ type: 'decimal128', value: checkBytes('decimal128', v, 16) });

/** A char from a one-code-point string or from the code point itself. */
export function char(v: string | number): AmqpChar {
  let cp: number;
  if (typeof v === 'string') {
    const first = v.codePointAt(0);
    if (first === undefined || String.fromCodePoint(first).length !== v.length) {
      throw new RangeError('char needs a string of exactly one code point');
    }
    cp = first;
  } else cp = v;
  checkInt('char', cp, 0, 0x10ffff);
  if (cp >= 0xd800 && cp <= 0xdfff) throw new RangeError('char cannot be a UTF-16 surrogate');
  return { type: 'char', value: cp };
}

/** A timestamp from a Date or from milliseconds since the epoch. */
export function timestamp(v: Date | number | bigint): AmqpTimestamp {
  const ms = v instanceof Date ? v.getTime() : v;
  if (typeof ms === 'number' && Number.isNaN(ms)) throw new RangeError('timestamp from an invalid Date');
  return { type: 'timestamp', value: toBig('timestamp', ms, I64_MIN, I64_MAX) };
}

const UUID_RE = /^[0-9a-fA-F]{32}$/;
/** A uuid from 16 bytes or from its hex form (hyphens optional). */
export function uuid(v: string | Uint8Array): AmqpUuid {
  if (typeof v === 'string') {
    const hex = v.replace(/-/g, '');
    if (!UUID_RE.test(hex)) throw new RangeError(`not a uuid: ${v}`);
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) b[i] = parseInt(hex.substr(i * 2, 2), 16);
    return { type: 'uuid', value: b };
  }
  return { type: 'uuid', value: checkBytes('uuid', v, 16) };
}

/** Binary from bytes. */
export const binary = (v: Uint8Array): AmqpBinary => ({ type: 'binary', value: checkBytes('binary', v) });
/** A string value. */
export function string(v: string): AmqpString {
  if (typeof v !== 'string') throw new TypeError('string needs a string');
  return { type: 'string', value: v };
}
// eslint-disable-next-line no-control-regex
const ASCII_RE = /^[\x00-\x7f]*$/;
/** A symbol; throws RangeError unless the text is ASCII. */
export function symbol(v: string): AmqpSymbol {
  if (typeof v !== 'string' || !ASCII_RE.test(v)) throw new RangeError(`symbol must be ASCII: ${String(v)}`);
  return { type: 'symbol', value: v };
}
/** A list of values. */
export const list = (values: readonly AmqpValue[]): AmqpList => ({ type: 'list', value: values });
/** A map from entries (key, value) in order. Duplicate keys are the caller's responsibility. */
export const map = (entries: readonly (readonly [AmqpValue, AmqpValue])[]): AmqpMap => ({ type: 'map', value: entries });

/**
 * An array whose elements share one type. For a described array pass the shared descriptor;
 * the elements must then be described values carrying that descriptor.
 */
export function array(
  elementType: AmqpArray['elementType'],
  values: readonly AmqpValue[],
  descriptor?: AmqpValue,
): AmqpArray {
  for (const v of values) {
    const inner = descriptor !== undefined && v.type === 'described' ? v.value : v;
    if (descriptor !== undefined && v.type !== 'described') {
      throw new TypeError('elements of a described array must be described values');
    }
    if (inner.type !== elementType) {
      throw new TypeError(`array of ${elementType} cannot hold a ${inner.type}`);
    }
  }
  return descriptor === undefined
    ? { type: 'array', elementType, value: values }
    : { type: 'array', elementType, descriptor, value: values };
}

/** A described value: `descriptor` (normally a ulong code or a symbol) and the value it describes. */
export const described = (descriptor: AmqpValue, value: AmqpValue): AmqpDescribed =>
  ({ type: 'described', descriptor, value });

/** All primitive type names, for table-driven code and tests. */
export const PRIMITIVE_TYPES: readonly PrimitiveTypeName[] = [
  'null', 'boolean', 'ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long',
  'float', 'double', 'decimal32', 'decimal64', 'decimal128', 'char', 'timestamp', 'uuid',
  'binary', 'string', 'symbol', 'list', 'map', 'array',
];
