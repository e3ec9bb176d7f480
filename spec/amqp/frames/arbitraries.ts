/** fast-check arbitraries for every composite, derived from the definition table. */
import fc from 'fast-check';
import {
  COMPOSITES, ENUMS, type Composite, type CompositeDefinition, type CompositeName, type EnumDefinition,
  type FieldDefinition,
} from '../../../src/amqp/frames/index.js';
import { binary, map, string, symbol, ulong, uint, uuid, type AmqpValue } from '../../../src/amqp/index.js';

const str = fc.string({ unit: 'binary', maxLength: 12 });
const sym = fc.string({ unit: 'binary-ascii', maxLength: 12 });
const amqpMap = fc.array(fc.tuple(sym, fc.oneof(str.map(string), fc.nat().map(uint))), { maxLength: 4 })
  .map((entries) => map(entries.map(([k, v]) => [symbol(k), v] as const)));

/** Values for polymorphic fields whose archetype no composite provides. */
const ARCHETYPE_VALUES: Readonly<Record<string, fc.Arbitrary<AmqpValue>>> = {
  address: str.map(string),
  'message-id': fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(ulong),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map(uuid),
    fc.uint8Array({ maxLength: 8 }).map(binary),
    str.map(string),
  ),
  'txn-id': fc.uint8Array({ maxLength: 8 }).map(binary),
  'global-tx-id': fc.uint8Array({ maxLength: 8 }).map(binary),
};

function primitive(f: FieldDefinition): fc.Arbitrary<unknown> {
  if (f.enumType !== undefined) {
    const e = (ENUMS as Readonly<Record<string, EnumDefinition>>)[f.enumType];
    return fc.constantFrom(...e.choices.map((c) => (e.source === 'symbol' ? c.value : c.name)));
  }
  switch (f.type) {
    case 'boolean': return fc.boolean();
    case 'ubyte': return fc.integer({ min: 0, max: 0xff });
    case 'ushort': return fc.integer({ min: 0, max: 0xffff });
    case 'uint': return fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }));
    case 'ulong': return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case 'timestamp': return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'string': return str;
    case 'symbol': return sym;
    case 'binary': return fc.uint8Array({ maxLength: 300 });
    case 'map': return amqpMap;
    default: throw new Error(`no arbitrary for ${f.type}`);
  }
}

const cache = new Map<string, fc.Arbitrary<Composite>>();

/** An arbitrary object of one composite kind: mandatory fields always, others sometimes. */
export function arbitraryComposite(kind: CompositeName): fc.Arbitrary<Composite> {
  const hit = cache.get(kind);
  if (hit !== undefined) return hit;
  const def: CompositeDefinition = COMPOSITES[kind];
  const model: Record<string, fc.Arbitrary<unknown>> = { kind: fc.constant(kind) };
  for (const f of def.fields) model[f.name] = fieldArbitrary(f);
  const arb = fc.record(model, { requiredKeys: ['kind', ...def.fields.filter((f) => f.mandatory).map((f) => f.name)] })
    .map((o) => o as unknown as Composite);
  cache.set(kind, arb);
  return arb;
}

function fieldArbitrary(f: FieldDefinition): fc.Arbitrary<unknown> {
  let single: fc.Arbitrary<unknown>;
  if (f.type === 'composite') single = arbitraryComposite(f.composite as CompositeName);
  else if (f.type === '*') {
    const providers = (Object.values(COMPOSITES) as CompositeDefinition[]).filter((c) => c.provides.includes(f.requires ?? ''));
    single = providers.length > 0
      ? fc.oneof(...providers.map((c) => arbitraryComposite(c.name as CompositeName)))
      : ARCHETYPE_VALUES[f.requires ?? ''] ?? str.map(string);
  } else single = primitive(f);
  return f.multiple ? fc.array(single, { maxLength: 3 }) : single;
}
