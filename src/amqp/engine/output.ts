/**
 * A connection's outgoing bytes: frames are encoded into one reused ByteWriter, except the
 * payload of a large transfer, which is kept by reference (the application's message body is
 * never copied on its way to the socket). `takeParts()` hands out everything in order, as pieces
 * for one gathered write; `take()` as one array.
 */
import { ByteWriter } from '../codec/writer.js';
import type { Performative, SaslFrameBody } from '../frames/definitions.generated.js';
import { writeFrame, writeFrameHead } from '../frames/frame.js';
import { payloadLength, type Payload } from './link.js';

/** Transfer payloads from this size on are written by reference, not copied. */
export const PAYLOAD_BY_REFERENCE_MIN = 16 * 1024;

const EMPTY = new Uint8Array(0);

export class FrameOutput {
  /** Where frames (and protocol headers, heartbeats) are encoded. */
  readonly w = new ByteWriter(64 * 1024);
  /** Pieces before what `w` holds now. */
  private parts: Uint8Array[] = [];

  get empty(): boolean {
    return this.w.pos === 0 && this.parts.length === 0;
  }

  writeFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    const n = payloadLength(payload);
    if (n < PAYLOAD_BY_REFERENCE_MIN) {
      writeFrame(this.w, channel, p, payload);
      return;
    }
    writeFrameHead(this.w, channel, p, n);
    this.parts.push(this.w.toBytes());
    this.w.reset();
    if (payload instanceof Uint8Array) this.parts.push(payload);
    else for (const x of payload as readonly Uint8Array[]) if (x.length > 0) this.parts.push(x);
  }

  /** Everything written since the last take, in order (empty array when nothing). */
  takeParts(): Uint8Array[] {
    if (this.w.pos > 0) {
      this.parts.push(this.w.toBytes());
      this.w.reset();
    }
    const out = this.parts;
    this.parts = [];
    return out;
  }

  /** Everything written since the last take, as one array. */
  take(): Uint8Array {
    if (this.parts.length === 0) {
      if (this.w.pos === 0) return EMPTY;
      const bytes = this.w.toBytes();
      this.w.reset();
      return bytes;
    }
    return concatParts(this.takeParts());
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
