/**
 * Messaging URLs: scheme://user:pass@host:port/path?query, with IPv6 literals in brackets.
 * The protocols decide what the path means (AMQP and STOMP: the virtual host); this module only
 * takes the URL apart, percent-decoding credentials and path.
 */
import { RxMqError } from '../errors.js';

/** A URL that cannot be used: unknown scheme, bad port, missing host. */
export class UrlError extends RxMqError {}

export interface ParsedUrl {
  readonly scheme: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The percent-decoded path without its leading '/', or undefined when empty. */
  readonly path: string | undefined;
  readonly query: URLSearchParams;
}

/**
 * Parse `url`, accepting only `schemes`. The password never appears in an error message.
 */
export function parseUrl(url: string, schemes: readonly string[]): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UrlError(`not a valid URL: ${redact(url)}`);
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (!schemes.includes(scheme)) {
    throw new UrlError(`unsupported URL scheme "${scheme}" in ${redact(url)}; expected one of ${schemes.join(', ')}`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UrlError(`URL has no host: ${redact(url)}`);
  const port = u.port === '' ? undefined : Number(u.port);
  const rawPath = u.pathname.replace(/^\//, '');
  const parsed: ParsedUrl = {
    scheme,
    host,
    port,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    path: rawPath === '' ? undefined : decodeURIComponent(rawPath),
    query: u.searchParams,
  };
  // Readable by code, never printed (util.inspect, JSON.stringify skip non-enumerable fields).
  Object.defineProperty(parsed, 'password', { enumerable: false });
  return parsed;
}

/** The URL with any password replaced, safe for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
