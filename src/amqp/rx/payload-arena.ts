/**
 * Keeps encoded messages that must wait (in a send buffer) past the next encode. The message
 * encoder hands out a small payload as a view of its reused buffer, valid until the next encode;
 * a payload that waits needs a copy. One new typed array per waiting message would cost more than
 * encoding a short message (each is an ArrayBuffer allocated outside V8's heap), so small payloads
 * are copied one after another into shared chunks and handed out as views. A chunk lives as long
 * as any view of it: the pump drops each payload once written, so a chunk goes when its last
 * message has been sent.
 */
import { PAYLOAD_BY_REFERENCE_MIN } from '../engine/output.js';
import type { Payload } from '../engine/payload.js';

/** Size of each chunk. */
const CHUNK = 64 * 1024;
/** Payloads from this size on get an array of their own, not a place in a chunk. */
const OWN_ARRAY_FROM = 4 * 1024;

export class PayloadArena {
  private chunk = new Uint8Array(0);
  private pos = 0;

  /**
   * `p`, from `encodeMessageParts`, as it can be kept. Only one array below
   * PAYLOAD_BY_REFERENCE_MIN is a view of the encoder's buffer and is copied; pieces and larger
   * arrays are fresh already (large bodies by reference, as the caller gave them).
   */
  keep(p: Payload): Payload {
    if (!(p instanceof Uint8Array)) return p;
    const n = p.length;
    if (n >= PAYLOAD_BY_REFERENCE_MIN) return p;
    if (n >= OWN_ARRAY_FROM) return p.slice();
    if (this.chunk.length - this.pos < n) {
      this.chunk = new Uint8Array(CHUNK);
      this.pos = 0;
    }
    const at = this.pos;
    this.chunk.set(p, at);
    this.pos = at + n;
    return this.chunk.subarray(at, at + n);
  }
}
