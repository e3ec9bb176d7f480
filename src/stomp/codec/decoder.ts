/**
 * Incremental frame decoder. Feed it chunks as they arrive; it returns complete frames and counts
 * heart-beats (EOLs between frames). Lines end in LF or CR LF. A body is read by content-length
 * when given (so it may contain NULs), else up to the first NUL. Every malformed or oversized
 * input throws a StompDecodeError; after an error the decoder stays failed.
 *
 * Cost per frame: the header section is decoded from UTF-8 with one call and split as a string;
 * a chunk that holds whole frames is parsed where it lies (no copy), and the pieces of a frame
 * that spans chunks are joined once, when enough bytes are there to finish it. With
 * `bodies: 'view'` a body is a view into the received chunk instead of a copy.
 */
import { COMMANDS, type CommandDefinition, type StompCommand, type StompVersion } from './commands.js';
import { unescapeHeader } from './escape.js';
import { StompDecodeError, StompLimitError } from './errors.js';
import type { StompFrame } from './frame.js';
import { DEFAULT_LIMITS, type StompLimits } from './limits.js';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const EMPTY = new Uint8Array(0);

interface KnownCommand { readonly name: StompCommand; readonly def: CommandDefinition }
/** Command names to their table rows (a Map lookup; the name returned is the table's own string). */
const COMMAND_TABLE: ReadonlyMap<string, KnownCommand> = new Map(
  (Object.keys(COMMANDS) as StompCommand[]).map((name) => [name, { name, def: COMMANDS[name] }]),
);
const MESSAGE = COMMAND_TABLE.get('MESSAGE') as KnownCommand;

/** What the decoder found in a chunk. */
export type DecodedItem = { readonly kind: 'frame'; readonly frame: StompFrame } | { readonly kind: 'heartbeat' };

const HEARTBEAT_ITEM: DecodedItem = Object.freeze({ kind: 'heartbeat' });

/** Decoder settings. */
export interface StompDecoderOptions {
  readonly version?: StompVersion;
  readonly limits?: Partial<StompLimits>;
  /**
   * 'copy' (default): every body is its own copy. 'view': a body is a view into the received
   * chunk (no copy; the chunk stays in memory while the body is referenced).
   */
  readonly bodies?: 'copy' | 'view';
}

/** Incremental STOMP frame decoder with limits (see the file comment). */
export class StompDecoder {
  /**
   * Header escaping rules to apply; undefined before the version is negotiated (then 1.2 rules,
   * leniently: unknown escapes stay as they are).
   */
  version: StompVersion | undefined;
  /** EOLs seen between frames (heart-beats), in total. */
  heartbeats = 0;
  private readonly limits: StompLimits;
  private readonly copyBodies: boolean;
  /** The bytes being parsed; `pos` is the first one not consumed. */
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  /** Chunks that arrived after `buf` while the frame at `pos` was incomplete, not yet joined. */
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  /** Buffered bytes needed before parsing can make progress again. */
  private need = 0;
  /** The incomplete frame has all its headers, no content-length, and waits for its NUL. */
  private awaitingNul = false;
  /** Total bytes consumed before `buf`, for error offsets. */
  private consumed = 0;
  private failed: StompDecodeError | undefined;
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  /** Scratch: colon and end offsets of the header lines of the frame being read. */
  private readonly marks: number[] = [];

  constructor(options: StompDecoderOptions = {}) {
    this.version = options.version;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.copyBodies = options.bodies !== 'view';
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number { return this.buf.length - this.pos + this.partsLength; }

  /** Decode what `chunk` completes. Throws StompDecodeError on malformed input. */
  push(chunk: Uint8Array): DecodedItem[] {
    const out: DecodedItem[] = [];
    this.run(chunk, out, undefined);
    return out;
  }

  /**
   * Decode what `chunk` completes and return only the frames (heart-beats are counted in
   * `heartbeats`). Throws StompDecodeError on malformed input.
   */
  pushFrames(chunk: Uint8Array): StompFrame[] {
    const out: StompFrame[] = [];
    this.run(chunk, undefined, out);
    return out;
  }

  private run(chunk: Uint8Array, items: DecodedItem[] | undefined, frames: StompFrame[] | undefined): void {
    if (this.failed) throw this.failed;
    try {
      if (!this.append(chunk)) return;
      for (;;) {
        const f = this.next();
        if (f === undefined) break;
        if (f === null) {
          this.heartbeats++;
          items?.push(HEARTBEAT_ITEM);
        } else if (items !== undefined) {
          items.push({ kind: 'frame', frame: f });
        } else {
          (frames as StompFrame[]).push(f);
        }
      }
    } catch (e) {
      if (e instanceof StompDecodeError) this.failed = e;
      throw e;
    }
    if (this.pos === this.buf.length) {
      this.consumed += this.pos;
      this.buf = EMPTY;
      this.pos = 0;
    }
  }

  /** Take in `chunk`; false when it cannot complete anything yet (it is kept for later). */
  private append(chunk: Uint8Array): boolean {
    if (chunk.length === 0) return false;
    const rest = this.buf.length - this.pos;
    if (rest === 0 && this.partsLength === 0) {
      this.consumed += this.buf.length;
      this.buf = chunk;
      this.pos = 0;
      return true;
    }
    this.parts.push(chunk);
    this.partsLength += chunk.length;
    const have = rest + this.partsLength;
    if (have < this.need || (this.awaitingNul && chunk.indexOf(NUL) < 0)) {
      if (have > this.limits.maxFrameSize) this.tooLarge(this.pos);
      return false;
    }
    const joined = new Uint8Array(have);
    joined.set(this.buf.subarray(this.pos), 0);
    let at = rest;
    for (const p of this.parts) { joined.set(p, at); at += p.length; }
    this.consumed += this.pos;
    this.buf = joined;
    this.pos = 0;
    this.parts = [];
    this.partsLength = 0;
    return true;
  }

  private fail(message: string, at: number): never {
    throw new StompDecodeError(message, this.consumed + at);
  }

  private tooLarge(start: number): never {
    throw new StompLimitError('maxFrameSize', `frame larger than ${this.limits.maxFrameSize} bytes`, this.consumed + start);
  }

  /** Wait for more input: at least `need` bytes counted from the frame start (`pos`). */
  private incomplete(need: number, awaitingNul: boolean): undefined {
    this.need = need;
    this.awaitingNul = awaitingNul;
    return undefined;
  }

  /** The next frame, null for a heart-beat, undefined when more input is needed. */
  private next(): StompFrame | null | undefined {
    const b = this.buf;
    const len = b.length;
    const start = this.pos;
    this.need = 0;
    this.awaitingNul = false;
    if (start >= len) return undefined;
    // Heart-beats / EOLs between frames.
    const first = b[start];
    if (first === LF) { this.pos = start + 1; return null; }
    if (first === CR) {
      if (start + 1 >= len) return this.incomplete(2, false);
      if (b[start + 1] !== LF) this.fail('carriage return not followed by line feed between frames', start);
      this.pos = start + 2;
      return null;
    }
    // Header section: lines up to an empty line. Only their ends and lengths are looked at here.
    const { maxHeaderLength, maxHeaders, maxFrameSize } = this.limits;
    let p = start;
    let lines = 0;
    let headerEnd: number;
    // Per line: the offset of its first colon (-1: none) and of its end (before CR LF / LF).
    const marks = this.marks;
    let high = 0;
    for (;;) {
      const lineStart = p;
      const stop = Math.min(len, p + maxHeaderLength + 2);
      let lf = p;
      let colon = -1;
      // A byte loop, cheaper than indexOf calls for lines this short; it also finds the colon
      // and whether the section is all ASCII (then byte offsets are string offsets).
      for (; lf < stop; lf++) {
        const c = b[lf];
        if (c === LF) break;
        if (c === COLON && colon < 0) colon = lf;
        high |= c;
      }
      if (lf === stop) {
        if (stop - p > maxHeaderLength + 1) this.limit('maxHeaderLength', start, p, p);
        if (len - start > maxFrameSize) this.limit('maxFrameSize', start, p, start);
        return this.incomplete(len - start + 1, false);
      }
      const end = lf > p && b[lf - 1] === CR ? lf - 1 : lf;
      if (end - p > maxHeaderLength) this.limit('maxHeaderLength', start, p, lineStart);
      p = lf + 1;
      if (end === lineStart) { headerEnd = lineStart; break; }
      if (++lines > maxHeaders + 1) this.limit('maxHeaders', start, p, lineStart);
      if (p - start > maxFrameSize) this.limit('maxFrameSize', start, p, start);
      marks[2 * lines - 2] = colon - start;
      marks[2 * lines - 1] = end - start;
    }
    const bodyStart = p;
    // One UTF-8 decode for the whole section; NUL bytes and bad UTF-8 are reported per line.
    let block: string;
    try {
      block = this.text.decode(b.subarray(start, headerEnd));
    } catch {
      this.diagnose(start, headerEnd);
      this.fail('header is not valid UTF-8', start);
    }
    if (block.includes('\0')) { this.diagnose(start, headerEnd); this.fail('NUL byte inside the frame header', start); }
    const ascii = high < 0x80;
    let nl = ascii ? marks[1] : block.indexOf('\n');
    let command = block.slice(0, nl);
    if (!ascii && command.endsWith('\r')) command = command.slice(0, -1);
    const known = command === 'MESSAGE' ? MESSAGE : COMMAND_TABLE.get(command);
    if (known === undefined) this.fail(`unknown command ${JSON.stringify(command.slice(0, 40))}`, start);
    const def = known.def;
    const version: StompVersion = def.escaped ? (this.version ?? '1.2') : '1.0';
    const lenient = this.version === undefined;
    const escapes = version !== '1.0' && block.includes('\\');
    const headers: (readonly [string, string])[] = [];
    let lengthHeader: string | undefined;
    for (let k = 1; k < lines; k++) {
      let from: number;
      let to: number;
      let colon: number;
      if (ascii) {
        from = marks[2 * k - 1] + (block.charCodeAt(marks[2 * k - 1]) === CR ? 2 : 1);
        colon = marks[2 * k];
        to = marks[2 * k + 1];
      } else {
        from = nl + 1;
        nl = block.indexOf('\n', from);
        to = block.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        colon = block.indexOf(':', from);
      }
      if (colon < 0 || colon > to) this.fail(`header line without a colon: ${JSON.stringify(block.slice(from, to).slice(0, 40))}`, start);
      let name = block.slice(from, colon);
      let value = block.slice(colon + 1, to);
      if (escapes && (name.includes('\\') || value.includes('\\'))) {
        const n = unescapeHeader(name, version, lenient);
        const v = unescapeHeader(value, version, lenient);
        if (n === undefined || v === undefined) this.fail(`undefined escape sequence in header ${JSON.stringify(block.slice(from, to).slice(0, 40))}`, start);
        name = n;
        value = v;
      }
      if (lengthHeader === undefined && name.length === 14 && name === 'content-length') lengthHeader = value;
      headers.push([name, value]);
    }
    // Body.
    let bodyEnd: number;
    if (lengthHeader !== undefined) {
      const length = parseLength(lengthHeader);
      if (length < 0) this.fail(`invalid content-length ${JSON.stringify(lengthHeader)}`, start);
      if (bodyStart - start + length + 1 > maxFrameSize) this.tooLarge(start);
      if (len < bodyStart + length + 1) return this.incomplete(bodyStart - start + length + 1, false);
      bodyEnd = bodyStart + length;
      if (b[bodyEnd] !== NUL) this.fail('frame body not terminated by NUL after content-length bytes', bodyEnd);
    } else {
      const nul = b.indexOf(NUL, bodyStart);
      if (nul < 0) {
        if (len - start > maxFrameSize) this.tooLarge(start);
        return this.incomplete(len - start + 1, true);
      }
      bodyEnd = nul;
      if (bodyEnd + 1 - start > maxFrameSize) this.tooLarge(start);
    }
    this.pos = bodyEnd + 1;
    const body = bodyEnd === bodyStart ? EMPTY : this.copyBodies ? b.slice(bodyStart, bodyEnd) : b.subarray(bodyStart, bodyEnd);
    return { command: known.name, headers, body };
  }

  /**
   * A limit was hit after the header lines in [start, upTo): report a NUL byte or bad UTF-8 in
   * one of them first (as a line-by-line reader would have), else the limit, at offset `at`.
   */
  private limit(which: StompLimitError['limit'], start: number, upTo: number, at: number): never {
    this.diagnose(start, upTo);
    const { maxFrameSize, maxHeaders, maxHeaderLength } = this.limits;
    const message = which === 'maxFrameSize' ? `frame larger than ${maxFrameSize} bytes`
      : which === 'maxHeaders' ? `more than ${maxHeaders} headers in one frame`
        : `header line longer than ${maxHeaderLength} bytes`;
    throw new StompLimitError(which, message, this.consumed + at);
  }

  /** Throw the error of the first header line in [start, end) holding a NUL byte or bad UTF-8. */
  private diagnose(start: number, end: number): void {
    const b = this.buf;
    let p = start;
    while (p < end) {
      let lf = b.indexOf(LF, p);
      if (lf < 0 || lf > end) lf = end;
      let e = lf;
      if (e > p && b[e - 1] === CR) e--;
      const line = b.subarray(p, e);
      if (line.includes(NUL)) this.fail('NUL byte inside the frame header', p);
      try {
        this.text.decode(line);
      } catch {
        this.fail('header is not valid UTF-8', p);
      }
      p = lf + 1;
    }
  }
}

/** A content-length value (1 to 10 digits, white space around them allowed), or -1. */
function parseLength(value: string): number {
  const s = value.trim();
  if (s.length === 0 || s.length > 10) return -1;
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Decode a byte string holding whole frames (and EOLs); throws when anything is left over. */
export function decodeFrames(bytes: Uint8Array, version?: StompVersion, limits?: Partial<StompLimits>): StompFrame[] {
  const d = new StompDecoder({ version, limits });
  const frames = d.pushFrames(bytes);
  if (d.buffered > 0) throw new StompDecodeError('incomplete frame at end of input', bytes.length - d.buffered);
  return frames;
}
