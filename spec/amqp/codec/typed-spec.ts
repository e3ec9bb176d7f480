/**
 * The typed JSON description shared with spec/interop/proton_codec.py (its docstring has the
 * grammar). Scalars travel as strings (64-bit integers stay exact, floats travel as their IEEE
 * bits so NaN and -0 survive), so a description compares with deep equality on both sides.
 */
import {
  array, binary, boolean, byte, char, decimal128, decimal32, decimal64, described, double, float,
  int, list, long, map, nullValue, short, string, symbol, timestamp, ubyte, uint, ulong, ushort,
  uuid, type AmqpArray, type AmqpValue,
} from '../../../src/amqp/index.js';

export type TypedSpec =
  | { readonly t: 'null' }
  | { readonly t: 'boolean'; readonly v: boolean }
  | { readonly t: ScalarName; readonly v: string }
  | { readonly t: 'list'; readonly v: readonly TypedSpec[] }
  | { readonly t: 'map'; readonly v: readonly (readonly [TypedSpec, TypedSpec])[] }
  | { readonly t: 'array'; readonly elem: AmqpArray['elementType']; readonly v: readonly TypedSpec[]; readonly d?: TypedSpec }
  | { readonly t: 'described'; readonly d: TypedSpec; readonly v: TypedSpec };

type ScalarName =
  | 'ubyte' | 'ushort' | 'uint' | 'ulong' | 'byte' | 'short' | 'int' | 'long' | 'float' | 'double'
  | 'decimal32' | 'decimal64' | 'decimal128' | 'char' | 'timestamp' | 'uuid' | 'binary' | 'string'
  | 'symbol';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Builders that keep case tables short. */
export const S = {
  null: (): TypedSpec => ({ t: 'null' }),
  bool: (v: boolean): TypedSpec => ({ t: 'boolean', v }),
  num: (t: ScalarName, v: number | bigint | string): TypedSpec => ({ t, v: String(v) }),
  float: (n: number): TypedSpec => ({ t: 'float', v: floatBits(n) }),
  double: (n: number): TypedSpec => ({ t: 'double', v: doubleBits(n) }),
  str: (v: string): TypedSpec => ({ t: 'string', v }),
  sym: (v: string): TypedSpec => ({ t: 'symbol', v }),
  list: (...v: TypedSpec[]): TypedSpec => ({ t: 'list', v }),
  map: (...v: (readonly [TypedSpec, TypedSpec])[]): TypedSpec => ({ t: 'map', v }),
  array: (elem: AmqpArray['elementType'], v: TypedSpec[], d?: TypedSpec): TypedSpec =>
    (d === undefined ? { t: 'array', elem, v } : { t: 'array', elem, v, d }),
  described: (d: TypedSpec, v: TypedSpec): TypedSpec => ({ t: 'described', d, v }),
};

export function floatBits(n: number): string {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, n);
  return hex(new Uint8Array(dv.buffer));
}

export function doubleBits(n: number): string {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, n);
  return hex(new Uint8Array(dv.buffer));
}

function fromBits(h: string): DataView {
  const b = unhex(h);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The typed value a description stands for. */
export function toValue(s: TypedSpec): AmqpValue {
  switch (s.t) {
    case 'null': return nullValue;
    case 'boolean': return boolean(s.v);
    case 'ubyte': return ubyte(Number(s.v));
    case 'ushort': return ushort(Number(s.v));
    case 'uint': return uint(Number(s.v));
    case 'ulong': return ulong(BigInt(s.v));
    case 'byte': return byte(Number(s.v));
    case 'short': return short(Number(s.v));
    case 'int': return int(Number(s.v));
    case 'long': return long(BigInt(s.v));
    case 'float': return float(fromBits(s.v).getFloat32(0));
    case 'double': return double(fromBits(s.v).getFloat64(0));
    case 'decimal32': return decimal32(unhex(s.v));
    case 'decimal64': return decimal64(unhex(s.v));
    case 'decimal128': return decimal128(unhex(s.v));
    case 'char': return char(Number(s.v));
    case 'timestamp': return timestamp(BigInt(s.v));
    case 'uuid': return uuid(unhex(s.v));
    case 'binary': return binary(unhex(s.v));
    case 'string': return string(s.v);
    case 'symbol': return symbol(s.v);
    case 'list': return list(s.v.map(toValue));
    case 'map': return map(s.v.map(([k, v]) => [toValue(k), toValue(v)] as const));
    case 'array': {
      const d = s.d === undefined ? undefined : toValue(s.d);
      const items = s.v.map((x) => (d === undefined ? toValue(x) : described(d, toValue(x))));
      return array(s.elem, items, d);
    }
    case 'described': return described(toValue(s.d), toValue(s.v));
  }
}

/** The description of a typed value (inverse of toValue). */
export function toSpec(v: AmqpValue): TypedSpec {
  switch (v.type) {
    case 'null': return S.null();
    case 'boolean': return S.bool(v.value);
    case 'float': return S.float(v.value);
    case 'double': return S.double(v.value);
    case 'decimal32': case 'decimal64': case 'decimal128': case 'uuid': case 'binary':
      return S.num(v.type, hex(v.value));
    case 'string': return S.str(v.value);
    case 'symbol': return S.sym(v.value);
    case 'list': return { t: 'list', v: v.value.map(toSpec) };
    case 'map': return { t: 'map', v: v.value.map(([k, x]) => [toSpec(k), toSpec(x)] as const) };
    case 'array': {
      // Elements of a described array are described values; the description lists their insides.
      const items = v.value.map((x) => toSpec(v.descriptor !== undefined && x.type === 'described' ? x.value : x));
      return S.array(v.elementType, items, v.descriptor === undefined ? undefined : toSpec(v.descriptor));
    }
    case 'described': return S.described(toSpec(v.descriptor), toSpec(v.value));
    default: return S.num(v.type, v.value);
  }
}
