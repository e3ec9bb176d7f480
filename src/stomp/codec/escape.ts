/**
 * Header value escaping. STOMP 1.0 has none; 1.1 escapes backslash, newline and colon; 1.2 adds
 * carriage return. Undefined escape sequences are fatal in 1.1 and 1.2.
 */
import type { StompVersion } from './commands.js';

const ESCAPES: Readonly<Record<'1.1' | '1.2', Readonly<Record<string, string>>>> = {
  '1.1': { '\\': '\\\\', '\n': '\\n', ':': '\\c' },
  '1.2': { '\\': '\\\\', '\n': '\\n', ':': '\\c', '\r': '\\r' },
};

const UNESCAPES: Readonly<Record<'1.1' | '1.2', Readonly<Record<string, string>>>> = {
  '1.1': { '\\': '\\', n: '\n', c: ':' },
  '1.2': { '\\': '\\', n: '\n', c: ':', r: '\r' },
};

/** Escape `s` for `version`; 1.0 returns it unchanged. */
export function escapeHeader(s: string, version: StompVersion): string {
  if (version === '1.0') return s;
  const table = ESCAPES[version];
  return s.replace(/[\\\n:\r]/g, (c) => table[c] ?? c);
}

/**
 * Undo escaping. Returns undefined when `s` holds an escape sequence `version` does not define
 * (the caller reports it). `lenient` keeps undefined sequences literally instead.
 */
export function unescapeHeader(s: string, version: StompVersion, lenient = false): string | undefined {
  if (version === '1.0' || !s.includes('\\')) return s;
  const table = UNESCAPES[version];
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') { out += c; continue; }
    const next = s[i + 1];
    const mapped = next === undefined ? undefined : table[next];
    if (mapped === undefined) {
      if (!lenient) return undefined;
      out += c;
      continue;
    }
    out += mapped;
    i++;
  }
  return out;
}
