/**
 * Where frames begin and end in one direction of a byte stream, one byte at a time, for the fault
 * proxy (it cuts and corrupts at a given offset inside a frame). It only finds boundaries; it
 * decodes nothing and never throws: a stream it cannot follow (a corrupt AMQP size) makes it stop
 * tracking (`lost`), after which it reports no frame at all.
 *
 * - `amqp`: protocol headers (`AMQP` + 4 bytes, before SASL and before the connection) are not
 *   frames; every frame is its 4-byte big-endian size long (a size under 8 loses the stream).
 * - `stomp`: EOL bytes between frames are heart-beats, not frames; a frame is the command line and
 *   headers up to the blank line, then `content-length` bytes of body when that header is there
 *   (so NUL bytes in a body are body), then up to and including the NUL.
 * - `raw`: no frames (faults count bytes from the moment they are armed).
 */
export type Framing = 'amqp' | 'stomp' | 'raw';

/** Longest STOMP header block followed; a longer one is not STOMP as the suite sends it. */
const MAX_STOMP_HEADER_BYTES = 1 << 20;

const enum Amqp { Prefix, Header, Frame }
const enum Stomp { Between, Headers, BodyLength, BodyNul }

/** The frame tracker of one direction. */
export class FrameTracker {
  /** Frames begun so far (protocol headers and heart-beats are not frames). */
  started = 0;
  /** Whether the last byte stepped over belongs to a frame that has not ended with it. */
  inFrame = false;
  /** Bytes of the current frame stepped over so far (meaningful while `inFrame`). */
  offset = 0;
  /** The tracker could not follow the stream (a bad AMQP frame size). */
  lost = false;

  // amqp
  private amqpState = Amqp.Prefix;
  private readonly prefix = new Uint8Array(4);
  private remaining = 0;
  // stomp
  private stompState = Stomp.Between;
  private line = '';
  private contentLength = -1;

  constructor(readonly framing: Framing) {}

  /**
   * Whether `b`, the next byte, begins a frame that `step` will then report: for STOMP anything
   * but an EOL between frames; for AMQP anything but the 'A' of a protocol header.
   */
  startsFrame(b: number): boolean {
    if (this.lost || this.inFrame) return false;
    if (this.framing === 'stomp') return this.stompState === Stomp.Between && b !== 0x0a && b !== 0x0d;
    return this.framing === 'amqp' && this.amqpState === Amqp.Prefix && this.remaining === 0 && b !== 0x41;
  }

  /**
   * Step over the next byte of the stream. After it, `inFrame` and `offset` say whether the
   * following byte continues the same frame and how many of its bytes came before.
   */
  step(b: number): void {
    if (this.lost || this.framing === 'raw') return;
    if (this.framing === 'amqp') this.stepAmqp(b);
    else this.stepStomp(b);
  }

  private stepAmqp(b: number): void {
    switch (this.amqpState) {
      case Amqp.Prefix: {
        const k = this.remaining;
        this.prefix[k] = b;
        this.remaining = k + 1;
        // A frame's size begins with 'A' only for frames of 1 GiB and more: any other first byte
        // starts a frame now; an 'A' waits for the 4 bytes that tell a protocol header.
        if (k === 0 && b !== 0x41) { this.started++; this.inFrame = true; this.offset = 1; return; }
        if (this.inFrame) this.offset++;
        if (this.remaining < 4) return;
        const p = this.prefix;
        if (!this.inFrame && p[1] === 0x4d && p[2] === 0x51 && p[3] === 0x50) {
          this.amqpState = Amqp.Header;
          this.remaining = 4;
          return;
        }
        const size = ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
        if (size < 8) { this.lost = true; this.inFrame = false; return; }
        if (!this.inFrame) { this.started++; this.inFrame = true; this.offset = 4; }
        this.amqpState = Amqp.Frame;
        this.remaining = size - 4;
        return;
      }
      case Amqp.Header:
        if (--this.remaining === 0) this.amqpState = Amqp.Prefix;
        return;
      case Amqp.Frame:
        this.offset++;
        if (--this.remaining === 0) {
          this.amqpState = Amqp.Prefix;
          this.inFrame = false;
        }
        return;
    }
  }

  private stepStomp(b: number): void {
    switch (this.stompState) {
      case Stomp.Between:
        if (b === 0x0a || b === 0x0d) return;
        this.stompState = Stomp.Headers;
        this.started++;
        this.inFrame = true;
        this.offset = 1;
        this.line = String.fromCharCode(b);
        this.contentLength = -1;
        return;
      case Stomp.Headers:
        this.offset++;
        if (this.offset > MAX_STOMP_HEADER_BYTES) { this.lost = true; this.inFrame = false; return; }
        if (b === 0x00) { this.endStompFrame(); return; }
        if (b !== 0x0a) { if (b !== 0x0d) this.line += String.fromCharCode(b); return; }
        if (this.line === '') {
          if (this.contentLength >= 0) {
            this.stompState = Stomp.BodyLength;
            this.remaining = this.contentLength;
          } else this.stompState = Stomp.BodyNul;
          return;
        }
        // The first content-length header wins, as STOMP 1.2 says of repeated headers.
        if (this.contentLength < 0 && this.line.startsWith('content-length:')) {
          const n = Number(this.line.slice('content-length:'.length));
          if (Number.isInteger(n) && n >= 0) this.contentLength = n;
        }
        this.line = '';
        return;
      case Stomp.BodyLength:
        this.offset++;
        if (this.remaining === 0) {
          // The byte after the body: the NUL (anything else is not ours to judge).
          this.endStompFrame();
          return;
        }
        this.remaining--;
        return;
      case Stomp.BodyNul:
        this.offset++;
        if (b === 0x00) this.endStompFrame();
        return;
    }
  }

  private endStompFrame(): void {
    this.stompState = Stomp.Between;
    this.inFrame = false;
    this.line = '';
  }
}
