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
const DASH = 0x2d;
const fromCharCode = String.fromCharCode;
const hi = (b: number): number => HEX[b >> 4];
const lo = (b: number): number => HEX[b & 0x0f];

/**
 * A new random UUID (RFC 9562 version 4), lower-case hex with hyphens, as `crypto.randomUUID()` gives.
 * The 36 character codes go to `String.fromCharCode` as 36 arguments: V8 then makes the flat
 * string at once, where `fromCharCode.apply` over an array of codes took twice as long (measured:
 * 112 against 196 ns an id, reading its characters included; `randomUUID()` 318).
 */
export function randomUuid(): string {
  if (at === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    at = 0;
  }
  const p = pool;
  const a = at;
  at += 16;
  const b6 = (p[a + 6] & 0x0f) | 0x40; // version 4
  const b8 = (p[a + 8] & 0x3f) | 0x80; // variant 10xx
  const id = fromCharCode(
    hi(p[a]), lo(p[a]), hi(p[a + 1]), lo(p[a + 1]), hi(p[a + 2]), lo(p[a + 2]), hi(p[a + 3]), lo(p[a + 3]), DASH,
    hi(p[a + 4]), lo(p[a + 4]), hi(p[a + 5]), lo(p[a + 5]), DASH,
    hi(b6), lo(b6), hi(p[a + 7]), lo(p[a + 7]), DASH,
    hi(b8), lo(b8), hi(p[a + 9]), lo(p[a + 9]), DASH,
    hi(p[a + 10]), lo(p[a + 10]), hi(p[a + 11]), lo(p[a + 11]), hi(p[a + 12]), lo(p[a + 12]),
    hi(p[a + 13]), lo(p[a + 13]), hi(p[a + 14]), lo(p[a + 14]), hi(p[a + 15]), lo(p[a + 15]),
  );
  // Used once: the pool's bytes are never handed out twice.
  p.fill(0, a, a + 16);
  return id;
}
