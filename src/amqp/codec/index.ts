/** The AMQP 1.0 type system: typed values, encoder, decoder. */
export * from './types.js';
export * from './values.js';
export { encode, writeValue } from './encoder.js';
export { decode, readValue, ByteReader, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ZERO_WIDTH_ELEMENTS } from './decoder.js';
export type { DecodeLimits } from './decoder.js';
export { ByteWriter } from './writer.js';
export { Code } from './constructors.js';
export * from './composite-json.js';
export * from './native.js';
