/**
 * A growable big-endian byte writer. One instance is reused across encodes (the frame layer keeps
 * one per connection) so the hot path allocates only when the buffer has to grow.
 */
import { EncodeError } from '../../errors.js';
import { copyBytes } from './slab.js';

const textEncoder = new TextEncoder();

/** A growable big-endian byte writer (see the module comment); `encode` uses one internally. */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  /** Next write position; also the number of bytes written since the last reset. */
  pos = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  i8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
  }

  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }

  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n <= 16) {
      // A few bytes (descriptors, small bodies): a loop beats the native call of set().
      const buf = this.buf;
      const at = this.pos;
      for (let i = 0; i < n; i++) buf[at + i] = b[i];
    } else {
      this.buf.set(b, this.pos);
    }
    this.pos += n;
  }

  /**
   * Writes `s` as UTF-8 at `pos` and returns the byte length. Short ASCII strings (the common case
   * for addresses, symbols and property keys) skip TextEncoder, whose call overhead dominates there.
   */
  utf8(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const start = this.pos;
    if (n < 64) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        this.pos += n;
        return n;
      }
    }
    // Not ASCII: a lone surrogate has no UTF-8 form, and TextEncoder would silently write U+FFFD.
    // (ASCII strings, the common case, skip this scan: they cannot hold one.)
    checkWellFormed(s);
    const { written } = textEncoder.encodeInto(s, buf.subarray(start));
    this.pos += written;
    return written;
  }

  /** A copy of everything written since the last reset (from a shared slab when short: see slab.ts). */
  toBytes(): Uint8Array {
    return copyBytes(this.buf, 0, this.pos);
  }
}

interface MaybeWellFormed { isWellFormed?: () => boolean }
/** EncodeError for a string with a lone UTF-16 surrogate (where the runtime can tell). */
function checkWellFormed(s: string): void {
  const f = (s as unknown as MaybeWellFormed).isWellFormed;
  if (f !== undefined && !f.call(s)) throw new EncodeError('string contains a lone UTF-16 surrogate');
}
