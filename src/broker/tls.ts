/**
 * The broker's TLS settings: one key and certificate for its three secure listeners (`amqps`,
 * `stomp+ssl` and `wss`), optionally asking clients for certificates. A client certificate the
 * listener verified against `ca` is an identity: SASL EXTERNAL offers it to AMQP clients (the
 * login is the certificate's subject CN) and a STOMP CONNECT without `login` uses it.
 */
import type * as tls from 'node:tls';

/** `startBroker({ tls })`. Keys and certificates are PEM text or bytes. */
export interface BrokerTlsOptions {
  /** The broker's private key. */
  readonly key: string | Uint8Array;
  /** The broker's certificate (chain). */
  readonly cert: string | Uint8Array;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /** CA certificates client certificates are verified against (with `requestCert`). */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Ask clients for a certificate. Default false. */
  readonly requestCert?: boolean;
  /**
   * With `requestCert`: refuse, during the TLS handshake, a client without a certificate the `ca`
   * verifies. Default true; false lets such clients in (they log in with a password instead, and
   * only verified certificates count as identities).
   */
  readonly rejectUnauthorized?: boolean;
  /** Port of the AMQP-over-TLS listener (`amqpsUrl`); 0 (the default) picks a free one. */
  readonly amqpsPort?: number;
  /**
   * Port of the STOMP-over-TLS listener (`stompSslUrl`); 0 picks a free one, `false` turns it off.
   * Default 0, or off when the broker's `stompPort` is `false`.
   */
  readonly stompSslPort?: number | false;
  /**
   * Port of the WebSocket-over-TLS listener for both protocols (`amqpWssUrl`, `stompWssUrl`); 0 (the
   * default) picks a free one, `false` turns it off.
   */
  readonly wssPort?: number | false;
}

const bytes = (x: string | Uint8Array): string | Buffer => (typeof x === 'string' ? x : Buffer.from(x));

/** Node's server options for the listeners. */
export function serverTlsOptions(o: BrokerTlsOptions): tls.TlsOptions {
  const ca = o.ca === undefined ? undefined : (Array.isArray(o.ca) ? o.ca : [o.ca]).map(bytes);
  return {
    key: bytes(o.key),
    cert: bytes(o.cert),
    passphrase: o.passphrase,
    ca,
    requestCert: o.requestCert ?? false,
    rejectUnauthorized: o.requestCert === true ? (o.rejectUnauthorized ?? true) : false,
  };
}
