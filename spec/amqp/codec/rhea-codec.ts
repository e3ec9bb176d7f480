/**
 * rhea.types as used by the interop specs. rhea's typings omit the Reader/Writer classes and the
 * per-type constructors that lib/types.js exports at runtime, so they are declared here.
 */
import rhea, { type Typed } from 'rhea';

interface RheaWriter { write(x: Typed): void; toBuffer(): Buffer }
interface RheaReader { read(): Typed; remaining(): number }

interface RheaCodecExtras {
  readonly Writer: new () => RheaWriter;
  readonly Reader: new (b: Buffer) => RheaReader;
  Null(): Typed;
  /** The one-byte 0x56 boolean form (wrap_boolean picks the 0x41/0x42 constants). */
  Boolean(v: boolean): Typed;
  Decimal32(raw: Buffer): Typed;
  Decimal64(raw: Buffer): Typed;
  Decimal128(raw: Buffer): Typed;
  wrap_map_as_map(m: Map<unknown, unknown>): Typed;
}

export const rheaTypes = rhea.types as typeof rhea.types & RheaCodecExtras;
