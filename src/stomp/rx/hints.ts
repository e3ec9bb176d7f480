/**
 * Advice added to errors whose cure is not obvious from the broker's words.
 */
import { StompAuthenticationError } from '../errors.js';

/**
 * A refused virtual host when the client sent the URL's host name as the host header: RabbitMQ
 * then answers "Virtual host '127.0.0.1' access denied", which reads like a permission problem
 * but means that no virtual host was named. The error keeps the ERROR frame (headers, body,
 * class) and gains a sentence saying how to name one. Any other error is returned as it is.
 *
 * @param host the host header that was sent
 * @param defaulted whether it was the URL's host name (no URL path, `?vhost=`, nor `host` option)
 */
export function withVirtualHostHint(e: unknown, host: string, defaulted: boolean): unknown {
  if (!defaulted || !(e instanceof StompAuthenticationError)) return e;
  if (!/virtual ?host|vhost/i.test(`${e.brokerMessage ?? ''} ${e.text}`)) return e;
  const hinted = new StompAuthenticationError(e.headers, e.body);
  hinted.message = `${e.message}. The STOMP host header names the virtual host; without one in the URL it is the URL's host name ('${host}'). ` +
    'Name the virtual host as the URL path (RabbitMQ\'s "/" is %2F: stomp://user:pass@host:61613/%2F), ' +
    'as ?vhost=%2F on a ws:// URL, or with the `host` option (host: \'/\')';
  return hinted;
}
