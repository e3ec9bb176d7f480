/**
 * The URL's scheme picks the protocol: amqp, amqps, amqp+ws, amqp+wss are AMQP 1.0; stomp,
 * stomp+ssl, ws and wss are STOMP (plain ws:// is STOMP here: AMQP over WebSocket is written
 * amqp+ws://). The URL is parsed up front so that a bad one is a usage error before any I/O.
 * Each protocol's module is loaded only when its scheme is used: the command starts faster.
 */
import { parseAmqpUrl } from '../../amqp/url.js';
import { parseStompUrl } from '../../stomp/rx/url.js';
import { UrlError, redact } from '../../transport/url.js';
import type { ProtocolAdapter } from './types.js';

const AMQP = ['amqp', 'amqps', 'amqp+ws', 'amqp+wss'];
const STOMP = ['stomp', 'stomp+ssl', 'ws', 'wss'];

/** The adapter for `url`'s protocol; throws UrlError for a URL no protocol can use. */
export async function adapterFor(url: string): Promise<ProtocolAdapter> {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  const scheme = m?.[1].toLowerCase();
  if (scheme !== undefined && AMQP.includes(scheme)) {
    parseAmqpUrl(url);
    return (await import('./amqp.js')).amqpAdapter(url);
  }
  if (scheme !== undefined && STOMP.includes(scheme)) {
    parseStompUrl(url);
    return (await import('./stomp.js')).stompAdapter(url);
  }
  throw new UrlError(`unsupported URL ${redact(url)}; expected ${[...AMQP, ...STOMP].map((s) => `${s}://`).join(', ')}`);
}
