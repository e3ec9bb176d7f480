/**
 * Incremental frame decoder. Feed it chunks as they arrive; it returns complete frames and counts
 * heart-beats (EOLs between frames). Lines end in LF or CR LF. A body is read by content-length
 * when given (so it may contain NULs), else up to the first NUL. Every malformed or oversized
 * input throws a StompDecodeError; after an error the decoder stays failed.
 */
import { COMMANDS, isCommand, type StompVersion } from './commands.js';
import { unescapeHeader } from './escape.js';
import { StompDecodeError, StompLimitError } from './errors.js';
import type { StompFrame } from './frame.js';
import { DEFAULT_LIMITS, type StompLimits } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;

/** What the decoder found in a chunk. */
export type DecodedItem = { readonly kind: 'frame'; readonly frame: StompFrame } | { readonly kind: 'heartbeat' };

/** Incremental STOMP frame decoder with limits (see the file comment). */
export class StompDecoder {
  /**
   * Header escaping rules to apply; undefined before the version is negotiated (then 1.2 rules,
   * leniently: unknown escapes stay as they are).
   */
  version: StompVersion | undefined;
  private readonly limits: StompLimits;
  private buf = new Uint8Array(0);
  /** Bytes of `buf` already consumed. */
  private pos = 0;
  /** Total bytes consumed before `buf`, for error offsets. */
  private consumed = 0;
  private failed: StompDecodeError | undefined;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(options: { readonly version?: StompVersion; readonly limits?: Partial<StompLimits> } = {}) {
    this.version = options.version;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number { return this.buf.length - this.pos; }

  /** Decode what `chunk` completes. Throws StompDecodeError on malformed input. */
  push(chunk: Uint8Array): DecodedItem[] {
    if (this.failed) throw this.failed;
    this.append(chunk);
    const out: DecodedItem[] = [];
    try {
      for (;;) {
        const item = this.next();
        if (item === undefined) break;
        out.push(item);
      }
    } catch (e) {
      if (e instanceof StompDecodeError) this.failed = e;
      throw e;
    }
    this.compact();
    return out;
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const rest = this.buf.length - this.pos;
    const next = new Uint8Array(rest + chunk.length);
    next.set(this.buf.subarray(this.pos), 0);
    next.set(chunk, rest);
    this.consumed += this.pos;
    this.buf = next;
    this.pos = 0;
  }

  private compact(): void {
    if (this.pos === this.buf.length) {
      this.consumed += this.pos;
      this.buf = new Uint8Array(0);
      this.pos = 0;
    }
  }

  private fail(message: string, at: number): never {
    throw new StompDecodeError(message, this.consumed + at);
  }

  private next(): DecodedItem | undefined {
    const b = this.buf;
    // Heart-beats / EOLs between frames.
    if (this.pos < b.length && b[this.pos] === LF) { this.pos++; return { kind: 'heartbeat' }; }
    if (this.pos < b.length && b[this.pos] === CR) {
      if (this.pos + 1 >= b.length) return undefined;
      if (b[this.pos + 1] !== LF) this.fail('carriage return not followed by line feed between frames', this.pos);
      this.pos += 2;
      return { kind: 'heartbeat' };
    }
    if (this.pos >= b.length) return undefined;
    const start = this.pos;
    // Header section: lines up to an empty line.
    const lines: string[] = [];
    let p = start;
    for (;;) {
      const lf = b.indexOf(LF, p);
      const limitEnd = Math.min(b.length, p + this.limits.maxHeaderLength + 2);
      if (lf < 0 || lf >= limitEnd) {
        if (limitEnd - p > this.limits.maxHeaderLength + 1) {
          throw new StompLimitError('maxHeaderLength', `header line longer than ${this.limits.maxHeaderLength} bytes`, this.consumed + p);
        }
        this.checkFrameSize(b.length - start, start);
        return undefined;
      }
      let end = lf;
      if (end > p && b[end - 1] === CR) end--;
      if (end - p > this.limits.maxHeaderLength) {
        throw new StompLimitError('maxHeaderLength', `header line longer than ${this.limits.maxHeaderLength} bytes`, this.consumed + p);
      }
      const lineStart = p;
      p = lf + 1;
      if (end === lineStart) break;
      if (b.subarray(lineStart, end).includes(NUL)) this.fail('NUL byte inside the frame header', lineStart);
      let line: string;
      try {
        line = this.text.decode(b.subarray(lineStart, end));
      } catch {
        this.fail('header is not valid UTF-8', lineStart);
      }
      lines.push(line);
      if (lines.length > this.limits.maxHeaders + 1) {
        throw new StompLimitError('maxHeaders', `more than ${this.limits.maxHeaders} headers in one frame`, this.consumed + lineStart);
      }
      this.checkFrameSize(p - start, start);
    }
    const bodyStart = p;
    const command = lines[0];
    if (!isCommand(command)) this.fail(`unknown command ${JSON.stringify(command.slice(0, 40))}`, start);
    const def = COMMANDS[command];
    const version: StompVersion = def.escaped ? (this.version ?? '1.2') : '1.0';
    const lenient = this.version === undefined;
    const headers: (readonly [string, string])[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon < 0) this.fail(`header line without a colon: ${JSON.stringify(line.slice(0, 40))}`, start);
      const name = unescapeHeader(line.slice(0, colon), version, lenient);
      const value = unescapeHeader(line.slice(colon + 1), version, lenient);
      if (name === undefined || value === undefined) this.fail(`undefined escape sequence in header ${JSON.stringify(line.slice(0, 40))}`, start);
      headers.push([name, value]);
    }
    // Body.
    const lengthHeader = headers.find(([k]) => k === 'content-length')?.[1];
    let bodyEnd: number;
    if (lengthHeader !== undefined) {
      if (!/^\d{1,10}$/.test(lengthHeader.trim())) this.fail(`invalid content-length ${JSON.stringify(lengthHeader)}`, start);
      const length = Number(lengthHeader.trim());
      this.checkFrameSize(bodyStart - start + length + 1, start);
      if (b.length < bodyStart + length + 1) return undefined;
      bodyEnd = bodyStart + length;
      if (b[bodyEnd] !== NUL) this.fail('frame body not terminated by NUL after content-length bytes', bodyEnd);
    } else {
      const nul = b.indexOf(NUL, bodyStart);
      if (nul < 0) {
        this.checkFrameSize(b.length - start, start);
        return undefined;
      }
      bodyEnd = nul;
      this.checkFrameSize(bodyEnd + 1 - start, start);
    }
    this.pos = bodyEnd + 1;
    return { kind: 'frame', frame: { command, headers, body: b.slice(bodyStart, bodyEnd) } };
  }

  private checkFrameSize(size: number, start: number): void {
    if (size > this.limits.maxFrameSize) {
      throw new StompLimitError('maxFrameSize', `frame larger than ${this.limits.maxFrameSize} bytes`, this.consumed + start);
    }
  }
}

/** Decode a byte string holding whole frames (and EOLs); throws when anything is left over. */
export function decodeFrames(bytes: Uint8Array, version?: StompVersion, limits?: Partial<StompLimits>): StompFrame[] {
  const d = new StompDecoder({ version, limits });
  const frames = d.push(bytes).flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
  if (d.buffered > 0) throw new StompDecodeError('incomplete frame at end of input', bytes.length - d.buffered);
  return frames;
}
