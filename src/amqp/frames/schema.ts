/**
 * The shape of the generated definition table (definitions.generated.ts). Kept apart from the
 * generated data so that the generator, the codec and the tests agree on one vocabulary.
 */
import type { PrimitiveTypeName } from '../codec/types.js';

/**
 * How a field travels on the wire once restricted types are resolved (handle -> uint,
 * fields -> map, role -> boolean...): an AMQP primitive, `'*'` for a polymorphic field (any value
 * providing the `requires` archetype), or `'composite'` for a field typed by a composite
 * (e.g. `error`), which travels as a described list.
 */
export type FieldWireType = Exclude<PrimitiveTypeName, 'null' | 'list' | 'array'> | '*' | 'composite';

/** A field default, already in the native form the decoded objects use. */
export type FieldDefault = boolean | number | string;

export interface FieldDefinition {
  /** camelCase name used in the TypeScript objects. */
  readonly name: string;
  /** The specification's name (`container-id`), used by the trace formatter. */
  readonly specName: string;
  readonly type: FieldWireType;
  /** The type as written in the specification (`handle`, `role`, `*`, `error`...). */
  readonly specType: string;
  /** For `type: 'composite'`: the composite it holds. */
  readonly composite?: string;
  /** For restricted types with choices (role, settle modes...): the enum table entry. */
  readonly enumType?: string;
  /** The archetype a value must provide (`source`, `delivery-state`, `error-condition`...). */
  readonly requires?: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly default?: FieldDefault;
}

export interface CompositeDefinition {
  /** The specification's name (`open`, `sasl-init`); also the `kind` of decoded objects. */
  readonly name: string;
  /** The numeric descriptor (domain 0x00000000, so it fits a number). */
  readonly code: number;
  /** The symbolic descriptor (`amqp:open:list`). */
  readonly symbol: string;
  /** Archetypes this composite provides (`frame`, `sasl-frame`, `delivery-state`...). */
  readonly provides: readonly string[];
  readonly fields: readonly FieldDefinition[];
}

export interface EnumChoice {
  readonly name: string;
  /** The wire value. */
  readonly value: boolean | number | string;
}

/** A restricted type with a closed set of choices (role, sender-settle-mode, sasl-code...). */
export interface EnumDefinition {
  readonly name: string;
  readonly source: 'boolean' | 'ubyte' | 'ushort' | 'uint' | 'symbol';
  readonly provides?: string;
  readonly choices: readonly EnumChoice[];
}

/** A message section (messaging section 3.2): its descriptor and the type it wraps. */
export interface SectionDefinition {
  readonly name: string;
  readonly code: number;
  readonly symbol: string;
  /** `composite` sections are header and properties; `*` is any value (amqp-value). */
  readonly source: 'composite' | 'list' | 'map' | 'binary' | '*';
}
