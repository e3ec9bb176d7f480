/**
 * Shared settings of read coalescing (Transport.holdReads): the protocol layers decide when a
 * stream is in full flow, from their own frames; these numbers bound what a hold may cost.
 */

/**
 * Default hold while a stream is in full flow, in milliseconds (the `readCoalescing` option).
 * Receiving 30,000 small messages from RabbitMQ, 2 ms rather than 1 took about a quarter off the
 * CPU per message of both rx-mq and the bench's floor client, and a third off STOMP's, for 5-10%
 * less AMQP throughput from that (broker-bound) queue; 3 ms gained little more.
 */
export const DEFAULT_READ_COALESCING_MS = 2;

/**
 * A chunk this large filled the TCP read buffer (64 KiB), so more is already waiting in the
 * kernel: holding the next read gains nothing. Any shorter chunk may be followed by a hold (with a
 * 16 KiB bound, reads that came back just above it took no hold, and the one after was small).
 */
export const COALESCE_BELOW_BYTES = 64 * 1024;

/** Frames of the stream (deliveries, outcomes, MESSAGEs) on one chunk that show it in full flow. */
export const STREAM_MIN_EVENTS = 2;

/** Check a user's `readCoalescing` option (milliseconds; 0 turns coalescing off). */
export function readCoalescingOf(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_READ_COALESCING_MS;
  if (!Number.isFinite(ms) || ms < 0 || ms > 1000) throw new RangeError(`readCoalescing must be between 0 and 1000 ms, not ${ms}`);
  return ms;
}
