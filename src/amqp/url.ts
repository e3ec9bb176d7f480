/**
 * AMQP URLs:
 * - `amqp://user:pass@host:5672/vhost` (TCP) and `amqps://...:5671/vhost` (TLS): the URL-decoded
 *   path is the virtual host (open.hostname and SASL hostname); without a path the host name is sent.
 *   RabbitMQ 3.x reads open.hostname as a virtual host only in the form `vhost:NAME`, so there
 *   the URL is `amqp://host/vhost:NAME` (connect() warns about other paths on RabbitMQ).
 * - `amqp+ws://host:port/path` and `amqp+wss://...` (also plain `ws://` / `wss://`): AMQP over
 *   WebSocket with subprotocol "amqp"; the path is the WebSocket endpoint, so the virtual host
 *   comes from the `vhost` query parameter (or the connection options).
 * IPv6 literals go in brackets: `amqp://[::1]:5672`.
 */
import type { TransportTarget, TlsOptions } from '../transport/types.js';
import { parseUrl, UrlError } from '../transport/url.js';
import { hideSecrets } from '../redact.js';

/** What an AMQP URL says: where to connect, the virtual host, and the credentials in it. */
export interface AmqpEndpoint {
  /** Where to connect: TCP, TLS or WebSocket. */
  readonly target: TransportTarget;
  /** The virtual host to name in open.hostname. */
  readonly hostname: string;
  /** The URL's user name, URL-decoded. */
  readonly username: string | undefined;
  /** The URL's password, URL-decoded. */
  readonly password: string | undefined;
  /** Whether `hostname` came from the URL's path (or `?vhost=`), not from its host name. */
  readonly virtualHostInUrl: boolean;
}

const DEFAULT_PORT: Readonly<Record<string, number>> = { amqp: 5672, amqps: 5671 };
const SCHEMES = ['amqp', 'amqps', 'amqp+ws', 'amqp+wss', 'ws', 'wss'];

/**
 * Parse an AMQP URL (forms in the module comment). Throws `UrlError` for a malformed URL,
 * an unknown scheme or a port out of range.
 * @param tls TLS options for amqps:// and amqp+wss:// targets.
 */
export function parseAmqpUrl(url: string, tls?: TlsOptions): AmqpEndpoint {
  const u = parseUrl(url, SCHEMES);
  if (u.port !== undefined && (u.port < 1 || u.port > 65535)) throw new UrlError(`port out of range: ${u.port}`);
  const creds = { username: u.username, password: u.password };
  if (u.scheme === 'amqp' || u.scheme === 'amqps') {
    const port = u.port ?? DEFAULT_PORT[u.scheme];
    const target: TransportTarget = u.scheme === 'amqp'
      ? { kind: 'tcp', host: u.host, port }
      : tls === undefined ? { kind: 'tls', host: u.host, port } : { kind: 'tls', host: u.host, port, tls };
    return hideSecrets({ target, hostname: u.path ?? u.host, virtualHostInUrl: u.path !== undefined, ...creds });
  }
  const secure = u.scheme.endsWith('wss');
  const hostPart = u.host.includes(':') ? `[${u.host}]` : u.host;
  const wsUrl = `${secure ? 'wss' : 'ws'}://${hostPart}${u.port === undefined ? '' : `:${u.port}`}/${u.path === undefined ? '' : encodeURI(u.path)}`;
  return hideSecrets({
    target: tls === undefined
      ? { kind: 'websocket', url: wsUrl, protocols: ['amqp'] }
      : { kind: 'websocket', url: wsUrl, protocols: ['amqp'], tls },
    hostname: u.query.get('vhost') ?? u.host,
    virtualHostInUrl: u.query.get('vhost') !== null,
    ...creds,
  });
}
