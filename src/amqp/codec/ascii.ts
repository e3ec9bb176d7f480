/**
 * Short ASCII text out of bytes, the common case of AMQP strings and symbols (bodies, addresses,
 * property keys). TextDecoder's per-call overhead dominates for short strings, and building one
 * with `+=` allocates a string per character; Node's Buffer has a native latin-1 slice that
 * makes exactly one string, which equals the text when every byte is ASCII. Elsewhere (browsers)
 * a character loop does.
 */

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;

/**
 * Node's `Buffer.prototype.latin1Slice`, if present and working on plain Uint8Arrays (checked
 * once here, so that a runtime without it, or with a different one, takes the portable path).
 */
const nativeLatin1: Latin1Slice | undefined = (() => {
  const B = (globalThis as { Buffer?: { prototype?: { latin1Slice?: unknown } } }).Buffer;
  const f = B?.prototype?.latin1Slice;
  if (typeof f !== 'function') return undefined;
  try {
    const probe = new Uint8Array([0x78, 0x41, 0x7a, 0x30, 0x78]);
    return (f as Latin1Slice).call(probe, 1, 4) === 'Az0' ? (f as Latin1Slice) : undefined;
  } catch {
    return undefined;
  }
})();

/** Whether bytes[start, end) are all ASCII (below 0x80). */
export function isAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] >= 0x80) return false;
  return true;
}

/** The text of bytes[start, end), which the caller has checked are all ASCII. */
export function asciiText(b: Uint8Array, start: number, end: number): string {
  return nativeLatin1 !== undefined ? nativeLatin1.call(b, start, end) : asciiTextPortable(b, start, end);
}

/** {@link asciiText} where Node's Buffer is missing: a character loop. */
export function asciiTextPortable(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Slots of the short-string cache (a power of two). */
const CACHE_SLOTS = 1024;
/** Strings of up to this many bytes go through the cache. */
export const CACHED_TEXT_MAX = 32;
const cache: (string | undefined)[] = new Array<string | undefined>(CACHE_SLOTS).fill(undefined);

/**
 * The text of bytes[start, end) (at most {@link CACHED_TEXT_MAX} of them) when all are ASCII, else
 * undefined. Short strings repeat from message to message (property keys, addresses, content
 * types, small bodies), so the last string seen at each hash slot is kept and returned again when
 * the bytes match it: no native call and no new string for a repeat, and a miss costs one
 * compare more than {@link asciiText}. The slot holds only the string, compared character by
 * character with the bytes, so a miss allocates nothing beyond the string itself.
 */
export function cachedAsciiText(b: Uint8Array, start: number, end: number): string | undefined {
  let h = end - start;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c >= 0x80) return undefined;
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.length === end - start) {
    let i = start;
    for (let k = 0; i < end && hit.charCodeAt(k) === b[i]; k++) i++;
    if (i === end) return hit;
  }
  const s = asciiText(b, start, end);
  cache[slot] = s;
  return s;
}

/** Whether the native slice is in use. */
export const usesNativeLatin1 = nativeLatin1 !== undefined;
