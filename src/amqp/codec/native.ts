/**
 * The native view: plain JavaScript values for application code, in both directions.
 * The mapping is the table in docs/TYPES.md. It is lossy by design (ubyte and int both become
 * `number`); typed values can be mixed into native input wherever exactness matters, since
 * `fromNative` passes any {@link isAmqpValue} through unchanged.
 */
import type {
  AmqpDecimal128, AmqpDecimal32, AmqpDecimal64, AmqpDescribed, AmqpMap, AmqpTimestamp, AmqpValue,
} from './types.js';

/**
 * Typed values that have no JavaScript equivalent and therefore stay typed in the native view:
 * decimals, described values, timestamps beyond Date's range, and maps whose keys would collide
 * as native values (a JS Map cannot hold both int 1 and ubyte 1).
 */
export type NativeTyped = AmqpDecimal32 | AmqpDecimal64 | AmqpDecimal128 | AmqpDescribed | AmqpTimestamp | AmqpMap;

/** A plain object: an AMQP map whose keys were all strings or symbols. */
export interface NativeObject { [key: string]: NativeValue }

/** What {@link toNative} returns. */
export type NativeValue =
  | null | boolean | number | bigint | string | Date | Uint8Array
  | NativeTyped
  | NativeValue[]
  | NativeObject
  | Map<NativeValue, NativeValue>;

/** What {@link fromNative} accepts: native values, any typed AmqpValue, undefined, buffers. */
export type NativeInput =
  | undefined | null | boolean | number | bigint | string | Date
  | ArrayBuffer | ArrayBufferView
  | AmqpValue
  | readonly NativeInput[]
  | ReadonlyMap<NativeInput, NativeInput>
  | { readonly [key: string]: NativeInput };

// Dates hold at most 8.64e15 ms either side of the epoch (ECMA-262 "time values").
const DATE_LIMIT = 8_640_000_000_000_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a number when that is exact, else unchanged. */
const exactNumber = (v: bigint): number | bigint => (v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v);

/** Converts a typed AMQP value to its native view (see docs/TYPES.md). */
export function toNative(value: AmqpValue): NativeValue {
  switch (value.type) {
    case 'null': case 'boolean': case 'string': case 'symbol':
    case 'ubyte': case 'ushort': case 'uint': case 'byte': case 'short': case 'int':
    case 'float': case 'double':
      return value.value;
    case 'ulong': case 'long':
      return exactNumber(value.value);
    case 'timestamp':
      // Out of Date's range the typed value is the only exact form left.
      return value.value <= DATE_LIMIT && value.value >= -DATE_LIMIT ? new Date(Number(value.value)) : value;
    case 'char':
      return String.fromCodePoint(value.value);
    case 'uuid':
      return formatUuid(value.value);
    case 'binary':
      return value.value;
    case 'decimal32': case 'decimal64': case 'decimal128': case 'described':
      return value;
    case 'list': case 'array':
      return value.value.map(toNative);
    case 'map':
      return mapToNative(value.value);
  }
}

function formatUuid(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A plain object when every key is a string or symbol, no two keys share a text, and the result
 * would not be mistaken for a typed value by fromNative; a Map otherwise (see nativeMap).
 */
function mapToNative(entries: readonly (readonly [AmqpValue, AmqpValue])[]): NativeObject | Map<NativeValue, NativeValue> | AmqpMap {
  const names = new Set<string>();
  for (const [k] of entries) {
    if ((k.type !== 'string' && k.type !== 'symbol') || names.has(k.value)) return nativeMap(entries);
    names.add(k.value);
  }
  // fromEntries defines properties (no setters), so a key such as "__proto__" stays a plain key.
  const obj: NativeObject = Object.fromEntries(entries.map(([k, v]) => [k.value as string, toNative(v)]));
  return isAmqpValue(obj) ? nativeMap(entries) : obj;
}

/** A Map with native keys, or the typed map itself when two keys would collapse into one. */
function nativeMap(entries: readonly (readonly [AmqpValue, AmqpValue])[]): Map<NativeValue, NativeValue> | AmqpMap {
  const out = new Map<NativeValue, NativeValue>();
  for (const [k, v] of entries) {
    const key = toNative(k);
    // e.g. int 1 and ubyte 1, or string "k" and symbol "k": a JS Map would keep only one entry.
    if (out.has(key)) return { type: 'map', value: entries };
    out.set(key, toNative(v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// isAmqpValue

const SCALAR_CHECKS: Readonly<Record<string, (v: unknown) => boolean>> = {
  null: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  ubyte: (v) => isIntIn(v, 0, 0xff),
  ushort: (v) => isIntIn(v, 0, 0xffff),
  uint: (v) => isIntIn(v, 0, 0xffffffff),
  byte: (v) => isIntIn(v, -0x80, 0x7f),
  short: (v) => isIntIn(v, -0x8000, 0x7fff),
  int: (v) => isIntIn(v, -0x80000000, 0x7fffffff),
  ulong: (v) => isBigIn(v, 0n, (1n << 64n) - 1n),
  long: (v) => isBigIn(v, -(1n << 63n), (1n << 63n) - 1n),
  timestamp: (v) => isBigIn(v, -(1n << 63n), (1n << 63n) - 1n),
  float: (v) => typeof v === 'number',
  double: (v) => typeof v === 'number',
  decimal32: (v) => v instanceof Uint8Array && v.length === 4,
  decimal64: (v) => v instanceof Uint8Array && v.length === 8,
  decimal128: (v) => v instanceof Uint8Array && v.length === 16,
  uuid: (v) => v instanceof Uint8Array && v.length === 16,
  binary: (v) => v instanceof Uint8Array,
  char: (v) => isIntIn(v, 0, 0x10ffff) && !((v as number) >= 0xd800 && (v as number) <= 0xdfff),
  string: (v) => typeof v === 'string',
  // eslint-disable-next-line no-control-regex
  symbol: (v) => typeof v === 'string' && /^[\x00-\x7f]*$/.test(v),
};

const isIntIn = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isBigIn = (v: unknown, min: bigint, max: bigint): boolean =>
  typeof v === 'bigint' && v >= min && v <= max;

/** True when every own key of `o` is in `allowed` and the required ones are present. */
function hasExactKeys(o: object, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(o);
  let found = 0;
  for (const k of keys) {
    if (required.includes(k)) found++;
    else if (!optional.includes(k)) return false;
  }
  return found === required.length;
}

/**
 * True when `x` is a well-formed typed AMQP value: a known `type`, exactly the fields of that
 * type, a value of the right kind and range, and (for compounds) well-formed children.
 * Strict so that an application object that merely has `type` and `value` fields is not taken
 * for a typed value by accident.
 */
export function isAmqpValue(x: unknown): x is AmqpValue {
  return checkValue(x, undefined);
}

/**
 * `ancestors`: the compounds being checked above `x`, for the cycle check; made at the first
 * compound, so a scalar (the common case) is checked without allocating one.
 */
function checkValue(x: unknown, ancestors: Set<object> | undefined): boolean {
  if (typeof x !== 'object' || x === null || ancestors?.has(x) === true) return false;
  const o = x as { readonly type?: unknown; readonly value?: unknown; readonly descriptor?: unknown; readonly elementType?: unknown };
  if (typeof o.type !== 'string') return false;
  const scalar = Object.prototype.hasOwnProperty.call(SCALAR_CHECKS, o.type) ? SCALAR_CHECKS[o.type] : undefined;
  if (scalar !== undefined) return hasExactKeys(o, ['type', 'value']) && scalar(o.value);
  const set = ancestors ?? new Set<object>();
  set.add(x);
  try {
    return checkCompound(o, set);
  } finally {
    set.delete(x);
  }
}

function checkCompound(
  o: { readonly type?: unknown; readonly value?: unknown; readonly descriptor?: unknown; readonly elementType?: unknown },
  ancestors: Set<object>,
): boolean {
  const children = (v: unknown): boolean => Array.isArray(v) && v.every((c) => checkValue(c, ancestors));
  switch (o.type) {
    case 'list':
      return hasExactKeys(o, ['type', 'value']) && children(o.value);
    case 'map':
      return hasExactKeys(o, ['type', 'value']) && Array.isArray(o.value)
        && o.value.every((e) => Array.isArray(e) && e.length === 2 && children(e));
    case 'described':
      return hasExactKeys(o, ['type', 'descriptor', 'value'])
        && checkValue(o.descriptor, ancestors) && checkValue(o.value, ancestors);
    case 'array':
      return hasExactKeys(o, ['type', 'elementType', 'value'], ['descriptor'])
        && typeof o.elementType === 'string'
        && (Object.prototype.hasOwnProperty.call(SCALAR_CHECKS, o.elementType)
          || ['list', 'map', 'array'].includes(o.elementType))
        && (o.descriptor === undefined || checkValue(o.descriptor, ancestors))
        && children(o.value)
        && (o.value as readonly AmqpValue[]).every((e) => elementMatches(e, o.elementType, o.descriptor !== undefined));
    default:
      return false;
  }
}

/** An array element has the array's type (inside its descriptor, for described arrays). */
function elementMatches(e: AmqpValue, elementType: unknown, describedArray: boolean): boolean {
  if (!describedArray) return e.type === elementType;
  return e.type === 'described' && e.value.type === elementType;
}

// ---------------------------------------------------------------------------------------------
// fromNative

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/**
 * Converts a native value to a typed AMQP value (see docs/TYPES.md). Throws TypeError for values
 * with no AMQP form (functions, symbols, class instances, cycles) and RangeError for bigints
 * beyond 64 bits and invalid Dates.
 */
export function fromNative(x: NativeInput): AmqpValue {
  return convert(x, undefined, '');
}

/** `ancestors` as for checkValue: made at the first container, none for a scalar. */
function convert(x: unknown, ancestors: Set<object> | undefined, path: string): AmqpValue {
  switch (typeof x) {
    case 'undefined': return { type: 'null', value: null };
    case 'boolean': return { type: 'boolean', value: x };
    case 'number': return fromNumber(x);
    case 'bigint': return fromBigint(x, path);
    case 'string': return { type: 'string', value: x };
    case 'object': return x === null ? { type: 'null', value: null } : fromObject(x, ancestors, path);
    default: throw new TypeError(`fromNative: a ${typeof x} has no AMQP form${at(path)}`);
  }
}

const at = (path: string): string => (path === '' ? '' : ` (at ${path})`);

function fromNumber(n: number): AmqpValue {
  // -0 is an integer to Number.isInteger but only a double keeps its sign.
  if (Number.isInteger(n) && !Object.is(n, -0)) {
    if (n >= INT32_MIN && n <= INT32_MAX) return { type: 'int', value: n };
    if (Number.isSafeInteger(n)) return { type: 'long', value: BigInt(n) };
  }
  return { type: 'double', value: n };
}

function fromBigint(b: bigint, path: string): AmqpValue {
  if (b >= I64_MIN && b <= I64_MAX) return { type: 'long', value: b };
  if (b > I64_MAX && b <= U64_MAX) return { type: 'ulong', value: b };
  throw new RangeError(`fromNative: bigint ${b} does not fit 64 bits${at(path)}`);
}

function fromObject(x: object, ancestors: Set<object> | undefined, path: string): AmqpValue {
  if (x instanceof Date) {
    const ms = x.getTime();
    if (Number.isNaN(ms)) throw new RangeError(`fromNative: invalid Date${at(path)}`);
    return { type: 'timestamp', value: BigInt(ms) };
  }
  if (x instanceof Uint8Array) return { type: 'binary', value: x };
  if (ArrayBuffer.isView(x)) return { type: 'binary', value: new Uint8Array(x.buffer, x.byteOffset, x.byteLength) };
  if (x instanceof ArrayBuffer) return { type: 'binary', value: new Uint8Array(x) };
  if (ancestors?.has(x) === true) throw new TypeError(`fromNative: cyclic structure${at(path)}`);
  if (isAmqpValue(x)) return x;
  const set = ancestors ?? new Set<object>();
  set.add(x);
  try {
    return fromContainer(x, set, path);
  } finally {
    set.delete(x);
  }
}

function fromContainer(x: object, ancestors: Set<object>, path: string): AmqpValue {
  if (Array.isArray(x)) {
    return { type: 'list', value: x.map((v, i) => convert(v, ancestors, `${path}/${i}`)) };
  }
  if (x instanceof Map) {
    const entries: (readonly [AmqpValue, AmqpValue])[] = [];
    let i = 0;
    for (const [k, v] of x) {
      entries.push([convert(k, ancestors, `${path}/<key ${i}>`), convert(v, ancestors, `${path}/<value ${i}>`)]);
      i++;
    }
    return { type: 'map', value: entries };
  }
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) {
    const name = (x.constructor as { name?: string } | undefined)?.name ?? 'object';
    throw new TypeError(`fromNative: a ${name} instance has no AMQP form${at(path)}`);
  }
  const record = x as Readonly<Record<string, unknown>>;
  return {
    type: 'map',
    value: Object.keys(record).map((k) => [{ type: 'string', value: k }, convert(record[k], ancestors, `${path}/${k}`)] as const),
  };
}
