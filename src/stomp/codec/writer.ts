/**
 * An output byte buffer that frames are encoded into, in place. It works like a bump allocator:
 * `take()` hands out a view of the bytes written since the last `take()` and later writes go
 * after it, so a view once taken is never written to again (a transport may hold it until the
 * socket has sent it) and nothing is copied on the way out. A new backing buffer is allocated
 * only when the current one is full, so many small frames share one allocation and one write.
 */

const utf8 = new TextEncoder();
const DEFAULT_SIZE = 16 * 1024;
/** Below this many free bytes after a take(), the next write starts a new buffer. */
const MIN_FREE = 512;
/** Strings up to this length are written by a JavaScript loop while they are ASCII. */
const SHORT_STRING = 64;
/** Longer text bodies are encoded on their own first rather than reserving 3 bytes per character. */
const LONG_TEXT = 64 * 1024;

/** A growable output buffer of encoded STOMP bytes (see the file comment). */
export class FrameWriter {
  private buf: Uint8Array;
  /** Start of the bytes not yet taken. */
  private start = 0;
  /** Next byte to write. */
  pos = 0;

  constructor(private readonly initialSize = DEFAULT_SIZE) {
    this.buf = new Uint8Array(initialSize);
  }

  /** Bytes written and not yet taken. */
  get length(): number { return this.pos - this.start; }

  /** Make room for `n` more bytes (keeps the untaken bytes, moving them to a new buffer if needed). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    const size = Math.max(this.initialSize, (pending + n) * 2);
    const next = new Uint8Array(size);
    if (pending > 0) next.set(this.buf.subarray(this.start, this.pos), 0);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  /** The bytes written since the last take (a view; never written to again). */
  take(): Uint8Array {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    if (this.buf.length - this.pos < MIN_FREE || this.buf.length > 4 * this.initialSize) {
      // Start afresh: the old buffer now belongs to the views handed out, and a buffer grown for
      // one large burst is not kept.
      this.buf = new Uint8Array(this.initialSize);
      this.start = 0;
      this.pos = 0;
    }
    return out;
  }

  /** Drop everything not yet taken. */
  clear(): void { this.pos = this.start; }

  /** Drop what was written after the first `length` untaken bytes (undo a partly written frame). */
  truncate(length: number): void { this.pos = this.start + length; }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Write `s` as UTF-8; returns the number of bytes written. */
  string(s: string): number {
    const n = s.length;
    this.ensure(n * 3);
    const buf = this.buf;
    const at = this.pos;
    if (n <= SHORT_STRING) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) { this.pos = at + n; return n; }
      const r = utf8.encodeInto(s.slice(i), buf.subarray(at + i));
      this.pos = at + i + r.written;
      return i + r.written;
    }
    const r = utf8.encodeInto(s, buf.subarray(at));
    this.pos = at + r.written;
    return r.written;
  }

  /** Write the decimal digits of a non-negative integer. */
  decimal(n: number): void {
    if (n < 10) { this.byte(0x30 + n); return; }
    this.string(String(n));
  }

  /**
   * Write `content-length:N`, the blank line ending the headers, the body and the NUL; a body
   * given as text is encoded as UTF-8 straight into the buffer. An empty body gets no
   * content-length. Returns the body's size in bytes.
   */
  bodyWithLength(body: string | Uint8Array): number {
    if (body.length === 0) {
      this.ensure(2);
      this.buf[this.pos++] = 0x0a;
      this.buf[this.pos++] = 0;
      return 0;
    }
    if (typeof body !== 'string') {
      this.bytes(CONTENT_LENGTH);
      this.decimal(body.length);
      this.ensure(body.length + 3);
      this.buf[this.pos++] = 0x0a;
      this.buf[this.pos++] = 0x0a;
      this.buf.set(body, this.pos);
      this.pos += body.length;
      this.buf[this.pos++] = 0;
      return body.length;
    }
    if (body.length > LONG_TEXT) return this.bodyWithLength(utf8.encode(body));
    // UTF-8 takes between length and 3 x length bytes: reserve the digits of the largest, encode
    // the text, then write the real length (moving the body back when it has fewer digits).
    const most = body.length * 3;
    const reserved = digits(most);
    this.ensure(CONTENT_LENGTH.length + reserved + 2 + most + 1);
    this.bytes(CONTENT_LENGTH);
    const digitsAt = this.pos;
    const bodyAt = digitsAt + reserved + 2;
    this.pos = bodyAt;
    const size = this.string(body);
    const used = digits(size);
    const buf = this.buf;
    let v = size;
    for (let i = digitsAt + used - 1; i >= digitsAt; i--) { buf[i] = 0x30 + (v % 10); v = Math.floor(v / 10); }
    buf[digitsAt + used] = 0x0a;
    buf[digitsAt + used + 1] = 0x0a;
    if (used < reserved) {
      buf.copyWithin(digitsAt + used + 2, bodyAt, bodyAt + size);
      this.pos -= reserved - used;
    }
    this.buf[this.pos++] = 0;
    return size;
  }
}

const CONTENT_LENGTH = utf8.encode('content-length:');

function digits(n: number): number {
  let d = 1;
  while (n >= 10) { n = Math.floor(n / 10); d++; }
  return d;
}
