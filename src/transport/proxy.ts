/**
 * Proxies in front of a transport: what a proxy is (parsed from `socks5://user:pass@host:port` or
 * `http://user:pass@host:port`), the error a proxy's refusal becomes, and the sans-IO contract of
 * the handshakes (socks5.ts, http-connect.ts) that the Node edge (tunnel.ts) runs over a socket.
 * Platform-neutral: no sockets here.
 */
import { parseUrl, UrlError } from './url.js';
import { TransportError } from './types.js';

/** The proxy protocols rx-mq speaks. */
export type ProxyKind = 'socks5' | 'http';

/** A proxy to tunnel through, as parsed from its URL (or given as an object). */
export interface ProxyConfig {
  /** SOCKS5 (RFC 1928, user/password per RFC 1929) or an HTTP proxy's CONNECT method (Basic auth). */
  readonly kind: ProxyKind;
  readonly host: string;
  readonly port: number;
  /** With `password`: SOCKS5 user/password authentication, or HTTP Basic `Proxy-Authorization`. */
  readonly username?: string;
  readonly password?: string;
}

/**
 * Schemes of a proxy URL. `socks5h` (curl's name for "the proxy resolves host names") means the
 * same as `socks5`: rx-mq always hands the proxy the target's host name, never resolves it itself.
 */
const SCHEMES: Readonly<Record<string, { readonly kind: ProxyKind; readonly port: number }>> = {
  socks5: { kind: 'socks5', port: 1080 },
  socks5h: { kind: 'socks5', port: 1080 },
  http: { kind: 'http', port: 80 },
};

/**
 * Parse a proxy URL, `socks5://user:pass@host:port` or `http://user:pass@host:port` (credentials
 * percent-encoded, both optional). Throws UrlError, never naming the password.
 */
export function parseProxy(proxy: string | ProxyConfig): ProxyConfig {
  if (typeof proxy !== 'string') return checkConfig(proxy);
  const schemes = Object.keys(SCHEMES);
  let u;
  try {
    u = parseUrl(proxy, schemes);
  } catch (e) {
    if (e instanceof UrlError && /^https:/i.test(proxy)) {
      throw new UrlError('proxy: https:// proxies (TLS to the proxy itself) are not supported; use http:// (TLS to the target still runs inside the tunnel) or socks5://');
    }
    throw e instanceof UrlError ? new UrlError(`proxy: ${e.message}`) : e;
  }
  const s = SCHEMES[u.scheme];
  return checkConfig({
    kind: s.kind,
    host: u.host,
    port: u.port ?? s.port,
    ...(u.username !== undefined ? { username: u.username } : {}),
    ...(u.password !== undefined ? { password: u.password } : {}),
  });
}

function checkConfig(c: ProxyConfig): ProxyConfig {
  if (c.kind !== 'socks5' && c.kind !== 'http') throw new UrlError(`proxy: unknown kind ${String(c.kind)}; expected socks5 or http`);
  if (typeof c.host !== 'string' || c.host === '') throw new UrlError('proxy: no host');
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw new UrlError(`proxy: port out of range: ${c.port}`);
  if (c.kind === 'socks5') {
    // RFC 1929 gives each field one length byte; an empty user name cannot be sent either.
    const enc = new TextEncoder();
    if (c.username !== undefined && (enc.encode(c.username).length > 255 || c.username === '')) throw new UrlError('proxy: a SOCKS5 user name must be 1 to 255 bytes');
    if (c.password !== undefined && enc.encode(c.password).length > 255) throw new UrlError('proxy: a SOCKS5 password must be at most 255 bytes');
  }
  return c;
}

/** The proxy for messages: kind, user and address, never the password. */
export function describeProxy(p: ProxyConfig): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `${p.kind}://${p.username !== undefined ? `${p.username}@` : ''}${host}:${p.port}`;
}

/** Why a proxy did not give us a tunnel. */
export type ProxyFailure =
  /** The proxy itself could not be reached (refused, reset, unknown host). */
  | 'unreachable'
  /** The proxy accepts none of the authentication methods we offered (SOCKS5 0xFF). */
  | 'no-acceptable-method'
  /** The proxy refused our credentials (SOCKS5 user/password status, HTTP 407). */
  | 'authentication'
  /** The proxy would not or could not connect to the target (SOCKS5 reply code, HTTP status). */
  | 'refused'
  /** The proxy answered with something that is not its protocol, or too much of it. */
  | 'protocol'
  /** The tunnel was not ready within the connect timeout. */
  | 'timeout'
  /** This platform cannot use a proxy (browsers). */
  | 'unsupported';

/** What the error carries besides its message. */
export interface ProxyErrorDetails {
  readonly failure: ProxyFailure;
  /** The proxy's kind, when one was named. */
  readonly proxyKind?: ProxyKind;
  /** SOCKS5: the reply code of the CONNECT (1 general failure, 2 not allowed, 5 refused...) or the RFC 1929 status. */
  readonly replyCode?: number;
  /** HTTP: the status of the answer to CONNECT (407, 403, 502...). */
  readonly statusCode?: number;
  /** HTTP: the reason phrase of that status line. */
  readonly statusText?: string;
  readonly cause?: unknown;
}

/**
 * A proxy did not give us a tunnel to the target. A TransportError (the connection could not be
 * set up), with the proxy's answer: `replyCode` (SOCKS5) or `statusCode` (HTTP). Its message names
 * the proxy without the password. `failure: 'authentication'` is not retried by the reconnecting
 * clients (like a refused login).
 */
export class ProxyError extends TransportError {
  readonly failure: ProxyFailure;
  readonly proxyKind: ProxyKind | undefined;
  readonly replyCode: number | undefined;
  readonly statusCode: number | undefined;
  readonly statusText: string | undefined;
  constructor(message: string, details: ProxyErrorDetails) {
    const code = details.statusCode !== undefined ? `HTTP_${details.statusCode}`
      : details.replyCode !== undefined ? `SOCKS5_${details.replyCode}` : `EPROXY_${details.failure.toUpperCase().replace(/-/g, '_')}`;
    super(message, code, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.failure = details.failure;
    this.proxyKind = details.proxyKind;
    this.replyCode = details.replyCode;
    this.statusCode = details.statusCode;
    this.statusText = details.statusText;
  }
}

/** One step of a handshake after bytes from the proxy. */
export type HandshakeStep =
  /** More bytes are needed; `write` (if any) goes to the proxy first. */
  | { readonly kind: 'continue'; readonly write?: Uint8Array }
  /** The tunnel is open; `rest` arrived after the proxy's answer and belongs to the target's protocol. */
  | { readonly kind: 'done'; readonly rest: Uint8Array }
  /** The proxy refused, or spoke something else: close the socket. */
  | { readonly kind: 'failed'; readonly error: ProxyError };

/**
 * A proxy handshake as a sans-IO state machine: `start()` gives the first bytes to write,
 * `receive(bytes)` takes what the proxy sent (in any split) and says what to do next. It never
 * throws on the proxy's bytes, and it buffers at most a bounded answer.
 */
export interface ProxyHandshake {
  start(): Uint8Array;
  receive(bytes: Uint8Array): HandshakeStep;
}

/** Concatenate two arrays (the handshakes' small accumulators). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * A proxy failure that trying again cannot mend (its credentials, a method it requires, a platform
 * without proxies): the reconnecting clients end on it, as on a refused login.
 */
export function isProxyConfigurationError(e: unknown): boolean {
  return e instanceof ProxyError && (e.failure === 'authentication' || e.failure === 'no-acceptable-method' || e.failure === 'unsupported');
}
