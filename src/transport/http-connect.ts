/**
 * The HTTP CONNECT handshake (RFC 9110 section 9.3.6) as a sans-IO state machine: one request
 * (with Basic `Proxy-Authorization` when the proxy URL has credentials), then the response head,
 * which may arrive in any split. A 2xx opens the tunnel, and bytes after the head are the target's;
 * any other status is a ProxyError with the status (407, or 401 as tinyproxy sends: the credentials).
 */
import { concatBytes, describeProxy, ProxyError, type HandshakeStep, type ProxyConfig, type ProxyFailure, type ProxyHandshake } from './proxy.js';

/** The largest response head we read; a proxy sending more is not answering CONNECT. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export class HttpConnectHandshake implements ProxyHandshake {
  private head: Uint8Array = new Uint8Array(0);
  private finished = false;
  private readonly what: string;

  constructor(private readonly proxy: ProxyConfig, private readonly host: string, private readonly port: number) {
    this.what = `HTTP proxy ${describeProxy(proxy)}`;
  }

  start(): Uint8Array {
    const authority = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    let req = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
    if (this.proxy.username !== undefined) req += `Proxy-Authorization: Basic ${basic(this.proxy.username, this.proxy.password ?? '')}\r\n`;
    return new TextEncoder().encode(`${req}\r\n`);
  }

  receive(bytes: Uint8Array): HandshakeStep {
    if (this.finished) return this.fail('protocol', 'bytes after the handshake ended');
    // Look for the blank line from just before the new bytes, so a CRLFCRLF split over reads is found.
    const from = Math.max(0, this.head.length - 3);
    this.head = concatBytes(this.head, bytes);
    const end = indexOfBlankLine(this.head, from);
    if (end < 0) {
      if (this.head.length > MAX_RESPONSE_HEAD_BYTES) return this.fail('protocol', `sent a response head over ${MAX_RESPONSE_HEAD_BYTES} bytes`);
      return { kind: 'continue' };
    }
    if (end > MAX_RESPONSE_HEAD_BYTES) return this.fail('protocol', `sent a response head over ${MAX_RESPONSE_HEAD_BYTES} bytes`);
    this.finished = true;
    const text = latin1(this.head.subarray(0, end));
    const statusLine = text.split('\r\n', 1)[0];
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (m === null) return this.fail('protocol', `answered CONNECT with "${printable(statusLine)}", not an HTTP/1.x status line`);
    const status = Number(m[1]);
    const reason = m[2] ?? '';
    if (status >= 200 && status < 300) {
      const rest = this.head.subarray(end + 4);
      this.head = new Uint8Array(0);
      return { kind: 'done', rest };
    }
    // 407 is the status for proxy credentials; tinyproxy 1.11 answers wrong ones with 401.
    const auth = status === 407 || status === 401;
    const failure: ProxyFailure = auth ? 'authentication' : 'refused';
    const why = auth
      ? (this.proxy.username !== undefined ? `refused the credentials of ${this.proxy.username}` : 'requires credentials (give the proxy URL a user and password)')
      : `would not connect to ${this.host}:${this.port}`;
    return this.fail(failure, `${why}: ${status} ${printable(reason)}`.trimEnd(), status, reason);
  }

  private fail(failure: ProxyFailure, why: string, statusCode?: number, statusText?: string): HandshakeStep {
    this.finished = true;
    return {
      kind: 'failed',
      error: new ProxyError(`${this.what} ${why}`, {
        failure, proxyKind: 'http', ...(statusCode !== undefined ? { statusCode, statusText } : {}),
      }),
    };
  }
}

/** Where the CRLFCRLF ending a head starts, searching from `from`; -1 if not there yet. */
function indexOfBlankLine(b: Uint8Array, from: number): number {
  for (let i = from; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** A proxy's text for a message: control characters out, at most 200 characters. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean;
}

/** `user:password` in UTF-8, base64 (RFC 7617). */
function basic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}
