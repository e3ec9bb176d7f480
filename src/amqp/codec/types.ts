/**
 * The AMQP 1.0 typed value model.
 *
 * Every decoded value carries its AMQP type, so `encode(decode(bytes))` keeps ubyte as ubyte,
 * symbol as symbol, array as array and described as described. 64-bit integers (ulong, long,
 * timestamp) are `bigint` so they are always exact; the native view (native.ts) turns them into
 * plain numbers where that loses nothing.
 */

/** Names of the AMQP primitive types, as used by the composite-data JSON form. */
export type PrimitiveTypeName =
  | 'null' | 'boolean'
  | 'ubyte' | 'ushort' | 'uint' | 'ulong'
  | 'byte' | 'short' | 'int' | 'long'
  | 'float' | 'double'
  | 'decimal32' | 'decimal64' | 'decimal128'
  | 'char' | 'timestamp' | 'uuid'
  | 'binary' | 'string' | 'symbol'
  | 'list' | 'map' | 'array';

/** AMQP null. */
export interface AmqpNull { readonly type: 'null'; readonly value: null }
/** AMQP boolean. */
export interface AmqpBoolean { readonly type: 'boolean'; readonly value: boolean }
/** Unsigned 8-bit integer (0..255). */
export interface AmqpUbyte { readonly type: 'ubyte'; readonly value: number }
/** Unsigned 16-bit integer. */
export interface AmqpUshort { readonly type: 'ushort'; readonly value: number }
/** Unsigned 32-bit integer. */
export interface AmqpUint { readonly type: 'uint'; readonly value: number }
/** Unsigned 64-bit integer, as a bigint. */
export interface AmqpUlong { readonly type: 'ulong'; readonly value: bigint }
/** Signed 8-bit integer. */
export interface AmqpByte { readonly type: 'byte'; readonly value: number }
/** Signed 16-bit integer. */
export interface AmqpShort { readonly type: 'short'; readonly value: number }
/** Signed 32-bit integer. */
export interface AmqpInt { readonly type: 'int'; readonly value: number }
/** Signed 64-bit integer, as a bigint. */
export interface AmqpLong { readonly type: 'long'; readonly value: bigint }
/** IEEE 754 32-bit float (the number is kept at single precision). */
export interface AmqpFloat { readonly type: 'float'; readonly value: number }
/** IEEE 754 64-bit float. */
export interface AmqpDouble { readonly type: 'double'; readonly value: number }
/** IEEE 754 decimals are carried as their raw big-endian bytes (4, 8 or 16). */
export interface AmqpDecimal32 { readonly type: 'decimal32'; readonly value: Uint8Array }
/** decimal64: 8 raw big-endian bytes (see {@link AmqpDecimal32}). */
export interface AmqpDecimal64 { readonly type: 'decimal64'; readonly value: Uint8Array }
/** decimal128: 16 raw big-endian bytes (see {@link AmqpDecimal32}). */
export interface AmqpDecimal128 { readonly type: 'decimal128'; readonly value: Uint8Array }
/** A single Unicode code point (UTF-32 on the wire). */
export interface AmqpChar { readonly type: 'char'; readonly value: number }
/** Milliseconds since the Unix epoch, signed 64-bit. */
export interface AmqpTimestamp { readonly type: 'timestamp'; readonly value: bigint }
/** 16 raw bytes. */
export interface AmqpUuid { readonly type: 'uuid'; readonly value: Uint8Array }
/** A sequence of bytes. */
export interface AmqpBinary { readonly type: 'binary'; readonly value: Uint8Array }
/** A Unicode string (UTF-8 on the wire). */
export interface AmqpString { readonly type: 'string'; readonly value: string }
/** ASCII only. */
export interface AmqpSymbol { readonly type: 'symbol'; readonly value: string }
/** A list of values of any types. */
export interface AmqpList { readonly type: 'list'; readonly value: readonly AmqpValue[] }
/** Map entries in wire order; keys keep their AMQP type. */
export interface AmqpMap { readonly type: 'map'; readonly value: readonly (readonly [AmqpValue, AmqpValue])[] }

/**
 * An AMQP array: every element has the same type (and, for described arrays, the same descriptor).
 * `elementType` and `descriptor` are kept so that an empty array round-trips exactly.
 * Elements of a described array are `AmqpDescribed` values whose descriptor equals `descriptor`.
 */
export interface AmqpArray {
  readonly type: 'array';
  readonly elementType: Exclude<PrimitiveTypeName, 'null'> | 'null';
  readonly descriptor?: AmqpValue;
  readonly value: readonly AmqpValue[];
}

/** A described type: a descriptor (normally ulong or symbol) and the value it describes. */
export interface AmqpDescribed {
  readonly type: 'described';
  readonly descriptor: AmqpValue;
  readonly value: AmqpValue;
}

/** Any AMQP value: one typed object per AMQP type, told apart by `type`. */
export type AmqpValue =
  | AmqpNull | AmqpBoolean
  | AmqpUbyte | AmqpUshort | AmqpUint | AmqpUlong
  | AmqpByte | AmqpShort | AmqpInt | AmqpLong
  | AmqpFloat | AmqpDouble
  | AmqpDecimal32 | AmqpDecimal64 | AmqpDecimal128
  | AmqpChar | AmqpTimestamp | AmqpUuid
  | AmqpBinary | AmqpString | AmqpSymbol
  | AmqpList | AmqpMap | AmqpArray | AmqpDescribed;

/** The name of an AMQP type, as in `AmqpValue['type']` and the composite JSON. */
export type AmqpTypeName = AmqpValue['type'];

/** Narrow an AmqpValue by its type name. */
export type AmqpValueOf<T extends AmqpTypeName> = Extract<AmqpValue, { type: T }>;
