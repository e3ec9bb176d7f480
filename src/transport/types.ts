/**
 * Byte pipes shared by the AMQP and STOMP layers. A transport moves bytes and reports its end;
 * it knows nothing of protocols. Node implementations live beside this file; browsers use the
 * native WebSocket through the same interface.
 */
import { RxMqError } from '../errors.js';
import type { ProxyConfig } from './proxy.js';

/** TLS settings, as a user of a messaging client expects to give them. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). Default: the platform's store. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Client certificate and key (PEM), for mutual TLS and SASL EXTERNAL. */
  readonly cert?: string | Uint8Array;
  /** The client certificate's private key (PEM). */
  readonly key?: string | Uint8Array;
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string;
  /** SNI and certificate name check; default the host. */
  readonly servername?: string;
  /** Verify the server certificate. Default true; set false only for tests. */
  readonly rejectUnauthorized?: boolean;
}

/** Where a transport connects: TCP, TLS over TCP, or WebSocket (ws:// or wss://). */
export type TransportTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'tls'; readonly host: string; readonly port: number; readonly tls?: TlsOptions }
  | {
      readonly kind: 'websocket';
      /** ws:// or wss:// URL of the endpoint. */
      readonly url: string;
      /** WebSocket subprotocols to offer (e.g. "amqp", "v12.stomp"). */
      readonly protocols: readonly string[];
      readonly tls?: TlsOptions;
    };

/** What a transport tells its owner. */
export interface TransportHandlers {
  /** Bytes arrived. The chunk is the owner's to keep (never reused by the transport). */
  onData(chunk: Uint8Array): void;
  /** The pipe ended: cleanly (no error) or not. Called exactly once. */
  onClose(error?: TransportError): void;
  /** The write buffer drained after `write` returned false. */
  onDrain?(): void;
  /**
   * Where the next read should go, asked before each read (optional; transports that cannot
   * choose, TLS and WebSocket, never ask). An array: read into it, at most its length, and hand
   * `onData` a view of it (the owner knows the next bytes belong there: the rest of a large
   * message's payload, read into the message's own array with nothing copied). A number: read at
   * most that many bytes (a short head is expected, with such an array for what follows).
   * Undefined: the transport's own buffer.
   */
  nextRead?(): Uint8Array | number | undefined;
}

/**
 * One open byte pipe (TCP, TLS or WebSocket), on either side: the clients open them, the embedded
 * broker's listeners accept them; the driver (driver.ts) runs an engine over one.
 */
export interface Transport {
  /** Queue bytes; false when the pipe's buffer is over its high-water mark (wait for onDrain). */
  write(bytes: Uint8Array): boolean;
  /**
   * Queue several arrays as one gathered write (one system call where the pipe allows it), in
   * order; the arrays are not copied and must not change until written. Optional: without it,
   * callers write the arrays one by one.
   */
  writev?(parts: readonly Uint8Array[]): boolean;
  /** Close after flushing what was written. */
  end(): void;
  /** Close now, dropping anything unwritten. */
  destroy(): void;
  /** Bytes queued but not yet handed to the operating system. */
  readonly bufferedAmount: number;
  /**
   * Read coalescing: deliver no data for the next `ms` milliseconds, so that what the peer sends
   * meanwhile waits in the operating system's socket buffer and arrives as one larger chunk. A
   * protocol layer calls it from `onData` when it sees a stream in full flow (many small reads in
   * a row), where each read's fixed cost (a system call, an event-loop wake-up) would otherwise
   * dominate the cost of the messages it carries. Calls made while a hold is pending are ignored.
   * Optional: transports that cannot hold reads (TLS, WebSocket) leave it out.
   */
  holdReads?(ms: number): void;
  /**
   * Flow control: deliver no data until `resumeReads`, so that the peer is held back by the
   * pipe's own flow control (TCP's window). Optional: the embedded broker's pipes have it, for a
   * client whose frames it cannot take yet.
   */
  pauseReads?(): void;
  resumeReads?(): void;
  /** The negotiated WebSocket subprotocol, or TLS peer details, when there are any. */
  readonly info: TransportInfo;
}

/** What is known about an open transport. */
export interface TransportInfo {
  /** tcp, tls or websocket. */
  readonly kind: TransportTarget['kind'];
  /** The negotiated WebSocket subprotocol (e.g. `amqp`). */
  readonly protocol?: string;
  /** TLS: whether the peer certificate was verified, and its subject CN when known. */
  readonly authorized?: boolean;
  /** TLS: the peer certificate's subject CN. */
  readonly peerCertificateSubject?: string;
}

/**
 * How long opening a connection may take unless the caller says otherwise (ms): both clients'
 * `connectTimeout`, the whole handshake (TCP, TLS, WebSocket upgrade, SASL, open or CONNECTED).
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** How a transport is opened. */
export interface OpenOptions {
  /** Give up when the pipe is not usable after this long (ms). */
  readonly connectTimeoutMs?: number;
  /**
   * Reach the target through this proxy (parsed from `connect({ proxy })`). Node's transports
   * tunnel TCP, TLS and WebSocket through it; the browser's refuse it (browsers apply their own
   * proxy settings). A factory of one's own that cannot honour it should reject, not ignore it.
   */
  readonly proxy?: ProxyConfig;
}

/**
 * Opens a byte pipe to `target` and resolves once it is usable; rejects with a TransportError when
 * it cannot be set up. `connect({ transport })` takes one, so that any runtime (a worker, a test
 * harness, a proxy) can carry the bytes; without one, the platform's default is used (Node: TCP,
 * TLS and WebSocket through `ws`; browsers: the native WebSocket).
 */
export type TransportFactory = (target: TransportTarget, handlers: TransportHandlers, options: OpenOptions) => Promise<Transport>;

/** A transport failed: refused, reset, TLS failure, DNS failure, unexpected end. */
export class TransportError extends RxMqError {
  /** The system error code (ECONNREFUSED, ECONNRESET, ENOTFOUND...) or a TLS error code. */
  readonly code: string | undefined;
  /** @param code the system or TLS error code, when there is one. */
  constructor(message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
