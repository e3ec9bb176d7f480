/**
 * The frame value shared by encoder, decoder and engine. Headers are kept as an ordered list so
 * that repeated headers survive; lookups return the first occurrence, as the specification says.
 */
import type { StompCommand } from './commands.js';

/** Header entries in wire order; a name may repeat. */
export type StompHeaderList = readonly (readonly [name: string, value: string])[];

/** One STOMP frame. */
export interface StompFrame {
  readonly command: StompCommand;
  readonly headers: StompHeaderList;
  readonly body: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Build a frame from a command, headers (record or list) and an optional body. */
export function frame(
  command: StompCommand,
  headers: Readonly<Record<string, string | undefined>> | StompHeaderList = {},
  body: Uint8Array = EMPTY,
): StompFrame {
  const list: (readonly [string, string])[] = Array.isArray(headers)
    ? [...(headers as StompHeaderList)]
    : Object.entries(headers as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined);
  return { command, headers: list, body };
}

/** The first value of header `name`, or undefined. */
export function headerOf(f: { readonly headers: StompHeaderList }, name: string): string | undefined {
  for (const [k, v] of f.headers) if (k === name) return v;
  return undefined;
}

/** Every value of header `name`, in wire order. */
export function headersOf(f: { readonly headers: StompHeaderList }, name: string): string[] {
  return f.headers.filter(([k]) => k === name).map(([, v]) => v);
}

/** Headers as a record where the first occurrence of each name wins. */
export function headerRecord(list: StompHeaderList): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of list) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = v;
  return out;
}

/**
 * The charset of a frame's content-type header (`text/plain;charset=utf-8` gives "utf-8"), or
 * undefined when none is named.
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m ? m[1].toLowerCase() : undefined;
}
