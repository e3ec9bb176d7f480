/**
 * When to hold the socket's reads for a moment (see Transport.holdReads).
 *
 * A broker streaming small messages writes them as it produces them, and a client that keeps up
 * wakes for every few hundred bytes: on this machine about 2 messages per read from the Qpid
 * Proton broker, each read costing a system call, an event-loop wake-up and its own flush, which
 * then outweighs the work on the messages themselves. Holding reads for a millisecond or two while a
 * stream is in full flow lets the kernel gather what arrives meanwhile into one read.
 *
 * The hold costs latency, so it is taken only on evidence that a stream is in full flow and more
 * is on its way at once, judged from the engine events of the chunk just read:
 * - at least two deliveries on one chunk to receiver links that still have credit for more
 *   (a consumer with a credit window, not a request/reply exchange that gets one reply a read),
 * - or at least two outcomes on one chunk for sender links with many unsettled deliveries (a
 *   producer with a full pipeline, not one waiting for the outcome of its single message).
 * Chunks that are already large gain nothing from a hold. A stream that stops ends the holds by
 * itself: the next read carries fewer than two deliveries.
 */
import type { EngineEvent } from '../engine/events.js';
import { COALESCE_BELOW_BYTES } from '../../transport/read-hold.js';

/** Deliveries (or outcomes) of the stream on one chunk that show it in full flow. */
export const STREAM_MIN_EVENTS = 2;

/** A receiver link with at least this much credit left can be sent more at once. */
export const STREAM_MIN_CREDIT = 16;
/** A sender link with at least this many unsettled deliveries has more outcomes on their way. */
export const STREAM_MIN_UNSETTLED = 16;

/**
 * How many of a chunk's events are deliveries to receivers with credit for more, or outcomes for
 * senders with a full pipeline (0 for a chunk too large to gain from a hold): the driver's measure
 * of whether a hold paid (src/transport/driver.ts, KEEP_HOLDING_PER_MS).
 */
export function streamEvents(events: readonly EngineEvent[], bytes: number): number {
  if (bytes >= COALESCE_BELOW_BYTES) return 0;
  let streaming = 0;
  for (const e of events) if (isStreamEvent(e)) streaming++;
  return streaming;
}

/** True when the events of one chunk of `bytes` bytes show a stream worth holding reads for. */
export function inFullFlow(events: readonly EngineEvent[], bytes: number): boolean {
  if (bytes >= COALESCE_BELOW_BYTES || events.length < STREAM_MIN_EVENTS) return false;
  let streaming = 0;
  for (const e of events) {
    if (isStreamEvent(e) && ++streaming >= STREAM_MIN_EVENTS) return true;
  }
  return false;
}

/** A delivery to a receiver with credit for more, or an outcome for a sender with a full pipeline. */
function isStreamEvent(e: EngineEvent): boolean {
  if (e.type === 'delivery') return e.link.credit.credit >= STREAM_MIN_CREDIT;
  if (e.type === 'delivery-update') return e.link.unsettledCount >= STREAM_MIN_UNSETTLED;
  return false;
}
