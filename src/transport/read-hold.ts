/**
 * Shared settings of read coalescing (Transport.holdReads): the protocol layers decide when a
 * stream is in full flow, from their own frames (src/amqp/rx/read-coalescing.ts,
 * src/stomp/rx/read-coalescing.ts), and hand that test to the driver (ReadHold in driver.ts);
 * these numbers are the transport's: how long a hold lasts, and which reads filled its buffer.
 */

/**
 * Default hold while a stream is in full flow, in milliseconds (the `readCoalescing` option).
 * Receiving 30,000 small messages from RabbitMQ, 2 ms rather than 1 took about a sixth off
 * rx-mq's CPU per message (30% off the bench's floor client's) for 5-10% less throughput from
 * that broker-bound queue, and 40% off STOMP SUBSCRIBE's, which got faster; 3 ms gained little
 * more.
 */
export const DEFAULT_READ_COALESCING_MS = 2;

/**
 * A chunk this large filled the TCP read buffer (64 KiB), so more is already waiting in the
 * kernel: holding the next read gains nothing. Any shorter chunk may be followed by a hold. A 2 ms
 * hold gathers more than 16 KiB from a busy broker, and with a 16 KiB bound here every such read
 * skipped the next hold: STOMP SUBSCRIBE on RabbitMQ cost 1.8-2.4 us a message instead of
 * 1.5-1.6, at-least-once sends to Proton C 5.9-6.2 instead of 5.0-5.5.
 */
export const COALESCE_BELOW_BYTES = 64 * 1024;

/** Check a user's `readCoalescing` option (milliseconds; 0 turns coalescing off). */
export function readCoalescingOf(ms: number | undefined): number {
  if (ms === undefined) return DEFAULT_READ_COALESCING_MS;
  if (!Number.isFinite(ms) || ms < 0 || ms > 1000) throw new RangeError(`readCoalescing must be between 0 and 1000 ms, not ${ms}`);
  return ms;
}
