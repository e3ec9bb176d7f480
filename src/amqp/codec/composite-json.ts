/**
 * The composite-data JSON form of AMQP values (see docs/TYPES.md for the full schema).
 *
 * Every value is a node `{ "type": name, "value": v }`; described values add `"descriptor"`.
 * Arrays add `"elementType"` (always written, required when empty) and, for described arrays,
 * `"elementDescriptor"` so that an empty array keeps its element type and descriptor.
 * The simplified form writes null/boolean/string as raw JSON values. Both forms are read.
 *
 * Conversion is a single recursive pass in each direction; JSON-pointer paths are built as the
 * walk descends so that every error names the node it is about.
 */
import { CompositeJsonError } from '../../errors.js';
import type {
  AmqpArray, AmqpDescribed, AmqpMap, AmqpValue, AmqpValueOf, PrimitiveTypeName,
} from './types.js';

/** Type names of the JSON form (`decimal` covers decimal32/64/128, chosen by byte length). */
export type CompositeJsonTypeName =
  | 'null' | 'boolean'
  | 'ubyte' | 'ushort' | 'uint' | 'ulong'
  | 'byte' | 'short' | 'int' | 'long'
  | 'float' | 'double' | 'decimal' | 'char' | 'timestamp' | 'uuid'
  | 'binary' | 'string' | 'symbol'
  | 'array' | 'list' | 'map';

/** Integer type names: their JSON value is a number or a decimal string. */
export type CompositeJsonIntegerType =
  'ubyte' | 'ushort' | 'uint' | 'ulong' | 'byte' | 'short' | 'int' | 'long' | 'timestamp';

/** A float/double value: a number, or one of the strings for values JSON numbers cannot carry. */
export type CompositeJsonFloat = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** Fields every typed node may carry. */
interface DescribedField {
  /** Present when the value is described; the descriptor itself is never described. */
  readonly descriptor?: CompositeJson;
}

/** A typed scalar node. */
export type CompositeJsonScalarNode = DescribedField & (
  | { readonly type: 'null'; readonly value: null }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: CompositeJsonIntegerType; readonly value: number | string }
  | { readonly type: 'float' | 'double'; readonly value: CompositeJsonFloat }
  | {
    readonly type: 'decimal' | 'char' | 'uuid' | 'binary' | 'string' | 'symbol';
    readonly value: string;
  }
);

/** A list node, or a map node whose value is the flat key, value, key, value... list. */
export interface CompositeJsonCompoundNode extends DescribedField {
  readonly type: 'list' | 'map';
  readonly value: readonly CompositeJson[];
}

/** An array node. Elements are nodes of one type (and one descriptor, for described arrays). */
export interface CompositeJsonArrayNode extends DescribedField {
  readonly type: 'array';
  /**
   * The AMQP element type (decimals spelled decimal32/64/128 since an empty array has no bytes
   * to tell them apart). Always written; on input optional unless the array is empty.
   */
  readonly elementType?: PrimitiveTypeName;
  /** The shared descriptor of a described array; on input optional unless the array is empty. */
  readonly elementDescriptor?: CompositeJson;
  readonly value: readonly CompositeJson[];
}

/**
 * A described value whose described value is itself described (legal in AMQP, rare): the inner
 * node carries its own descriptor, since one node can hold only one.
 */
export interface CompositeJsonNestedDescribedNode {
  readonly type: 'described';
  readonly descriptor: CompositeJson;
  readonly value: CompositeJsonNode;
}

/** Simplified form of a described null, boolean or string: no `type`. */
export interface CompositeJsonSimplifiedDescribedNode {
  readonly type?: undefined;
  readonly descriptor: CompositeJson;
  readonly value: null | boolean | string;
}

/** Any node object of the JSON form. */
export type CompositeJsonNode =
  | CompositeJsonScalarNode
  | CompositeJsonCompoundNode
  | CompositeJsonArrayNode
  | CompositeJsonNestedDescribedNode
  | CompositeJsonSimplifiedDescribedNode;

/** A composite-data JSON value: a node, or (simplified form) a raw null, boolean or string. */
export type CompositeJson = CompositeJsonNode | null | boolean | string;

/** Options of {@link toCompositeJson}. */
export interface CompositeJsonOptions {
  /** Write null/boolean/string as raw JSON values (and described ones without `type`). */
  readonly simplified?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** Value of one hex digit, or -1. Hand-rolled so that bad input is caught without a regex pass. */
function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function fail(problem: string, path: string): never {
  throw new CompositeJsonError(problem, path);
}

/** Describes a JSON value's kind for error messages. */
function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

/** Escapes a field name for a JSON pointer (RFC 6901). */
const pointerSegment = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * A string that is equal for two values exactly when they have the same type and value; used for
 * duplicate map keys and for comparing the descriptors of array elements.
 */
export function amqpValueKey(v: AmqpValue): string {
  switch (v.type) {
    case 'null': return 'null';
    case 'float': case 'double':
      return `${v.type}:${Object.is(v.value, -0) ? '-0' : String(v.value)}`;
    case 'decimal32': case 'decimal64': case 'decimal128': case 'uuid': case 'binary':
      return `${v.type}:${toHex(v.value)}`;
    case 'string': case 'symbol':
      return `${v.type}:${JSON.stringify(v.value)}`;
    case 'list':
      return `list[${v.value.map(amqpValueKey).join(',')}]`;
    case 'map':
      return `map[${v.value.map(([k, x]) => `${amqpValueKey(k)}=${amqpValueKey(x)}`).join(',')}]`;
    case 'array': {
      const d = v.descriptor === undefined ? '' : `@${amqpValueKey(v.descriptor)}`;
      return `array<${v.elementType}${d}>[${v.value.map(amqpValueKey).join(',')}]`;
    }
    case 'described':
      return `described(${amqpValueKey(v.descriptor)},${amqpValueKey(v.value)})`;
    default:
      return `${v.type}:${String(v.value)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Output: AmqpValue -> JSON

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** 64-bit integers travel as numbers while exact, as decimal strings beyond 2^53-1. */
function formatBig(v: bigint): number | string {
  return v > MAX_SAFE || v < -MAX_SAFE ? v.toString() : Number(v);
}

function formatFloat(v: number): CompositeJsonFloat {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  // JSON text cannot carry a negative zero (JSON.stringify(-0) is "0"), so it gets a string.
  return Object.is(v, -0) ? '-0' : v;
}

function formatUuid(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type ScalarType = Exclude<PrimitiveTypeName, 'list' | 'map' | 'array'>;
type ScalarJson = null | boolean | number | string;

/** Per AMQP scalar type: its JSON type name and how its value is written. */
const FORMAT: { readonly [K in ScalarType]: {
  readonly name: CompositeJsonTypeName;
  readonly format: (v: AmqpValueOf<K>['value']) => ScalarJson;
} } = {
  null: { name: 'null', format: () => null },
  boolean: { name: 'boolean', format: (v) => v },
  ubyte: { name: 'ubyte', format: (v) => v },
  ushort: { name: 'ushort', format: (v) => v },
  uint: { name: 'uint', format: (v) => v },
  ulong: { name: 'ulong', format: formatBig },
  byte: { name: 'byte', format: (v) => v },
  short: { name: 'short', format: (v) => v },
  int: { name: 'int', format: (v) => v },
  long: { name: 'long', format: formatBig },
  float: { name: 'float', format: formatFloat },
  double: { name: 'double', format: formatFloat },
  decimal32: { name: 'decimal', format: toHex },
  decimal64: { name: 'decimal', format: toHex },
  decimal128: { name: 'decimal', format: toHex },
  char: { name: 'char', format: (v) => String.fromCodePoint(v) },
  timestamp: { name: 'timestamp', format: formatBig },
  uuid: { name: 'uuid', format: formatUuid },
  binary: { name: 'binary', format: toHex },
  string: { name: 'string', format: (v) => v },
  symbol: { name: 'symbol', format: (v) => v },
};

/**
 * Converts a typed AMQP value to its composite-data JSON form (a plain object tree; pass it to
 * `JSON.stringify` for text). Throws CompositeJsonError for a descriptor that is itself described.
 */
export function toCompositeJson(value: AmqpValue, opts: CompositeJsonOptions = {}): CompositeJson {
  return writeValue(value, opts.simplified === true, '');
}

function writeValue(v: AmqpValue, simplified: boolean, path: string): CompositeJson {
  if (v.type === 'described') return writeDescribed(v, simplified, path);
  if (simplified && (v.type === 'null' || v.type === 'boolean' || v.type === 'string')) return v.value;
  return writeNode(v, simplified, path);
}

function writeDescribed(v: AmqpDescribed, simplified: boolean, path: string): CompositeJsonNode {
  if (v.descriptor.type === 'described') fail('a descriptor cannot itself be described', `${path}/descriptor`);
  const descriptor = writeValue(v.descriptor, simplified, `${path}/descriptor`);
  const inner = v.value;
  if (inner.type === 'described') {
    return { type: 'described', descriptor, value: writeDescribed(inner, simplified, `${path}/value`) };
  }
  if (simplified && (inner.type === 'null' || inner.type === 'boolean' || inner.type === 'string')) {
    return { descriptor, value: inner.value };
  }
  return { ...writeNode(inner, simplified, path), descriptor } as CompositeJsonNode;
}

/** The node of an undescribed value (its descriptor, if any, is added by the caller). */
function writeNode(
  v: Exclude<AmqpValue, AmqpDescribed>, simplified: boolean, path: string,
): CompositeJsonScalarNode | CompositeJsonCompoundNode | CompositeJsonArrayNode {
  switch (v.type) {
    case 'list':
      return { type: 'list', value: v.value.map((x, i) => writeValue(x, simplified, `${path}/value/${i}`)) };
    case 'map':
      return { type: 'map', value: writeMapEntries(v, simplified, path) };
    case 'array':
      return writeArray(v, simplified, path);
    default: {
      const entry = FORMAT[v.type] as { name: CompositeJsonTypeName; format: (x: unknown) => ScalarJson };
      return { type: entry.name, value: entry.format(v.value) } as CompositeJsonScalarNode;
    }
  }
}

function writeMapEntries(v: AmqpMap, simplified: boolean, path: string): CompositeJson[] {
  const out: CompositeJson[] = new Array(v.value.length * 2);
  v.value.forEach(([k, x], i) => {
    out[2 * i] = writeValue(k, simplified, `${path}/value/${2 * i}`);
    out[2 * i + 1] = writeValue(x, simplified, `${path}/value/${2 * i + 1}`);
  });
  return out;
}

function writeArray(v: AmqpArray, simplified: boolean, path: string): CompositeJsonArrayNode {
  const value = v.value.map((x, i) => writeValue(x, simplified, `${path}/value/${i}`));
  if (v.descriptor === undefined) return { type: 'array', elementType: v.elementType, value };
  if (v.descriptor.type === 'described') fail('a descriptor cannot itself be described', `${path}/elementDescriptor`);
  const elementDescriptor = writeValue(v.descriptor, simplified, `${path}/elementDescriptor`);
  return { type: 'array', elementType: v.elementType, elementDescriptor, value };
}

// ---------------------------------------------------------------------------------------------
// Input: JSON -> AmqpValue

type Parse = (x: unknown, path: string) => AmqpValue;

const DECIMAL_RE = /^[+-]?\d+$/;

/** Reads an integer given as a number (a safe integer) or as a decimal string. */
function readInteger(x: unknown, path: string): number | bigint {
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) fail(`expected an integer, got ${x}`, path);
    // JSON parsers have already rounded such numbers, so accepting them would hide data loss.
    if (!Number.isSafeInteger(x)) fail(`integer ${x} is beyond 2^53-1: write it as a decimal string`, path);
    return x;
  }
  if (typeof x === 'string') {
    if (!DECIMAL_RE.test(x)) fail(`expected a decimal integer string, got ${JSON.stringify(x)}`, path);
    return BigInt(x);
  }
  return fail(`expected an integer (number or decimal string), got ${kindOf(x)}`, path);
}

/** Parser of an integer type that fits a JS number. */
function smallInt(type: 'ubyte' | 'ushort' | 'uint' | 'byte' | 'short' | 'int', min: number, max: number): Parse {
  return (x, path) => {
    const n = readInteger(x, path);
    if (n < min || n > max) fail(`${type} out of range [${min}, ${max}]: ${n}`, path);
    return { type, value: Number(n) };
  };
}

/** Parser of a 64-bit integer type (bigint in the typed model). */
function bigInt(type: 'ulong' | 'long' | 'timestamp', min: bigint, max: bigint): Parse {
  return (x, path) => {
    const n = readInteger(x, path);
    const b = typeof n === 'bigint' ? n : BigInt(n);
    if (b < min || b > max) fail(`${type} out of range [${min}, ${max}]: ${b}`, path);
    return { type, value: b };
  };
}

const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['-0', -0],
]);

function readFloat(x: unknown, path: string): number {
  if (typeof x === 'number') return x;
  const special = typeof x === 'string' ? SPECIAL_FLOATS.get(x) : undefined;
  if (special === undefined) {
    fail(`expected a number or "NaN", "Infinity", "-Infinity", "-0", got ${typeof x === 'string' ? JSON.stringify(x) : kindOf(x)}`, path);
  }
  return special;
}

function readString(x: unknown, path: string): string {
  return typeof x === 'string' ? x : fail(`expected a string, got ${kindOf(x)}`, path);
}

function readHex(x: unknown, path: string): Uint8Array {
  const s = readString(x, path);
  if (s.length % 2 !== 0) fail('hex needs an even number of digits', path);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(s.charCodeAt(2 * i));
    const lo = nibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) fail(`bad hex digit near offset ${2 * i}`, path);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const DECIMAL_TYPES: Readonly<Record<number, 'decimal32' | 'decimal64' | 'decimal128'>> =
  { 4: 'decimal32', 8: 'decimal64', 16: 'decimal128' };

function readDecimal(x: unknown, path: string): AmqpValue {
  const value = readHex(x, path);
  const type = DECIMAL_TYPES[value.length];
  if (type === undefined) fail(`decimal needs 4, 8 or 16 bytes, got ${value.length}`, path);
  return { type, value };
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function readUuid(x: unknown, path: string): AmqpValue {
  const s = readString(x, path);
  if (!UUID_RE.test(s)) fail(`not a uuid: ${JSON.stringify(s)}`, path);
  return { type: 'uuid', value: readHex(s.replace(/-/g, ''), path) };
}

function readChar(x: unknown, path: string): AmqpValue {
  const s = readString(x, path);
  const cp = s.codePointAt(0);
  if (cp === undefined || (cp > 0xffff ? 2 : 1) !== s.length) fail('char needs exactly one code point', path);
  if (cp >= 0xd800 && cp <= 0xdfff) fail('char cannot be a lone UTF-16 surrogate', path);
  return { type: 'char', value: cp };
}

// eslint-disable-next-line no-control-regex
const ASCII_RE = /^[\x00-\x7f]*$/;

function readSymbol(x: unknown, path: string): AmqpValue {
  const s = readString(x, path);
  if (!ASCII_RE.test(s)) fail('symbol must be ASCII', path);
  return { type: 'symbol', value: s };
}

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Per JSON scalar type name: how its `value` is read. */
const PARSE: Readonly<Record<Exclude<CompositeJsonTypeName, 'list' | 'map' | 'array'>, Parse>> = {
  null: (x, path) => (x === null ? { type: 'null', value: null } : fail(`expected null, got ${kindOf(x)}`, path)),
  boolean: (x, path) => (typeof x === 'boolean'
    ? { type: 'boolean', value: x } : fail(`expected a boolean, got ${kindOf(x)}`, path)),
  ubyte: smallInt('ubyte', 0, 0xff),
  ushort: smallInt('ushort', 0, 0xffff),
  uint: smallInt('uint', 0, 0xffffffff),
  ulong: bigInt('ulong', 0n, (1n << 64n) - 1n),
  byte: smallInt('byte', -0x80, 0x7f),
  short: smallInt('short', -0x8000, 0x7fff),
  int: smallInt('int', -0x80000000, 0x7fffffff),
  long: bigInt('long', I64_MIN, I64_MAX),
  timestamp: bigInt('timestamp', I64_MIN, I64_MAX),
  float: (x, path) => ({ type: 'float', value: Math.fround(readFloat(x, path)) }),
  double: (x, path) => ({ type: 'double', value: readFloat(x, path) }),
  decimal: readDecimal,
  char: readChar,
  uuid: readUuid,
  binary: (x, path) => ({ type: 'binary', value: readHex(x, path) }),
  string: (x, path) => ({ type: 'string', value: readString(x, path) }),
  symbol: readSymbol,
};

const ELEMENT_TYPES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'null', 'boolean', 'ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long',
  'float', 'double', 'decimal32', 'decimal64', 'decimal128', 'char', 'timestamp', 'uuid',
  'binary', 'string', 'symbol', 'list', 'map', 'array',
]);

const NODE_FIELDS: ReadonlySet<string> = new Set(['type', 'value', 'descriptor']);
const ARRAY_FIELDS: ReadonlySet<string> = new Set(['type', 'value', 'descriptor', 'elementType', 'elementDescriptor']);

/**
 * Reads a composite-data JSON value (full or simplified form, or a mix). A string argument is
 * always JSON text: pass `'"text"'`, not `'text'`, for a bare simplified string.
 * Throws CompositeJsonError naming the JSON-pointer path of the offending node.
 */
export function fromCompositeJson(json: CompositeJson | string): AmqpValue {
  let tree: unknown = json;
  if (typeof json === 'string') {
    try {
      tree = JSON.parse(json);
    } catch (e) {
      fail(`invalid JSON text: ${(e as Error).message}`, '');
    }
  }
  return readValue(tree, '');
}

function readValue(x: unknown, path: string): AmqpValue {
  if (x === null) return { type: 'null', value: null };
  if (typeof x === 'boolean') return { type: 'boolean', value: x };
  if (typeof x === 'string') return { type: 'string', value: x };
  if (typeof x !== 'object' || Array.isArray(x)) {
    return fail(`expected a value node or a raw null/boolean/string, got ${kindOf(x)}`, path);
  }
  return readNode(x as Readonly<Record<string, unknown>>, path);
}

function readNode(node: Readonly<Record<string, unknown>>, path: string): AmqpValue {
  const type = node.type;
  checkFields(node, type === 'array' ? ARRAY_FIELDS : NODE_FIELDS, path);
  if (!('value' in node)) fail('missing "value"', path);
  const descriptor = node.descriptor === undefined ? undefined : readDescriptor(node.descriptor, `${path}/descriptor`);
  const inner = readTyped(node, type, descriptor !== undefined, path);
  return descriptor === undefined ? inner : { type: 'described', descriptor, value: inner };
}

function checkFields(node: Readonly<Record<string, unknown>>, allowed: ReadonlySet<string>, path: string): void {
  for (const key in node) {
    if (!allowed.has(key)) fail(`unknown field ${JSON.stringify(key)}`, `${path}/${pointerSegment(key)}`);
  }
}

/** The value a node describes, without its descriptor. */
function readTyped(node: Readonly<Record<string, unknown>>, type: unknown, described: boolean, path: string): AmqpValue {
  const valuePath = `${path}/value`;
  if (type === undefined) {
    // Only the simplified form of a described null/boolean/string may leave out the type.
    if (!described) fail('missing "type"', path);
    const v = node.value;
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return readValue(v, valuePath);
    return fail(`a node without "type" needs a raw null, boolean or string value, got ${kindOf(v)}`, valuePath);
  }
  if (typeof type !== 'string') return fail(`"type" must be a string, got ${kindOf(type)}`, `${path}/type`);
  switch (type) {
    case 'list': return { type: 'list', value: readList(node.value, valuePath) };
    case 'map': return readMap(node.value, valuePath);
    case 'array': return readArray(node, path);
    case 'described': {
      if (!described) fail('a "described" node needs a "descriptor"', path);
      const v = node.value;
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !('descriptor' in v)) {
        fail('the value of a "described" node must be a described node', valuePath);
      }
      return readValue(v, valuePath);
    }
    default: {
      const parse = Object.prototype.hasOwnProperty.call(PARSE, type) ? PARSE[type as keyof typeof PARSE] : undefined;
      if (parse === undefined) fail(`unknown type ${JSON.stringify(type)}`, `${path}/type`);
      return parse(node.value, valuePath);
    }
  }
}

function readDescriptor(x: unknown, path: string): AmqpValue {
  const d = readValue(x, path);
  if (d.type === 'described') fail('a descriptor cannot itself be described', path);
  return d;
}

function readList(x: unknown, path: string): AmqpValue[] {
  if (!Array.isArray(x)) fail(`expected a list, got ${kindOf(x)}`, path);
  const out: AmqpValue[] = new Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = readValue(x[i], `${path}/${i}`);
  return out;
}

function readMap(x: unknown, path: string): AmqpMap {
  if (!Array.isArray(x)) fail(`expected a flat key, value list, got ${kindOf(x)}`, path);
  if (x.length % 2 !== 0) fail(`a map needs an even number of items (key, value pairs), got ${x.length}`, path);
  const entries: (readonly [AmqpValue, AmqpValue])[] = new Array(x.length / 2);
  const seen = new Set<string>();
  for (let i = 0; i < x.length; i += 2) {
    const key = readValue(x[i], `${path}/${i}`);
    const id = amqpValueKey(key);
    if (seen.has(id)) fail('duplicate map key', `${path}/${i}`);
    seen.add(id);
    entries[i / 2] = [key, readValue(x[i + 1], `${path}/${i + 1}`)];
  }
  return { type: 'map', value: entries };
}

/** What every element of an array must share: its inner type and (keyed) descriptor. */
interface ElementShape {
  readonly type: PrimitiveTypeName;
  readonly descriptor: AmqpValue | undefined;
  readonly descriptorKey: string | undefined;
}

function shapeOf(v: AmqpValue, path: string): ElementShape {
  if (v.type !== 'described') return { type: v.type, descriptor: undefined, descriptorKey: undefined };
  if (v.value.type === 'described') fail('an array element cannot be a nested described value', path);
  return { type: v.value.type, descriptor: v.descriptor, descriptorKey: amqpValueKey(v.descriptor) };
}

function readArray(node: Readonly<Record<string, unknown>>, path: string): AmqpArray {
  const elements = readList(node.value, `${path}/value`);
  const declared = readElementShape(node, path);
  let shape = declared;
  for (let i = 0; i < elements.length; i++) {
    const s = shapeOf(elements[i], `${path}/value/${i}`);
    if (shape === undefined) shape = s;
    else if (s.type !== shape.type) fail(`array element of type ${s.type} in an array of ${shape.type}`, `${path}/value/${i}`);
    else if (s.descriptorKey !== shape.descriptorKey) fail('array elements must all have the same descriptor', `${path}/value/${i}`);
  }
  if (shape === undefined) return fail('an empty array needs "elementType"', path);
  return shape.descriptor === undefined
    ? { type: 'array', elementType: shape.type, value: elements }
    : { type: 'array', elementType: shape.type, descriptor: shape.descriptor, value: elements };
}

/** The element shape declared by `elementType` / `elementDescriptor`, if any. */
function readElementShape(node: Readonly<Record<string, unknown>>, path: string): ElementShape | undefined {
  const { elementType, elementDescriptor } = node;
  if (elementType === undefined) {
    if (elementDescriptor !== undefined) fail('"elementDescriptor" needs "elementType"', path);
    return undefined;
  }
  if (typeof elementType !== 'string' || !ELEMENT_TYPES.has(elementType)) {
    fail(`unknown elementType ${JSON.stringify(elementType)}`, `${path}/elementType`);
  }
  const descriptor = elementDescriptor === undefined
    ? undefined : readDescriptor(elementDescriptor, `${path}/elementDescriptor`);
  return {
    type: elementType as PrimitiveTypeName,
    descriptor,
    descriptorKey: descriptor === undefined ? undefined : amqpValueKey(descriptor),
  };
}
