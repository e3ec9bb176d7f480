/**
 * Frame encoder: command line, escaped headers, a content-length for every non-empty body (so
 * bodies may hold NUL bytes), then the body and the terminating NUL. `encodeFrameInto` writes
 * into a FrameWriter, so that many frames share one buffer (and one socket write); `encodeFrame`
 * returns the bytes of one frame.
 */
import { COMMANDS, type StompVersion } from './commands.js';
import { escapeHeader } from './escape.js';
import { StompEncodeError } from './errors.js';
import type { StompFrame } from './frame.js';
import { FrameWriter } from './writer.js';

/** Encoding choices. */
export interface EncodeOptions {
  /** Add a content-length header when the body is not empty and none is given. Default true. */
  readonly contentLength?: boolean;
  /** Check that the frame carries every header the command requires. Default true. */
  readonly checkRequired?: boolean;
}

const NO_OPTIONS: EncodeOptions = {};

/** Encode one frame for `version`. Throws StompEncodeError when it cannot be represented. */
export function encodeFrame(f: StompFrame, version: StompVersion, options: EncodeOptions = NO_OPTIONS): Uint8Array {
  const w = new FrameWriter(64 + f.body.length);
  encodeFrameInto(w, f, version, options);
  return w.take();
}

/**
 * Encode one frame for `version` at the end of `w`. Throws StompEncodeError when it cannot be
 * represented; `w` is then left as it was.
 */
export function encodeFrameInto(w: FrameWriter, f: StompFrame, version: StompVersion, options: EncodeOptions = NO_OPTIONS): void {
  const def = COMMANDS[f.command];
  if (def === undefined) throw new StompEncodeError(`unknown STOMP command ${String(f.command)}`);
  if (!def.versions.includes(version)) throw new StompEncodeError(`${f.command} does not exist in STOMP ${version}`);
  if (!def.body && f.body.length > 0) throw new StompEncodeError(`${f.command} frames carry no body`);
  if (options.checkRequired !== false) {
    for (const name of def.required[version]) {
      if (!f.headers.some(([k]) => k === name)) throw new StompEncodeError(`${f.command} needs a "${name}" header in STOMP ${version}`);
    }
  }
  const escapeVersion: StompVersion = def.escaped ? version : '1.0';
  const mark = w.length;
  try {
    w.string(f.command);
    w.byte(0x0a);
    let hasLength = false;
    for (const [name, value] of f.headers) {
      if (name === 'content-length') hasLength = true;
      writeHeader(w, name, value, escapeVersion, f.command);
    }
    if (options.contentLength !== false && !hasLength) {
      w.bodyWithLength(f.body);
    } else {
      w.byte(0x0a);
      w.bytes(f.body);
      w.byte(0);
    }
  } catch (e) {
    w.truncate(mark);
    throw e;
  }
}

/** Write one `name:value` line, escaped for `version` (1.0: checked, never escaped). */
export function writeHeader(w: FrameWriter, name: string, value: string, version: StompVersion, command: string): void {
  w.string(plain(name) ? name : headerText(name, version, command, true));
  w.byte(0x3a);
  w.string(plain(value) ? value : headerText(value, version, command, false));
  w.byte(0x0a);
}

/**
 * Whether `s` holds none of the characters that need escaping or checking (NUL, LF, CR, colon,
 * backslash): such a string is written as it is in every version.
 */
export function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x3a ? c === 0x3a || c === 0x0a || c === 0x0d || c === 0 : c === 0x5c) return false;
  }
  return true;
}

/** `s` as a header name or value of `command` in `version`: escaped, or an error when it cannot be. */
export function headerText(s: string, version: StompVersion, command: string, isName: boolean): string {
  if (s.includes('\0')) throw new StompEncodeError(`${command}: a header ${isName ? 'name' : 'value'} cannot contain NUL`);
  if (version === '1.0') {
    if (s.includes('\n') || s.includes('\r')) {
      throw new StompEncodeError(`${command}: header ${isName ? 'name' : 'value'} ${JSON.stringify(s)} has a line break, which this frame cannot escape`);
    }
    if (isName && s.includes(':')) throw new StompEncodeError(`${command}: header name ${JSON.stringify(s)} has a colon, which this frame cannot escape`);
    return s;
  }
  if (version === '1.1' && s.includes('\r')) throw new StompEncodeError(`${command}: STOMP 1.1 cannot escape a carriage return in ${JSON.stringify(s)}`);
  return escapeHeader(s, version);
}

/** One heart-beat: a single end-of-line. */
export const HEARTBEAT: Uint8Array = new Uint8Array([0x0a]);
