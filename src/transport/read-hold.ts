/**
 * Shared settings of read coalescing (Transport.holdReads): the protocol layers decide when a
 * stream is in full flow, from their own frames; these numbers bound what a hold may cost.
 */

/** Default hold while a stream is in full flow, in milliseconds (the `readCoalescing` option). */
export const DEFAULT_READ_COALESCING_MS = 1;

/** A chunk this large already carries many messages: holding the next read gains nothing. */
export const COALESCE_BELOW_BYTES = 16 * 1024;

/** Frames of the stream (deliveries, outcomes, MESSAGEs) on one chunk that show it in full flow. */
export const STREAM_MIN_EVENTS = 2;

/** Check a user's `readCoalescing` option (milliseconds; 0 turns coalescing off). */
export function readCoalescingOf(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_READ_COALESCING_MS;
  if (!Number.isFinite(ms) || ms < 0 || ms > 1000) throw new RangeError(`readCoalescing must be between 0 and 1000 ms, not ${ms}`);
  return ms;
}
