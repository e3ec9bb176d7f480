/**
 * Random (version 4) UUID strings for generated message-ids, one per message on the default send
 * path. `crypto.randomUUID()` in Node builds its string from about twenty concatenated pieces:
 * the first read of it (the encoder's) flattens it and leaves the pieces as garbage, about 600
 * bytes a message, while the send buffer keeps every queued message alive through each
 * scavenge. Here the random bytes come from a pool refilled by `crypto.getRandomValues` (same
 * source) and the 36 characters become one flat string in one step.
 */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Random bytes for 256 ids at a time. */
const pool = new Uint8Array(16 * 256);
let at = pool.length;
/** The character codes of the id being made (reused: fromCharCode copies them). */
const codes: number[] = new Array<number>(36).fill(0);
const DASH = 0x2d;

/** A new random UUID (RFC 9562 version 4), lower-case hex with hyphens, as `crypto.randomUUID()` gives. */
export function randomUuid(): string {
  if (at === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    at = 0;
  }
  let j = 0;
  for (let i = 0; i < 16; i++) {
    let b = pool[at + i];
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // variant 10xx
    if (i === 4 || i === 6 || i === 8 || i === 10) codes[j++] = DASH;
    codes[j++] = HEX[b >> 4];
    codes[j++] = HEX[b & 0x0f];
  }
  // Used once: the pool's bytes are never handed out twice.
  pool.fill(0, at, at + 16);
  at += 16;
  return String.fromCharCode.apply(null, codes);
}
