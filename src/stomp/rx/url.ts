/**
 * STOMP URLs:
 * - `stomp://user:pass@host:61613/VHOST` (TCP) and `stomp+ssl://...` (TLS, also `stomps://`): the
 *   URL-decoded path is the virtual host for the host header (RabbitMQ's "/" is `%2F`); without a
 *   path the host header carries the host name.
 * - `ws://host:15674/ws` and `wss://...`: STOMP over WebSocket with subprotocols v12.stomp,
 *   v11.stomp and v10.stomp. The path is the endpoint; the virtual host comes from the `vhost`
 *   query parameter, else the host name.
 * IPv6 literals go in brackets: `stomp://[::1]:61613`.
 */
import type { TlsOptions, TransportTarget } from '../../transport/types.js';
import { parseUrl, UrlError } from '../../transport/url.js';
import { hideSecrets } from '../../redact.js';

/** Where and as whom to connect. */
export interface StompEndpoint {
  readonly target: TransportTarget;
  /** The host header: the virtual host. */
  readonly host: string;
  readonly login: string | undefined;
  readonly passcode: string | undefined;
  /** Whether `host` is just the URL's host name: the URL named no virtual host. */
  readonly hostFromUrlHost: boolean;
}

const SCHEMES = ['stomp', 'stomp+ssl', 'stomps', 'stomp+tls', 'ws', 'wss'];
/** WebSocket subprotocols for STOMP, newest first. */
export const STOMP_WS_PROTOCOLS: readonly string[] = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/** Parse a STOMP URL. Throws UrlError when it cannot be used. */
export function parseStompUrl(url: string, tls?: TlsOptions): StompEndpoint {
  const u = parseUrl(url, SCHEMES);
  if (u.port !== undefined && (u.port < 1 || u.port > 65535)) throw new UrlError(`port out of range: ${u.port}`);
  const creds = { login: u.username, passcode: u.password };
  if (u.scheme === 'ws' || u.scheme === 'wss') {
    const hostPart = u.host.includes(':') ? `[${u.host}]` : u.host;
    const wsUrl = `${u.scheme}://${hostPart}${u.port === undefined ? '' : `:${u.port}`}/${u.path === undefined ? '' : encodeURI(u.path)}`;
    const target: TransportTarget = tls === undefined
      ? { kind: 'websocket', url: wsUrl, protocols: STOMP_WS_PROTOCOLS }
      : { kind: 'websocket', url: wsUrl, protocols: STOMP_WS_PROTOCOLS, tls };
    const vhost = u.query.get('vhost');
    return hideSecrets({ target, host: vhost ?? u.host, hostFromUrlHost: vhost === null, ...creds });
  }
  const secure = u.scheme !== 'stomp';
  const port = u.port ?? (secure ? 61614 : 61613);
  const target: TransportTarget = !secure
    ? { kind: 'tcp', host: u.host, port }
    : tls === undefined ? { kind: 'tls', host: u.host, port } : { kind: 'tls', host: u.host, port, tls };
  return hideSecrets({ target, host: u.path ?? u.host, hostFromUrlHost: u.path === undefined, ...creds });
}
