/**
 * Warnings: things that work but most likely not as the user meant, reported once through
 * `onWarning` (default: one console.warn per distinct message per process; pass
 * `onWarning: () => {}` to silence them).
 */
import { toNative } from '../codec/native.js';
import type { AmqpMap } from '../codec/types.js';
import type { MessageDecodeError } from './message-decode-error.js';

/**
 * A warning about a connection, a union on `code` (stable); `message` says what happened and
 * what to do.
 * - `rabbitmq-vhost-path`: the URL's path (or `?vhost=`) went to open.hostname, which RabbitMQ
 *   3.x reads as a virtual host only in the form `vhost:NAME`; anything else gets the default
 *   virtual host, without an error.
 * - `undecodable-message`: a message arrived whose bytes do not decode; it was rejected to the
 *   sender with amqp:decode-error (so it is not redelivered; most brokers dead-letter it) and
 *   the stream went on (`onDecodeError: 'reject'`, the default of receive and fetch). `error`
 *   has the delivery-id, the link and the reason.
 */
export type AmqpWarning =
  | { readonly code: 'rabbitmq-vhost-path'; readonly message: string }
  | { readonly code: 'undecodable-message'; readonly message: string; readonly error: MessageDecodeError };

/** Where warnings go (the `onWarning` option of `connect()` and `amqpClient()`). */
export type AmqpWarningHandler = (warning: AmqpWarning) => void;

const shown = new Set<string>();

/** The default handler: console.warn, once per distinct message (a reconnecting client would repeat it). */
export const warnOnce: AmqpWarningHandler = (w) => {
  if (shown.has(w.message)) return;
  shown.add(w.message);
  console.warn(`rx-mq: ${w.message} (silence with the onWarning option)`);
};

/** The warning for a message rejected because it did not decode (see AmqpWarning). */
export function undecodableWarning(error: MessageDecodeError): AmqpWarning {
  return {
    code: 'undecodable-message',
    message: `${error.reason}; it was ${error.rejected ? 'rejected with amqp:decode-error' : 'dropped (the sender had settled it)'} and the stream goes on`,
    error,
  };
}

/**
 * The warning for a virtual host taken from the URL (`hostname`) that the peer, RabbitMQ by its
 * open properties, will not read as one; undefined when there is nothing to say.
 */
export function virtualHostWarning(hostname: string, peerProperties: AmqpMap | undefined): AmqpWarning | undefined {
  if (hostname.startsWith('vhost:') || peerProperties === undefined) return undefined;
  const product = (toNative(peerProperties) as { product?: unknown }).product;
  if (product !== 'RabbitMQ') return undefined;
  return {
    code: 'rabbitmq-vhost-path',
    message: `the URL names the virtual host '${hostname}', but RabbitMQ selects one only by open.hostname 'vhost:NAME' and ` +
      `uses its default virtual host for anything else: write the URL path as /vhost:${encodeURIComponent(hostname)} ` +
      `or pass the option hostname: 'vhost:${hostname}'`,
  };
}
