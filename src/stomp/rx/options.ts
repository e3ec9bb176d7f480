/** Options of `connect()` and `stompClient()`. */
import type { StompVersion } from '../codec/commands.js';
import type { StompLimits } from '../codec/limits.js';
import type { ProxyConfig } from '../../transport/proxy.js';
import type { TlsOptions, TransportFactory, TransportTarget } from '../../transport/types.js';

/** Connection options; `url` or `target` says where. */
export interface StompConnectOptions {
  /** stomp://, stomp+ssl://, ws:// or wss:// URL (see parseStompUrl). */
  readonly url?: string;
  /** A transport target instead of a URL. */
  readonly target?: TransportTarget;
  /**
   * What carries the bytes to the target. Default: the platform's (Node: TCP, TLS, WebSocket;
   * browsers: the native WebSocket). Any runtime can pass its own.
   */
  readonly transport?: TransportFactory;
  /**
   * Reach the broker through a proxy: `socks5://user:pass@host:port` (SOCKS5, user/password
   * optional; the proxy resolves the broker's host name) or `http://user:pass@host:port` (HTTP
   * CONNECT, Basic auth optional), for TCP, TLS (inside the tunnel, checked against the broker's
   * host) and WebSocket alike. Node only: browsers refuse it with a ProxyError. A refusal is a
   * ProxyError with the proxy's reply code or HTTP status. `connectTimeoutMs` covers the tunnel.
   */
  readonly proxy?: string | ProxyConfig;
  /** Virtual host for the host header; overrides the URL. */
  readonly host?: string;
  readonly login?: string;
  readonly passcode?: string;
  readonly tls?: TlsOptions;
  /** Versions to offer; default 1.0, 1.1 and 1.2. */
  readonly versions?: readonly StompVersion[];
  /** [cx, cy] heart-beat offer in ms. Default [10000, 10000]; [0, 0] turns heart-beats off. */
  readonly heartbeat?: readonly [number, number];
  /** How late the broker's heart-beat may be, as a factor of its interval. Default 2. */
  readonly heartbeatTolerance?: number;
  /** Extra silence allowed on top of that before the peer is declared dead. Default 1000 ms. */
  readonly heartbeatGraceMs?: number;
  /**
   * The frame that opens the connection: CONNECT (default; STOMP 1.0 brokers know only this one)
   * or STOMP (the 1.1+ name, which cannot be mistaken for other protocols' CONNECT).
   */
  readonly connectCommand?: 'CONNECT' | 'STOMP';
  /** Extra CONNECT headers. */
  readonly connectHeaders?: Readonly<Record<string, string>>;
  /**
   * Give up connecting after this long (ms, default 30000): the whole handshake, from the socket
   * through TLS and the WebSocket upgrade to the broker's CONNECTED, fails with a
   * `ConnectTimeoutError` (a TimeoutError) when it is not done by then.
   */
  readonly connectTimeout?: number;
  /**
   * Dead-peer detection for work in flight (ms, default 30000; 0 turns it off): when a RECEIPT is
   * awaited (a receipted SEND, SUBSCRIBE, BEGIN/COMMIT...) and no frame but heart-beats has
   * arrived for this long, the connection is taken for dead and fails with
   * `ResponseTimeoutError`; `stompClient` reconnects and re-sends what was not receipted. What
   * STOMP cannot detect: a connection with nothing awaiting a receipt (a subscription that is
   * simply idle) whose writes are lost, since heart-beats from the broker do not prove that ours
   * arrive and no frame can ask the broker for an answer without side effects.
   */
  readonly responseTimeout?: number;
  /** @deprecated the former name of `connectTimeout` (used when `connectTimeout` is not given). */
  readonly connectTimeoutMs?: number;
  /** How long to wait for the DISCONNECT receipt before closing the socket. Default 3000 ms. */
  readonly disconnectTimeoutMs?: number;
  readonly limits?: Partial<StompLimits>;
  /** Unwritten bytes allowed before sends fail with StompBufferOverflowError. Default 64 MiB. */
  readonly maxWriteBuffer?: number;
  /**
   * Read coalescing over TCP (ms, default 2; 0 turns it off): when one small read carries several
   * MESSAGE frames (a subscription in full flow), the next read waits this long so that it takes
   * what arrived meanwhile; a lone MESSAGE or RECEIPT never waits. See docs/DECISIONS.md.
   */
  readonly readCoalescing?: number;
}
