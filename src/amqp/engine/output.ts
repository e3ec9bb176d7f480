/**
 * A connection's outgoing bytes: frames are encoded into one writer, except the payload of a
 * large transfer, which is kept by reference (the application's message body is never copied on
 * its way to the socket). `takeParts()` hands out everything in order, as pieces for one gathered
 * write; `take()` as one array.
 *
 * What was written is handed out as a view of the writer's buffer, not a copy, and the writer
 * goes on after it: bytes once handed out are never written again (the transport may still be
 * sending them). When too little room is left the writer moves to a fresh buffer, and the old
 * one lives as long as the views of it. A copy per write would make a new ArrayBuffer each time,
 * which V8 allocates outside its heap: 1.5 to 3 us for a few hundred bytes, more than the frames
 * in it cost to encode.
 */
import { ByteWriter } from '../codec/writer.js';
import type { Performative, SaslFrameBody } from '../frames/definitions.generated.js';
import { writeFrame, writeFrameHead } from '../frames/frame.js';
import { payloadLength, type Payload } from './payload.js';

/** Transfer payloads from this size on are written by reference, not copied. */
export const PAYLOAD_BY_REFERENCE_MIN = 16 * 1024;

/** Size of each buffer the output writes into. */
export const OUTPUT_BUFFER_SIZE = 64 * 1024;
/** Below this much room left after a take, the next frames go to a fresh buffer. */
const MIN_ROOM = 16 * 1024;

const EMPTY = new Uint8Array(0);

export class FrameOutput {
  /** Where frames (and protocol headers, heartbeats) are encoded, from `mark` on. */
  readonly w = new ByteWriter(OUTPUT_BUFFER_SIZE);
  /** Start of what `w` holds that has not been handed out yet. */
  private mark = 0;
  /** Pieces before what `w` holds now. */
  private parts: Uint8Array[] = [];
  /** Bytes in `parts`. */
  private partsBytes = 0;

  get empty(): boolean {
    return this.w.pos === this.mark && this.parts.length === 0;
  }

  /** Bytes written and not yet taken (for a server's backpressure decisions). */
  get size(): number {
    return this.w.pos - this.mark + this.partsBytes;
  }

  writeFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    const n = payloadLength(payload);
    if (n < PAYLOAD_BY_REFERENCE_MIN) {
      writeFrame(this.w, channel, p, payload);
      return;
    }
    writeFrameHead(this.w, channel, p, n);
    const head = this.written();
    this.parts.push(head);
    this.partsBytes += head.length + n;
    if (payload instanceof Uint8Array) this.parts.push(payload);
    else for (const x of payload as readonly Uint8Array[]) if (x.length > 0) this.parts.push(x);
  }

  /** Everything written since the last take, in order (empty array when nothing). */
  takeParts(): Uint8Array[] {
    if (this.w.pos > this.mark) this.parts.push(this.written());
    const out = this.parts;
    this.parts = [];
    this.partsBytes = 0;
    return out;
  }

  /** Everything written since the last take, as one array. */
  take(): Uint8Array {
    if (this.parts.length === 0) return this.w.pos === this.mark ? EMPTY : this.written();
    return concatParts(this.takeParts());
  }

  /** A view of what was written since the mark; the writer then goes on after it, or in a fresh buffer. */
  private written(): Uint8Array {
    const w = this.w;
    const view = new Uint8Array(w.buf.buffer, w.buf.byteOffset + this.mark, w.pos - this.mark);
    // A buffer grown for one huge frame is not kept either.
    if (w.buf.length - w.pos < MIN_ROOM || w.buf.length > OUTPUT_BUFFER_SIZE) {
      w.buf = new Uint8Array(OUTPUT_BUFFER_SIZE);
      w.view = new DataView(w.buf.buffer);
      w.pos = 0;
    }
    this.mark = w.pos;
    return view;
  }
}

export function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
