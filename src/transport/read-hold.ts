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

/**
 * Stream events per millisecond of hold that a held read must bring for the next hold. A hold
 * gathers whatever arrives during it, so a read after one always looks like a stream: at 1,000
 * messages a second a 2 ms hold brings 2, the evidence for the next hold, and every message then
 * waited up to 2 ms (STOMP on RabbitMQ: p50 1.4 ms against @stomp/stompjs's 0.4). Holding is
 * worth it when the broker streams faster than the client wakes for (the receive benchmarks run
 * at 50,000-100,000 a second, 100-200 a hold); below 16 a millisecond (16,000 a second) reads are
 * not held, so a paced stream of 10,000 a second keeps its latency.
 */
export const KEEP_HOLDING_PER_MS = 16;
/** After a hold that did not pay (see KEEP_HOLDING_PER_MS), no new hold starts for this long (ms). */
export const HOLD_QUIET_MS = 100;

/**
 * The adaptive rule, per connection. A read that did not follow a hold starts one on the
 * protocol's evidence of a stream in full flow, and only when its stream events came at least
 * KEEP_HOLDING_PER_MS a millisecond since the previous read that carried any: two messages in one
 * read a millisecond after the last are a paced stream catching up (the event loop was busy, or
 * the sender's timer sent two at once), not a flood. At 1,000 messages a second that happened
 * often enough that 1-2% of the messages waited out a hold (67 holds in 5,000 messages, rx-mq's
 * p99 above the other library's); with the rate test, 3 for AMQP and 5 for STOMP. A read that followed a hold keeps
 * holding only when it brought at least KEEP_HOLDING_PER_MS stream events per millisecond held,
 * and otherwise no hold starts for HOLD_QUIET_MS. Used by the driver (driver.ts) and by the
 * benchmark's floor client, so both hold alike. `now` must have sub-millisecond resolution
 * (performance.now()): in full flow reads are tens of microseconds apart.
 */
export class AdaptiveHold {
  /** The last read asked for a hold: the next one is what the hold gathered. */
  private held = false;
  /** No hold starts before this time (ms): the last one did not pay. */
  private quietUntil = 0;
  /** When the last read with stream events was handled (ms). */
  private lastStream = -Infinity;

  /** Whether to hold after the read of `bytes` bytes just handled (its `events`), at `now` (ms), for holds of `holdMs`. */
  next<E>(
    now: number, holdMs: number, events: E, bytes: number,
    inFullFlow: (events: E, bytes: number) => boolean, streamEvents: (events: E, bytes: number) => number,
  ): boolean {
    const n = streamEvents(events, bytes);
    const since = now - this.lastStream;
    if (n > 0) this.lastStream = now;
    if (this.held) {
      this.held = n >= holdMs * KEEP_HOLDING_PER_MS;
      if (!this.held) this.quietUntil = now + HOLD_QUIET_MS;
      return this.held;
    }
    this.held = n >= since * KEEP_HOLDING_PER_MS && now >= this.quietUntil && inFullFlow(events, bytes);
    return this.held;
  }
}
