/**
 * One table-driven codec for every composite of the specification (performatives, SASL frames,
 * header/properties sections, delivery states, termini, transactions). The generated COMPOSITES
 * table says which fields exist, in which order, how each travels on the wire and which are
 * mandatory; nothing here knows about a particular performative.
 *
 * Encoding writes straight into a ByteWriter: descriptor bytes precomputed per composite, a list
 * header reserved and narrowed afterwards, and each field written as it is visited (leaf values
 * only; no AmqpValue tree is built). Trailing absent fields are trimmed, inner absent fields are
 * written as null, as the specification's list encoding of composites requires.
 */
import { DecodeError, EncodeError } from '../../errors.js';
import { Code } from '../codec/constructors.js';
import { ByteReader, decode, readValue } from '../codec/decoder.js';
import { closeCompound, encode, reserveCompound, writeValue } from '../codec/encoder.js';
import type { AmqpDescribed, AmqpValue } from '../codec/types.js';
import {
  binary, boolean, byte, char, double, float, int, long, short, string, symbol, timestamp,
  ubyte, uint, ulong, ushort, uuid,
} from '../codec/values.js';
import { ByteWriter } from '../codec/writer.js';
import {
  COMPOSITES, ENUMS, type Archetype, type ArchetypeMap, type Composite, type CompositeName,
  type CompositeTypes,
} from './definitions.generated.js';
import type { CompositeDefinition, EnumDefinition, FieldDefinition, FieldWireType } from './schema.js';

type PrimitiveFieldType = Exclude<FieldWireType, '*' | 'composite'>;

/** Native value -> typed leaf. The typed constructors validate ranges and JS types. */
const LEAF: { readonly [T in PrimitiveFieldType]: (v: never) => AmqpValue } = {
  boolean: (v: boolean) => {
    if (typeof v !== 'boolean') throw new TypeError(`expected a boolean, got ${typeof v}`);
    return boolean(v);
  },
  ubyte, ushort, uint, ulong, byte, short, int, long, float, double, char, timestamp, uuid, binary,
  string, symbol,
  decimal32: (v: Uint8Array) => ({ type: 'decimal32', value: v }),
  decimal64: (v: Uint8Array) => ({ type: 'decimal64', value: v }),
  decimal128: (v: Uint8Array) => ({ type: 'decimal128', value: v }),
  map: (v: AmqpValue) => {
    if (v === null || typeof v !== 'object' || v.type !== 'map') throw new TypeError('expected an AmqpMap');
    return v;
  },
};

/** Per-enum lookups: TS literal <-> wire value. Symbols are their own literal, others use names. */
interface EnumCodec {
  readonly toWire: ReadonlyMap<string, boolean | number | string>;
  readonly fromWire: ReadonlyMap<boolean | number | string, string>;
}

const ENUM_CODECS = new Map<string, EnumCodec>();
for (const e of Object.values(ENUMS) as readonly EnumDefinition[]) {
  const toWire = new Map<string, boolean | number | string>();
  const fromWire = new Map<boolean | number | string, string>();
  for (const c of e.choices) {
    const literal = e.source === 'symbol' ? String(c.value) : c.name;
    toWire.set(literal, c.value);
    fromWire.set(c.value, literal);
  }
  ENUM_CODECS.set(e.name, { toWire, fromWire });
}

/** A composite definition plus what the hot path needs precomputed. */
interface Entry {
  readonly def: CompositeDefinition;
  /** 0x00 constructor and the ulong descriptor, encoded once. */
  readonly descriptorBytes: Uint8Array;
}

const BY_NAME = new Map<string, Entry>();
const BY_CODE = new Map<bigint, Entry>();
const BY_SYMBOL = new Map<string, Entry>();
for (const def of Object.values(COMPOSITES) as readonly CompositeDefinition[]) {
  const d = encode(ulong(def.code));
  const descriptorBytes = new Uint8Array(d.length + 1);
  descriptorBytes[0] = Code.described;
  descriptorBytes.set(d, 1);
  const entry: Entry = { def, descriptorBytes };
  BY_NAME.set(def.name, entry);
  BY_CODE.set(BigInt(def.code), entry);
  BY_SYMBOL.set(def.symbol, entry);
}

/** The definition of a composite kind. */
export function compositeDefinition(kind: CompositeName): CompositeDefinition {
  return COMPOSITES[kind];
}

/** The composite a descriptor (ulong code or symbol) names, if the specification defines it. */
export function definitionForDescriptor(descriptor: AmqpValue): CompositeDefinition | undefined {
  if (descriptor.type === 'ulong') return BY_CODE.get(descriptor.value)?.def;
  if (descriptor.type === 'symbol') return BY_SYMBOL.get(descriptor.value)?.def;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding

type Fields = Readonly<Record<string, unknown>>;
const absent = (v: unknown): boolean => v === undefined || v === null;

/** Append `described(ulong(code), list(fields...))` for a composite object. */
export function writeComposite(w: ByteWriter, value: Composite): void {
  const entry = value !== null && typeof value === 'object' ? BY_NAME.get(value.kind) : undefined;
  if (entry === undefined) throw new EncodeError(`not a composite: kind ${String((value as { kind?: unknown })?.kind)}`);
  const { def } = entry;
  const obj = value as unknown as Fields;
  const fields = def.fields;
  let last = fields.length - 1;
  while (last >= 0 && absent(obj[fields[last].name])) last--;
  for (let i = last + 1; i < fields.length; i++) {
    if (fields[i].mandatory) throw new EncodeError(`${def.name}: mandatory field ${fields[i].specName} (${fields[i].name}) is missing`);
  }
  w.bytes(entry.descriptorBytes);
  if (last < 0) {
    w.u8(Code.list0);
    return;
  }
  // Reserve the list32 header (code, size, count), narrow to list8 afterwards when it fits.
  const start = reserveCompound(w);
  for (let i = 0; i <= last; i++) {
    const f = fields[i];
    const v = obj[f.name];
    if (absent(v)) {
      if (f.mandatory) throw new EncodeError(`${def.name}: mandatory field ${f.specName} (${f.name}) is missing`);
      w.u8(Code.null);
    } else {
      writeField(w, def, f, v);
    }
  }
  closeCompound(w, start, last + 1, Code.list8, Code.list32);
}

function writeField(w: ByteWriter, def: CompositeDefinition, f: FieldDefinition, v: unknown): void {
  try {
    if (f.multiple) {
      if (f.type === '*' || f.type === 'composite') throw new TypeError('multiple composite fields are not supported');
      const items = Array.isArray(v) ? v : [v];
      writeValue(w, { type: 'array', elementType: f.type, value: items.map((x) => leaf(f, x)) });
      return;
    }
    switch (f.type) {
      case 'composite': {
        const c = v as Composite;
        if (c.kind !== f.composite) throw new TypeError(`expected a ${f.composite}, got ${String(c.kind)}`);
        return writeComposite(w, c);
      }
      case '*': {
        const x = v as Composite | AmqpValue;
        if ('kind' in x) return writeComposite(w, x);
        return writeValue(w, x);
      }
      case 'boolean':
        // The one-byte true/false constants; the most frequent field type in performatives.
        if (f.enumType === undefined && typeof v === 'boolean') return w.u8(v ? Code.true : Code.false);
        return writeValue(w, leaf(f, v));
      default:
        return writeValue(w, leaf(f, v));
    }
  } catch (e) {
    if (e instanceof EncodeError) throw e;
    throw new EncodeError(`${def.name}.${f.name}: ${(e as Error).message}`);
  }
}

function leaf(f: FieldDefinition, v: unknown): AmqpValue {
  const t = f.type as PrimitiveFieldType;
  if (f.enumType !== undefined) {
    const wire = ENUM_CODECS.get(f.enumType)?.toWire.get(v as string);
    if (wire === undefined) throw new TypeError(`${JSON.stringify(v)} is not a ${f.enumType}`);
    return LEAF[t](wire as never);
  }
  return LEAF[t](v as never);
}

// One writer for the convenience encoder; encoding is synchronous, so it is never re-entered.
const sharedWriter = new ByteWriter(1024);

/** Encode a composite to fresh bytes. */
export function encodeComposite(value: Composite): Uint8Array {
  sharedWriter.reset();
  writeComposite(sharedWriter, value);
  return sharedWriter.toBytes();
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Read one composite at the reader's position. With an archetype, the composite must provide it
 * (a performative must provide `frame`, a SASL body `sasl-frame`).
 */
export function readComposite(r: ByteReader): Composite;
export function readComposite<A extends Archetype>(r: ByteReader, archetype: A): ArchetypeMap[A];
export function readComposite(r: ByteReader, archetype?: Archetype): Composite {
  const at = r.pos;
  const v = readValue(r, 0);
  if (v.type !== 'described') throw new DecodeError(`expected a described composite, got ${v.type}`, at);
  const def = definitionForDescriptor(v.descriptor);
  if (def === undefined) throw new DecodeError(`unknown composite descriptor ${describeDescriptor(v.descriptor)}`, at);
  if (archetype !== undefined && !def.provides.includes(archetype)) {
    throw new DecodeError(`${def.name} is not a ${archetype}`, at);
  }
  return fromDescribed(def, v, at);
}

/** Decode exactly one composite from bytes. */
export function decodeComposite(bytes: Uint8Array): Composite {
  const r = new ByteReader(bytes);
  const c = readComposite(r);
  if (r.pos !== r.end) throw new DecodeError(`${r.end - r.pos} trailing bytes after ${c.kind}`, r.pos);
  return c;
}

/**
 * The composite a decoded value holds, or undefined when it is not a described value with a
 * descriptor of the specification. `at` is reported in errors (the value's byte offset if known).
 */
export function compositeFromValue(v: AmqpValue, at = 0): Composite | undefined {
  if (v.type !== 'described') return undefined;
  const def = definitionForDescriptor(v.descriptor);
  return def === undefined ? undefined : fromDescribed(def, v, at);
}

/** The typed-value form of a composite (for maps, composite JSON and other generic code). */
export function compositeToValue(c: Composite): AmqpDescribed {
  return decode(encodeComposite(c)) as AmqpDescribed;
}

/** A copy of `c` with every absent field that has a specification default set to it. */
export function withDefaults<K extends CompositeName>(c: CompositeTypes[K]): CompositeTypes[K] {
  const out: Record<string, unknown> = { ...c };
  for (const f of COMPOSITES[c.kind as K].fields) {
    if (f.default !== undefined && absent(out[f.name])) out[f.name] = f.default;
  }
  return out as unknown as CompositeTypes[K];
}

function describeDescriptor(d: AmqpValue): string {
  if (d.type === 'ulong') return `0x${d.value.toString(16)}`;
  if (d.type === 'symbol') return d.value;
  return `of type ${d.type}`;
}

function fromDescribed(def: CompositeDefinition, v: AmqpDescribed, at: number): Composite {
  if (v.value.type !== 'list') throw new DecodeError(`${def.name}: expected a list, got ${v.value.type}`, at);
  const items = v.value.value;
  const out: Record<string, unknown> = { kind: def.name };
  const fields = def.fields;
  // Items beyond the definition are ignored: later protocol versions may append fields.
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const item = i < items.length ? items[i] : undefined;
    const native = item === undefined || item.type === 'null' ? undefined : readField(def, f, item, at);
    if (native === undefined) {
      if (f.mandatory) throw new DecodeError(`${def.name}: mandatory field ${f.specName} (${f.name}) is missing`, at);
    } else {
      out[f.name] = native;
    }
  }
  return out as unknown as Composite;
}

function readField(def: CompositeDefinition, f: FieldDefinition, v: AmqpValue, at: number): unknown {
  if (!f.multiple) return readSingle(def, f, v, at);
  // A multiple field may carry one value or an array of them.
  if (v.type === 'array') return v.value.map((x) => readSingle(def, f, x, at));
  return [readSingle(def, f, v, at)];
}

function readSingle(def: CompositeDefinition, f: FieldDefinition, v: AmqpValue, at: number): unknown {
  switch (f.type) {
    case '*': {
      // Polymorphic: decode a known composite that provides the archetype; anything else stays typed.
      if (v.type !== 'described') return v;
      const inner = definitionForDescriptor(v.descriptor);
      if (inner === undefined || (f.requires !== undefined && !inner.provides.includes(f.requires))) return v;
      return fromDescribed(inner, v, at);
    }
    case 'composite': {
      const inner = v.type === 'described' ? definitionForDescriptor(v.descriptor) : undefined;
      if (inner === undefined || inner.name !== f.composite || v.type !== 'described') {
        throw new DecodeError(`${def.name}.${f.specName}: expected ${f.composite}, got ${describeValue(v)}`, at);
      }
      return fromDescribed(inner, v, at);
    }
    default: {
      if (v.type !== f.type) {
        throw new DecodeError(`${def.name}.${f.specName}: expected ${f.type}, got ${describeValue(v)}`, at);
      }
      if (v.type === 'map') return v;
      if (f.enumType !== undefined) {
        const literal = ENUM_CODECS.get(f.enumType)?.fromWire.get(v.value as boolean | number | string);
        if (literal === undefined) {
          throw new DecodeError(`${def.name}.${f.specName}: ${String(v.value)} is not a ${f.enumType}`, at);
        }
        return literal;
      }
      return v.value;
    }
  }
}

function describeValue(v: AmqpValue): string {
  if (v.type !== 'described') return v.type;
  return `described ${describeDescriptor(v.descriptor)}`;
}
