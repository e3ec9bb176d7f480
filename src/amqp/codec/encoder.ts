/**
 * AMQP 1.0 encoder. Always picks the most compact encoding the specification allows for a value:
 * uint0/smalluint/uint, ulong0/smallulong/ulong, smallint/int, smalllong/long, list0/list8/list32,
 * the 8-bit forms of variable and compound types whenever sizes fit, true/false constants.
 *
 * Inside arrays every element shares one constructor, so the encoder picks the smallest
 * constructor that fits all elements (never the zero-width uint0/ulong0 forms, which several
 * peers do not accept inside arrays).
 */
import { EncodeError } from '../../errors.js';
import { Code } from './constructors.js';
import type { AmqpArray, AmqpValue } from './types.js';
import { ByteWriter } from './writer.js';

const LONG_SMALL_MIN = -128n;
const LONG_SMALL_MAX = 127n;
const ULONG_SMALL_MAX = 255n;

/** Encode one AMQP value to fresh bytes. */
export function encode(value: AmqpValue): Uint8Array {
  const w = sharedWriter;
  w.reset();
  writeValue(w, value);
  return w.toBytes();
}

// One writer shared by `encode`: encoding is synchronous, so it can never be used re-entrantly.
const sharedWriter = new ByteWriter(4096);

/** Append the encoding of `value` (constructor and data) to `w`. */
export function writeValue(w: ByteWriter, v: AmqpValue): void {
  switch (v.type) {
    case 'null': return w.u8(Code.null);
    case 'boolean': return w.u8(v.value ? Code.true : Code.false);
    case 'ubyte': w.u8(Code.ubyte); return w.u8(v.value);
    case 'ushort': w.u8(Code.ushort); return w.u16(v.value);
    case 'uint':
      if (v.value === 0) return w.u8(Code.uint0);
      if (v.value <= 0xff) { w.u8(Code.smalluint); return w.u8(v.value); }
      w.u8(Code.uint); return w.u32(v.value);
    case 'ulong':
      if (v.value === 0n) return w.u8(Code.ulong0);
      if (v.value <= ULONG_SMALL_MAX) { w.u8(Code.smallulong); return w.u8(Number(v.value)); }
      w.u8(Code.ulong); return w.u64(v.value);
    case 'byte': w.u8(Code.byte); return w.i8(v.value);
    case 'short': w.u8(Code.short); return w.i16(v.value);
    case 'int':
      if (v.value >= -128 && v.value <= 127) { w.u8(Code.smallint); return w.i8(v.value); }
      w.u8(Code.int); return w.i32(v.value);
    case 'long':
      if (v.value >= LONG_SMALL_MIN && v.value <= LONG_SMALL_MAX) { w.u8(Code.smalllong); return w.i8(Number(v.value)); }
      w.u8(Code.long); return w.i64(v.value);
    case 'float': w.u8(Code.float); return w.f32(v.value);
    case 'double': w.u8(Code.double); return w.f64(v.value);
    case 'decimal32': w.u8(Code.decimal32); return fixedBytes(w, v.value, 4, 'decimal32');
    case 'decimal64': w.u8(Code.decimal64); return fixedBytes(w, v.value, 8, 'decimal64');
    case 'decimal128': w.u8(Code.decimal128); return fixedBytes(w, v.value, 16, 'decimal128');
    case 'char': w.u8(Code.char); return w.u32(v.value);
    case 'timestamp': w.u8(Code.timestamp); return w.i64(v.value);
    case 'uuid': w.u8(Code.uuid); return fixedBytes(w, v.value, 16, 'uuid');
    case 'binary': return writeBinary(w, v.value);
    case 'string': return writeString(w, v.value, Code.str8, Code.str32);
    case 'symbol': return writeString(w, v.value, Code.sym8, Code.sym32);
    case 'list': return writeList(w, v.value);
    case 'map': return writeMap(w, v.value);
    case 'array': return writeArray(w, v);
    case 'described':
      w.u8(Code.described);
      writeValue(w, v.descriptor);
      return writeValue(w, v.value);
    default:
      throw new EncodeError(`not an AMQP value: ${describe(v)}`);
  }
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)).slice(0, 80);
  } catch {
    return String(v);
  }
}

function fixedBytes(w: ByteWriter, b: Uint8Array, n: number, kind: string): void {
  if (b.length !== n) throw new EncodeError(`${kind} needs ${n} bytes, got ${b.length}`);
  w.bytes(b);
}

export function writeBinary(w: ByteWriter, b: Uint8Array): void {
  if (b.length <= 0xff) {
    w.u8(Code.vbin8);
    w.u8(b.length);
  } else {
    w.u8(Code.vbin32);
    w.u32(b.length);
  }
  w.bytes(b);
}

/** A string value (str8 or str32), without building its typed form first. */
export function writeStringValue(w: ByteWriter, s: string): void {
  writeString(w, s, Code.str8, Code.str32);
}

/** A symbol value (sym8 or sym32; ASCII only), without building its typed form first. */
export function writeSymbolValue(w: ByteWriter, s: string): void {
  writeString(w, s, Code.sym8, Code.sym32);
}

/**
 * Strings: write the UTF-8 bytes once, optimistically after a 1-byte size; if they turn out
 * longer than 255 bytes, shift them right by 3 to make room for the 4-byte size.
 */
function writeString(w: ByteWriter, s: string, small: number, large: number): void {
  const start = w.pos;
  w.ensure(2 + s.length * 3 + 3);
  w.pos = start + 2;
  // utf8() refuses lone surrogates; a symbol must be ASCII, one byte a character.
  const n = w.utf8(s);
  if (small === Code.sym8 && n !== s.length) {
    w.pos = start;
    notAscii(s);
  }
  if (n <= 0xff) {
    w.buf[start] = small;
    w.buf[start + 1] = n;
    return;
  }
  w.ensure(3);
  w.buf.copyWithin(start + 5, start + 2, start + 2 + n);
  w.buf[start] = large;
  w.view.setUint32(start + 1, n);
  w.pos = start + 5 + n;
}

function notAscii(s: string): never {
  throw new EncodeError(`symbol must be ASCII: ${JSON.stringify(s)}`);
}

/**
 * Compound types: reserve the 32-bit header (size + count), write the elements, then move the
 * elements 6 bytes left when the 8-bit form fits. One pass, no pre-measuring.
 */
function writeCompound(w: ByteWriter, code8: number, code32: number, count: number, body: () => void): void {
  const start = w.pos;
  w.ensure(9);
  w.pos = start + 9;
  body();
  const len = w.pos - (start + 9);
  if (count <= 0xff && len + 1 <= 0xff) {
    w.buf[start] = code8;
    w.buf[start + 1] = len + 1;
    w.buf[start + 2] = count;
    w.buf.copyWithin(start + 3, start + 9, start + 9 + len);
    w.pos = start + 3 + len;
  } else {
    w.buf[start] = code32;
    w.view.setUint32(start + 1, len + 4);
    w.view.setUint32(start + 5, count);
  }
}

function writeList(w: ByteWriter, items: readonly AmqpValue[]): void {
  if (items.length === 0) return w.u8(Code.list0);
  writeCompound(w, Code.list8, Code.list32, items.length, () => {
    for (let i = 0; i < items.length; i++) writeValue(w, items[i]);
  });
}

function writeMap(w: ByteWriter, entries: readonly (readonly [AmqpValue, AmqpValue])[]): void {
  writeCompound(w, Code.map8, Code.map32, entries.length * 2, () => {
    for (let i = 0; i < entries.length; i++) {
      writeValue(w, entries[i][0]);
      writeValue(w, entries[i][1]);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Arrays: one constructor for all elements, then each element's data without constructor.

/** Element writers: data only (no constructor), keyed by the constructor they were chosen for. */
type ElementWriter = (w: ByteWriter, v: AmqpValue) => void;

interface ArrayPlan {
  readonly code: number;
  readonly write: ElementWriter;
}

const num = (v: AmqpValue): number => v.value as number;
const big = (v: AmqpValue): bigint => v.value as bigint;
const raw = (v: AmqpValue): Uint8Array => v.value as Uint8Array;

/** Plans for element types whose constructor does not depend on the element values. */
const FIXED_PLANS: { readonly [k: string]: ArrayPlan } = {
  null: { code: Code.null, write: () => {} },
  boolean: { code: Code.boolean, write: (w, v) => w.u8(v.value ? 1 : 0) },
  ubyte: { code: Code.ubyte, write: (w, v) => w.u8(num(v)) },
  ushort: { code: Code.ushort, write: (w, v) => w.u16(num(v)) },
  byte: { code: Code.byte, write: (w, v) => w.i8(num(v)) },
  short: { code: Code.short, write: (w, v) => w.i16(num(v)) },
  float: { code: Code.float, write: (w, v) => w.f32(num(v)) },
  double: { code: Code.double, write: (w, v) => w.f64(num(v)) },
  decimal32: { code: Code.decimal32, write: (w, v) => fixedBytes(w, raw(v), 4, 'decimal32') },
  decimal64: { code: Code.decimal64, write: (w, v) => fixedBytes(w, raw(v), 8, 'decimal64') },
  decimal128: { code: Code.decimal128, write: (w, v) => fixedBytes(w, raw(v), 16, 'decimal128') },
  char: { code: Code.char, write: (w, v) => w.u32(num(v)) },
  timestamp: { code: Code.timestamp, write: (w, v) => w.i64(big(v)) },
  uuid: { code: Code.uuid, write: (w, v) => fixedBytes(w, raw(v), 16, 'uuid') },
};

const PLAN_SMALLUINT: ArrayPlan = { code: Code.smalluint, write: (w, v) => w.u8(num(v)) };
const PLAN_UINT: ArrayPlan = { code: Code.uint, write: (w, v) => w.u32(num(v)) };
const PLAN_SMALLULONG: ArrayPlan = { code: Code.smallulong, write: (w, v) => w.u8(Number(big(v))) };
const PLAN_ULONG: ArrayPlan = { code: Code.ulong, write: (w, v) => w.u64(big(v)) };
const PLAN_SMALLINT: ArrayPlan = { code: Code.smallint, write: (w, v) => w.i8(num(v)) };
const PLAN_INT: ArrayPlan = { code: Code.int, write: (w, v) => w.i32(num(v)) };
const PLAN_SMALLLONG: ArrayPlan = { code: Code.smalllong, write: (w, v) => w.i8(Number(big(v))) };
const PLAN_LONG: ArrayPlan = { code: Code.long, write: (w, v) => w.i64(big(v)) };

function all(values: readonly AmqpValue[], pred: (v: AmqpValue) => boolean): boolean {
  for (let i = 0; i < values.length; i++) if (!pred(values[i])) return false;
  return true;
}

/** The inner (undescribed) values of an array's elements, checked against the element type. */
function innerValues(a: AmqpArray): AmqpValue[] {
  const out: AmqpValue[] = new Array(a.value.length);
  for (let i = 0; i < a.value.length; i++) {
    let v = a.value[i];
    if (a.descriptor !== undefined) {
      if (v.type !== 'described') throw new EncodeError('elements of a described array must be described values');
      v = v.value;
    }
    if (v.type !== a.elementType) {
      throw new EncodeError(`array of ${a.elementType} holds a ${v.type} at index ${i}`);
    }
    out[i] = v;
  }
  return out;
}

function writeArray(w: ByteWriter, a: AmqpArray): void {
  const values = innerValues(a);
  // Variable-width and compound element types need a size decision across all elements:
  // try the 8-bit form first and redo with the 32-bit form if any element overflows it.
  const start = w.pos;
  if (!writeArrayWith(w, a, values, true)) {
    w.pos = start;
    writeArrayWith(w, a, values, false);
  }
}

/** Returns false (having written garbage to rewind) when `narrow` element sizes overflow. */
function writeArrayWith(w: ByteWriter, a: AmqpArray, values: AmqpValue[], narrow: boolean): boolean {
  let ok = true;
  let elementCode = 0;
  let writeElement: ElementWriter;
  switch (a.elementType) {
    case 'uint': {
      const p = all(values, (v) => num(v) <= 0xff) ? PLAN_SMALLUINT : PLAN_UINT;
      elementCode = p.code; writeElement = p.write; break;
    }
    case 'ulong': {
      const p = all(values, (v) => big(v) <= ULONG_SMALL_MAX) ? PLAN_SMALLULONG : PLAN_ULONG;
      elementCode = p.code; writeElement = p.write; break;
    }
    case 'int': {
      const p = all(values, (v) => num(v) >= -128 && num(v) <= 127) ? PLAN_SMALLINT : PLAN_INT;
      elementCode = p.code; writeElement = p.write; break;
    }
    case 'long': {
      const p = all(values, (v) => big(v) >= LONG_SMALL_MIN && big(v) <= LONG_SMALL_MAX) ? PLAN_SMALLLONG : PLAN_LONG;
      elementCode = p.code; writeElement = p.write; break;
    }
    case 'binary':
      elementCode = narrow ? Code.vbin8 : Code.vbin32;
      writeElement = (ww, v) => {
        const b = raw(v);
        if (narrow) { if (b.length > 0xff) { ok = false; return; } ww.u8(b.length); } else ww.u32(b.length);
        ww.bytes(b);
      };
      break;
    case 'string':
    case 'symbol': {
      const isSym = a.elementType === 'symbol';
      elementCode = isSym ? (narrow ? Code.sym8 : Code.sym32) : (narrow ? Code.str8 : Code.str32);
      writeElement = (ww, v) => {
        const s = v.value as string;
        const at = ww.pos;
        ww.ensure(4);
        ww.pos = at + (narrow ? 1 : 4);
        const n = ww.utf8(s);
        if (isSym && n !== s.length) {
          ww.pos = at;
          notAscii(s);
        }
        if (narrow) { if (n > 0xff) { ok = false; return; } ww.buf[at] = n; } else ww.view.setUint32(at, n);
      };
      break;
    }
    case 'list':
      elementCode = narrow ? Code.list8 : Code.list32;
      writeElement = (ww, v) => {
        const items = v.value as readonly AmqpValue[];
        ok = writeSized(ww, narrow, items.length, () => { for (const x of items) writeValue(ww, x); }) && ok;
      };
      break;
    case 'map':
      elementCode = narrow ? Code.map8 : Code.map32;
      writeElement = (ww, v) => {
        const entries = v.value as readonly (readonly [AmqpValue, AmqpValue])[];
        ok = writeSized(ww, narrow, entries.length * 2, () => {
          for (const [k, x] of entries) { writeValue(ww, k); writeValue(ww, x); }
        }) && ok;
      };
      break;
    case 'array':
      elementCode = narrow ? Code.array8 : Code.array32;
      writeElement = (ww, v) => {
        // A nested array's body: size, count, its own element constructor and data.
        const at = ww.pos;
        writeArray(ww, v as AmqpArray);
        const code = ww.buf[at];
        const nestedNarrow = code === Code.array8;
        if (narrow && !nestedNarrow) { ok = false; return; }
        // Drop the nested constructor byte; widen its header if the outer array is wide.
        if (!narrow && nestedNarrow) {
          const size = ww.buf[at + 1];
          const count = ww.buf[at + 2];
          const bodyLen = ww.pos - (at + 3);
          ww.ensure(5);
          ww.buf.copyWithin(at + 8, at + 3, ww.pos);
          ww.view.setUint32(at, size + 3);
          ww.view.setUint32(at + 4, count);
          ww.pos = at + 8 + bodyLen;
        } else {
          ww.buf.copyWithin(at, at + 1, ww.pos);
          ww.pos -= 1;
        }
      };
      break;
    default: {
      const p = FIXED_PLANS[a.elementType];
      if (p === undefined) throw new EncodeError(`unknown array element type ${String(a.elementType)}`);
      elementCode = p.code; writeElement = p.write;
    }
  }

  // Header reserved in the wide layout; narrowed at the end like lists.
  const start = reserveCompound(w);
  if (a.descriptor !== undefined) {
    w.u8(Code.described);
    writeValue(w, a.descriptor);
  }
  w.u8(elementCode);
  for (let i = 0; i < values.length && ok; i++) writeElement(w, values[i]);
  if (!ok) return false;
  closeCompound(w, start, values.length, Code.array8, Code.array32);
  return true;
}

/**
 * Reserve the wide (32-bit) header of a list or array at the writer's position, 9 bytes (code,
 * size, count), before its elements are written; returns where it starts. {@link closeCompound}
 * fills it in afterwards, narrowed to the 8-bit form when size and count fit.
 */
export function reserveCompound(w: ByteWriter): number {
  const start = w.pos;
  w.ensure(9);
  w.pos = start + 9;
  return start;
}

/** Fill in the header reserved at `start` for `count` elements: `narrow` (8-bit) when it fits, else `wide`. */
export function closeCompound(w: ByteWriter, start: number, count: number, narrow: number, wide: number): void {
  const len = w.pos - (start + 9);
  if (count <= 0xff && len + 1 <= 0xff) {
    w.buf[start] = narrow;
    w.buf[start + 1] = len + 1;
    w.buf[start + 2] = count;
    w.buf.copyWithin(start + 3, start + 9, start + 9 + len);
    w.pos = start + 3 + len;
  } else {
    w.buf[start] = wide;
    w.view.setUint32(start + 1, len + 4);
    w.view.setUint32(start + 5, count);
  }
}

/** Writes size+count+body for a list or map element inside an array; false if narrow overflows. */
function writeSized(w: ByteWriter, narrow: boolean, count: number, body: () => void): boolean {
  const at = w.pos;
  const hdr = narrow ? 2 : 8;
  w.ensure(hdr);
  w.pos = at + hdr;
  body();
  const len = w.pos - (at + hdr);
  if (narrow) {
    if (count > 0xff || len + 1 > 0xff) return false;
    w.buf[at] = len + 1;
    w.buf[at + 1] = count;
  } else {
    w.view.setUint32(at, len + 4);
    w.view.setUint32(at + 4, count);
  }
  return true;
}
