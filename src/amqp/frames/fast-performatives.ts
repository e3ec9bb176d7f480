/**
 * The fast path for the performatives that come once per message or per batch of messages:
 * transfer, flow and disposition. The generic reader (composite.ts) decodes every field to a
 * typed value first and then maps it; for these three that costs more than the rest of a small
 * message's handling. Here each field is read straight from the bytes by a reader generated from
 * the definition table (fast-performatives.generated.ts, made by scripts/gen-fast-performatives.ts,
 * so it cannot drift from the table): uint fields in their three encodings, booleans and boolean
 * or ubyte enumerations, binary (copied when first read), and a delivery state when it is one of the empty
 * outcomes (accepted, released). Null or absent fields stay absent, as in the generic reader.
 *
 * Anything else - another encoding, a field the reader does not take (a flow's properties, a
 * rejected outcome, a received state), a missing mandatory field, a list that is not list8 or
 * whose size does not add up - returns undefined, and the generic reader decodes the frame (or
 * reports exactly what is wrong with it). The fast path never accepts what the generic one would
 * refuse, and gives the same object for what both accept (spec/amqp/frames/fast-performatives.spec.ts).
 *
 * The writers, generated from the same table, write these performatives as the generic composite
 * writer does, for the same field kinds; anything else is left to it.
 */
import type { Disposition, Flow, Transfer } from './definitions.generated.js';
import type { ByteWriter } from '../codec/writer.js';
import { FAST_READERS, lastReadEnd, writeFast } from './fast-performatives.generated.js';

/** The accepted and released outcomes as shared objects: settling with them lets the writer know them by identity. */
export { ACCEPTED, RELEASED } from './fast-performatives.generated.js';

/**
 * Whether a transfer has a delivery-tag. For one the fast reader made, this does not copy the
 * tag, which its `deliveryTag` getter does on first use.
 */
export { transferHasDeliveryTag } from './fast-performatives.generated.js';

/** The performatives this module reads. */
export type FastPerformative = Transfer | Flow | Disposition;

/**
 * Reads the performative whose descriptor code is `code` from the list at `pos` (just after the
 * descriptor); `end` bounds the frame, and nothing at or after it is read. Returns the
 * performative, or undefined when the generic reader must decide; after a performative,
 * {@link fastReadEnd} tells where its list ended (where a transfer's payload starts).
 */
export function readPerformativeFast(code: number, b: Uint8Array, pos: number, end: number): FastPerformative | undefined {
  const read = code < FAST_READERS.length ? FAST_READERS[code] : undefined;
  return read === undefined ? undefined : read(b, pos, end);
}

/** Where the list of the performative the last successful {@link readPerformativeFast} returned ended. */
export const fastReadEnd: () => number = lastReadEnd;

/**
 * Appends `p` as the generic composite writer would when it is a transfer, flow or disposition of
 * a shape the generated writers take, and returns true; otherwise writes nothing and returns false.
 */
export const writePerformativeFast: (w: ByteWriter, p: { readonly kind: string }) => boolean = writeFast;
