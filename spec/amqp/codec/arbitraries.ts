/**
 * fast-check arbitraries for typed AMQP values, shared by every codec test.
 *
 * `arbAmqpValue(depth)` covers every type: all primitives, described values (ulong and symbol
 * descriptors, occasionally nested), arrays of every element type (including empty and described
 * arrays) and nested lists and maps (with unique keys, so maps are valid everywhere).
 */
import fc from 'fast-check';
import type { AmqpValue, PrimitiveTypeName } from '../../../src/amqp/codec/types.js';

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** Values of one scalar type (its `value` field already in the typed model's JS form). */
const SCALARS = {
  null: fc.constant({ type: 'null', value: null }),
  boolean: fc.boolean().map((value) => ({ type: 'boolean', value })),
  ubyte: fc.integer({ min: 0, max: 0xff }).map((value) => ({ type: 'ubyte', value })),
  ushort: fc.integer({ min: 0, max: 0xffff }).map((value) => ({ type: 'ushort', value })),
  uint: fc.nat({ max: 0xffffffff }).map((value) => ({ type: 'uint', value })),
  ulong: fc.bigInt({ min: 0n, max: U64_MAX }).map((value) => ({ type: 'ulong', value })),
  byte: fc.integer({ min: -0x80, max: 0x7f }).map((value) => ({ type: 'byte', value })),
  short: fc.integer({ min: -0x8000, max: 0x7fff }).map((value) => ({ type: 'short', value })),
  int: fc.integer().map((value) => ({ type: 'int', value })),
  long: fc.bigInt({ min: I64_MIN, max: I64_MAX }).map((value) => ({ type: 'long', value })),
  // fc.float already yields single-precision values (NaN, ±0, ±Infinity included); fround
  // makes that explicit so the value equals what 4 bytes on the wire carry.
  float: fc.float().map((v) => ({ type: 'float', value: Math.fround(v) })),
  double: fc.double().map((value) => ({ type: 'double', value })),
  decimal32: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((value) => ({ type: 'decimal32', value })),
  decimal64: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((value) => ({ type: 'decimal64', value })),
  decimal128: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((value) => ({ type: 'decimal128', value })),
  char: fc.oneof(fc.integer({ min: 0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0x10ffff }))
    .map((value) => ({ type: 'char', value })),
  timestamp: fc.oneof(
    fc.bigInt({ min: -8_640_000_000_000_000n, max: 8_640_000_000_000_000n }),
    fc.bigInt({ min: I64_MIN, max: I64_MAX }),
  ).map((value) => ({ type: 'timestamp', value })),
  uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((value) => ({ type: 'uuid', value })),
  binary: fc.uint8Array({ maxLength: 40 }).map((value) => ({ type: 'binary', value })),
  string: fc.string({ unit: 'binary', maxLength: 20 }).map((value) => ({ type: 'string', value })),
  symbol: fc.string({ unit: 'binary-ascii', maxLength: 20 }).map((value) => ({ type: 'symbol', value })),
} satisfies Record<Exclude<PrimitiveTypeName, 'list' | 'map' | 'array'>, fc.Arbitrary<AmqpValue>>;

type ScalarName = keyof typeof SCALARS;
const SCALAR_NAMES = Object.keys(SCALARS) as ScalarName[];

/** Any scalar (non-compound, undescribed) value. */
export const arbScalar: fc.Arbitrary<AmqpValue> =
  fc.oneof(...SCALAR_NAMES.map((n) => SCALARS[n] as fc.Arbitrary<AmqpValue>));

/** A descriptor as AMQP uses them: a ulong code or a symbol name. */
export const arbDescriptor: fc.Arbitrary<AmqpValue> = fc.oneof(SCALARS.ulong, SCALARS.symbol);

/**
 * A test-side identity of a value (type + value), independent of the code under test, so that
 * generated map keys are unique. -0 and 0 are different keys; NaN equals NaN.
 */
export function valueIdentity(v: AmqpValue): string {
  switch (v.type) {
    case 'list': case 'array':
      return `${v.type}(${v.value.map(valueIdentity).join(',')})`;
    case 'map':
      return `map(${v.value.map(([k, x]) => `${valueIdentity(k)}:${valueIdentity(x)}`).join(',')})`;
    case 'described':
      return `described(${valueIdentity(v.descriptor)},${valueIdentity(v.value)})`;
    default: {
      const x: unknown = v.value;
      const text = x instanceof Uint8Array ? Array.from(x).join('.')
        : Object.is(x, -0) ? '-0'
          : typeof x === 'string' ? JSON.stringify(x) : String(x);
      return `${v.type}:${text}`;
    }
  }
}

const ELEMENT_TYPES: readonly PrimitiveTypeName[] = [...SCALAR_NAMES, 'list', 'map', 'array'];

/** Values of one element type (undescribed), for array elements. */
function arbOfType(t: PrimitiveTypeName, depth: number): fc.Arbitrary<AmqpValue> {
  switch (t) {
    case 'list': return arbList(depth);
    case 'map': return arbMap(depth);
    case 'array': return arbArray(depth);
    default: return SCALARS[t] as fc.Arbitrary<AmqpValue>;
  }
}

function arbList(depth: number): fc.Arbitrary<AmqpValue> {
  return fc.array(arbAmqpValue(depth - 1), { maxLength: 4 }).map((value) => ({ type: 'list', value }));
}

function arbMap(depth: number): fc.Arbitrary<AmqpValue> {
  // Keys are scalars or described scalars, which is what real AMQP maps use.
  const key = fc.oneof({ weight: 4, arbitrary: arbScalar }, { weight: 1, arbitrary: arbDescribedScalar() });
  return fc.uniqueArray(fc.tuple(key, arbAmqpValue(depth - 1)), {
    maxLength: 4, selector: ([k]) => valueIdentity(k),
  }).map((value) => ({ type: 'map', value }));
}

function arbDescribedScalar(): fc.Arbitrary<AmqpValue> {
  return fc.tuple(arbDescriptor, arbScalar).map(([descriptor, value]) => ({ type: 'described', descriptor, value }));
}

/** Arrays of every element type: empty, plain and described (every element has the descriptor). */
function arbArray(depth: number): fc.Arbitrary<AmqpValue> {
  // Compound element types need a level to spend; at depth 0 only scalar element types remain.
  const types = depth > 0 ? ELEMENT_TYPES : SCALAR_NAMES;
  return fc.constantFrom(...types).chain((elementType) => fc.record({
    elements: fc.array(arbOfType(elementType, depth - 1), { maxLength: 4 }),
    // One array in three is described.
    descriptor: fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: arbDescriptor },
    ),
  }).map(({ elements, descriptor }): AmqpValue => (descriptor === undefined
    ? { type: 'array', elementType, value: elements }
    : {
      type: 'array',
      elementType,
      descriptor,
      value: elements.map((value) => ({ type: 'described', descriptor, value })),
    })));
}

/**
 * Any typed AMQP value, nesting compound values at most `depth` levels deep (depth 0: scalars,
 * described scalars and arrays of scalars).
 */
export function arbAmqpValue(depth = 2): fc.Arbitrary<AmqpValue> {
  const leaf: fc.Arbitrary<AmqpValue> = fc.oneof(
    { weight: 6, arbitrary: arbScalar },
    { weight: 1, arbitrary: arbDescribedScalar() },
    { weight: 1, arbitrary: arbArray(0) },
  );
  if (depth <= 0) return leaf;
  const described = fc.tuple(arbDescriptor, arbAmqpValue(depth - 1))
    .map(([descriptor, value]): AmqpValue => ({ type: 'described', descriptor, value }));
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: arbList(depth) },
    { weight: 1, arbitrary: arbMap(depth) },
    { weight: 1, arbitrary: arbArray(depth) },
    { weight: 1, arbitrary: described },
  );
}
