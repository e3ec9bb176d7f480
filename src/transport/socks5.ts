/**
 * The SOCKS5 client handshake (RFC 1928, user/password authentication per RFC 1929) as a sans-IO
 * state machine: greeting, optional authentication, CONNECT, reply. The target's host name goes to
 * the proxy as a domain name (the proxy resolves it); IP literals go as addresses.
 */
import { concatBytes, describeProxy, ProxyError, type HandshakeStep, type ProxyConfig, type ProxyFailure, type ProxyHandshake } from './proxy.js';

const VERSION = 5;
const METHOD_NONE = 0x00;
const METHOD_USER_PASSWORD = 0x02;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_DOMAIN = 3;
const ATYP_IPV6 = 4;

/** The reply codes of RFC 1928 section 6, for messages. */
const REPLIES: readonly string[] = [
  'succeeded', 'general SOCKS server failure', 'connection not allowed by ruleset', 'network unreachable',
  'host unreachable', 'connection refused', 'TTL expired', 'command not supported', 'address type not supported',
];

type Phase = 'method' | 'auth' | 'reply' | 'done' | 'failed';

export class Socks5Handshake implements ProxyHandshake {
  private phase: Phase = 'method';
  private pending: Uint8Array = new Uint8Array(0);
  private readonly what: string;

  constructor(private readonly proxy: ProxyConfig, private readonly host: string, private readonly port: number) {
    this.what = `SOCKS5 proxy ${describeProxy(proxy)}`;
  }

  /** The greeting: the methods we can do (user/password only when we have credentials). */
  start(): Uint8Array {
    return this.proxy.username !== undefined
      ? Uint8Array.of(VERSION, 2, METHOD_NONE, METHOD_USER_PASSWORD)
      : Uint8Array.of(VERSION, 1, METHOD_NONE);
  }

  receive(bytes: Uint8Array): HandshakeStep {
    if (this.phase === 'done' || this.phase === 'failed') return this.fail('protocol', 'bytes after the handshake ended');
    this.pending = concatBytes(this.pending, bytes);
    const p = this.pending;
    switch (this.phase) {
      case 'method': {
        if (p.length < 2) return { kind: 'continue' };
        if (p[0] !== VERSION) return this.fail('protocol', `answered with version ${p[0]}, not SOCKS5`);
        const method = p[1];
        this.pending = p.subarray(2);
        if (method === NO_ACCEPTABLE_METHOD) {
          return this.fail('no-acceptable-method', this.proxy.username !== undefined
            ? 'accepts neither user/password nor no authentication'
            : 'requires authentication (give the proxy URL a user and password)');
        }
        if (method === METHOD_NONE) return this.then('reply', this.connectRequest());
        if (method === METHOD_USER_PASSWORD && this.proxy.username !== undefined) return this.then('auth', this.authRequest());
        return this.fail('protocol', `chose method ${method}, which we did not offer`);
      }
      case 'auth': {
        if (p.length < 2) return { kind: 'continue' };
        // RFC 1929: version 1 of the sub-negotiation; status 0 is success, anything else a refusal.
        if (p[0] !== 1) return this.fail('protocol', `answered the authentication with version ${p[0]}`);
        const status = p[1];
        this.pending = p.subarray(2);
        if (status !== 0) return this.fail('authentication', `refused the user name or password of ${this.proxy.username ?? ''} (status ${status})`, status);
        return this.then('reply', this.connectRequest());
      }
      case 'reply': {
        if (p.length < 2) return { kind: 'continue' };
        if (p[0] !== VERSION) return this.fail('protocol', `answered CONNECT with version ${p[0]}`);
        const rep = p[1];
        if (rep !== 0) {
          return this.fail('refused', `could not connect to ${this.target()}: ${REPLIES[rep] ?? `reply ${rep}`} (reply code ${rep})`, rep);
        }
        if (p.length < 5) return { kind: 'continue' };
        const atyp = p[3];
        const addrLen = atyp === ATYP_IPV4 ? 4 : atyp === ATYP_IPV6 ? 16 : atyp === ATYP_DOMAIN ? 1 + p[4] : -1;
        if (addrLen < 0) return this.fail('protocol', `answered with address type ${atyp}`);
        const total = 4 + addrLen + 2;
        if (p.length < total) return { kind: 'continue' };
        this.phase = 'done';
        const rest = p.subarray(total);
        this.pending = new Uint8Array(0);
        return { kind: 'done', rest };
      }
    }
  }

  private then(phase: Phase, write: Uint8Array): HandshakeStep {
    this.phase = phase;
    // Nothing may follow an answer before we asked the next question; whatever did is an error.
    if (this.pending.length > 0) return this.fail('protocol', 'sent more than its answer');
    return { kind: 'continue', write };
  }

  private fail(failure: ProxyFailure, why: string, replyCode?: number): HandshakeStep {
    this.phase = 'failed';
    return {
      kind: 'failed',
      error: new ProxyError(`${this.what} ${why}`, { failure, proxyKind: 'socks5', ...(replyCode !== undefined ? { replyCode } : {}) }),
    };
  }

  private target(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  private authRequest(): Uint8Array {
    const enc = new TextEncoder();
    const user = enc.encode(this.proxy.username ?? '');
    const pass = enc.encode(this.proxy.password ?? '');
    const out = new Uint8Array(3 + user.length + pass.length);
    out[0] = 1;
    out[1] = user.length;
    out.set(user, 2);
    out[2 + user.length] = pass.length;
    out.set(pass, 3 + user.length);
    return out;
  }

  private connectRequest(): Uint8Array {
    const v4 = ipv4Bytes(this.host);
    const v6 = v4 === undefined ? ipv6Bytes(this.host) : undefined;
    let addr: Uint8Array;
    let atyp: number;
    if (v4 !== undefined) { atyp = ATYP_IPV4; addr = v4; }
    else if (v6 !== undefined) { atyp = ATYP_IPV6; addr = v6; }
    else {
      const name = new TextEncoder().encode(this.host);
      // A DNS name is at most 253 characters, so this holds for any host a URL can carry.
      addr = new Uint8Array(1 + Math.min(name.length, 255));
      addr[0] = addr.length - 1;
      addr.set(name.subarray(0, 255), 1);
      atyp = ATYP_DOMAIN;
    }
    const out = new Uint8Array(4 + addr.length + 2);
    out.set([VERSION, CMD_CONNECT, 0, atyp]);
    out.set(addr, 4);
    out[4 + addr.length] = this.port >> 8;
    out[5 + addr.length] = this.port & 0xff;
    return out;
  }
}

/** The four bytes of a dotted IPv4 literal, else undefined. */
export function ipv4Bytes(s: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return undefined;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
}

/** The sixteen bytes of an IPv6 literal (with `::` and a trailing dotted IPv4), else undefined. */
export function ipv6Bytes(s: string): Uint8Array | undefined {
  if (!s.includes(':') || s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = ipv4Bytes(it);
        if (v4 === undefined) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(it)) out.push(parseInt(it, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}
