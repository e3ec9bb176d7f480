/**
 * Copies of small byte ranges carved out of a shared slab, as Node carves small Buffers out of its
 * pool. A `slice()` of a Uint8Array allocates an ArrayBuffer with its own backing store, which
 * costs more than copying a kilobyte into it; a view of a slab costs one small object. The decoder
 * copies every binary it returns (it must not alias the caller's input) and the writer copies
 * what it encoded: both go through here.
 *
 * A copy's `buffer` is the slab, shared with other copies (as a pooled Buffer's is): code that
 * wants the bytes alone uses the view's `byteOffset` and `byteLength`. A live copy keeps its
 * slab (8 KiB) alive, which bounds what a small copy may pin.
 */

/** Bytes per slab. */
export const SLAB_SIZE = 8192;
/** Copies larger than this get their own buffer (`slice`). */
export const SLAB_COPY_MAX = 1024 + 512;

let slab = new Uint8Array(SLAB_SIZE);
let used = 0;

/** A copy of `src[start, end)`: from the slab when short, else a buffer of its own. */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > SLAB_COPY_MAX) return src.slice(start, end);
  if (used + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const at = used;
  // Start every copy on an 8-byte boundary, as separate buffers would (aligned typed views stay possible).
  used = (at + n + 7) & ~7;
  if (n <= 16) {
    for (let i = 0; i < n; i++) slab[at + i] = src[start + i];
  } else {
    slab.set(src.subarray(start, end), at);
  }
  return slab.subarray(at, at + n);
}
