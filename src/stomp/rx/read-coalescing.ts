/**
 * When a STOMP client holds its socket's reads for a moment (see Transport.holdReads and
 * src/transport/read-hold.ts). A broker streaming a subscription writes MESSAGE frames as it has
 * them (RabbitMQ one frame per write), so a client that keeps up reads a few hundred bytes per
 * wake-up; several MESSAGEs in one small chunk show a stream in full flow, and then reads are
 * held so that the next one takes what arrived meanwhile. A lone MESSAGE or RECEIPT
 * (request/response traffic) never causes a hold.
 */
import { COALESCE_BELOW_BYTES } from '../../transport/read-hold.js';
import type { StompEvent } from '../engine/events.js';

/** MESSAGE frames on one chunk that show a subscription in full flow. */
export const STREAM_MIN_MESSAGES = 2;

/** How many MESSAGE frames a chunk carried (0 for one too large to gain from a hold): see the driver's KEEP_HOLDING_PER_MS. */
export function streamEvents(events: readonly StompEvent[], bytes: number): number {
  if (bytes >= COALESCE_BELOW_BYTES) return 0;
  let messages = 0;
  for (const e of events) if (e.type === 'message') messages++;
  return messages;
}

/** True when the events of one chunk of `bytes` bytes show a stream worth holding reads for. */
export function inFullFlow(events: readonly StompEvent[], bytes: number): boolean {
  if (bytes >= COALESCE_BELOW_BYTES || events.length < STREAM_MIN_MESSAGES) return false;
  let messages = 0;
  for (const e of events) if (e.type === 'message' && ++messages >= STREAM_MIN_MESSAGES) return true;
  return false;
}
