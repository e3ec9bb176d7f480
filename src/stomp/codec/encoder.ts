/**
 * Frame encoder: command line, escaped headers, a content-length for every non-empty body (so
 * bodies may hold NUL bytes), then the body and the terminating NUL.
 */
import { COMMANDS, type StompVersion } from './commands.js';
import { escapeHeader } from './escape.js';
import { StompEncodeError } from './errors.js';
import type { StompFrame } from './frame.js';

const utf8 = new TextEncoder();

/** Encoding choices. */
export interface EncodeOptions {
  /** Add a content-length header when the body is not empty and none is given. Default true. */
  readonly contentLength?: boolean;
  /** Check that the frame carries every header the command requires. Default true. */
  readonly checkRequired?: boolean;
}

/** Encode one frame for `version`. Throws StompEncodeError when it cannot be represented. */
export function encodeFrame(f: StompFrame, version: StompVersion, options: EncodeOptions = {}): Uint8Array {
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
  let head = `${f.command}\n`;
  for (const [name, value] of f.headers) {
    head += `${headerText(name, escapeVersion, f.command, true)}:${headerText(value, escapeVersion, f.command, false)}\n`;
  }
  const hasLength = f.headers.some(([k]) => k === 'content-length');
  if (f.body.length > 0 && options.contentLength !== false && !hasLength) head += `content-length:${f.body.length}\n`;
  head += '\n';
  const headBytes = utf8.encode(head);
  const out = new Uint8Array(headBytes.length + f.body.length + 1);
  out.set(headBytes, 0);
  out.set(f.body, headBytes.length);
  out[out.length - 1] = 0;
  return out;
}

function headerText(s: string, version: StompVersion, command: string, isName: boolean): string {
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
