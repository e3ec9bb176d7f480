/**
 * `connect()`: a cold Observable of one AMQP connection. Nothing touches the network before
 * subscribe; each subscription owns one connection; unsubscribing closes it gracefully (close
 * frame, bounded wait for the peer's close, then the socket). A remote close with an error is an
 * error notification, a clean one completes. Sessions and links follow the same rules one level
 * down.
 */
import { BehaviorSubject, map, Observable, of, shareReplay, Subscription } from 'rxjs';
import { toNative, type NativeValue } from '../codec/native.js';
import type { SaslCredentials } from '../engine/sasl.js';
import type { Session, SessionOptions } from '../engine/session.js';
import type { Open } from '../frames/definitions.generated.js';
import { allocateBytes, openTransportWith } from '../../transport/platform.js';
import { readCoalescingOf } from '../../transport/read-hold.js';
import { parseProxy, type ProxyConfig } from '../../transport/proxy.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type TlsOptions, type TransportFactory, type TransportTarget } from '../../transport/types.js';
import { ConnectTimeoutError } from '../../errors.js';
import { renderSafely } from '../../redact.js';
import { parseAmqpUrl } from '../url.js';
import type { SessionContext } from './context.js';
import { ConnectionDriver } from './driver.js';
import { fetch, type FetchOptions } from './fetch.js';
import { bodyAs } from './body-type.js';
import { consumeWith, type Consumed, type ConsumeHandler, type ConsumeReceiveOptions } from './consume.js';
import type { BodyInput, Message } from './message.js';
import { receive, type ReceivedMessage, type ReceiveOptions, type SourceOptions, type SourceSpec } from './receiver.js';
import { request, type RequestOptions } from './request.js';
import { CbsClaims, type CbsError, type CbsOptions } from './cbs.js';
import { send, type SendOperator, type SendOptions } from './sender.js';
import { transaction, type AmqpTransaction, type TransactionOptions } from './transaction.js';
import { attachReceiver, attachSender, type AttachReceiverOptions, type AttachSenderOptions, type ReceiverHandle, type SenderHandle } from './handles.js';
import { unsubscribeDurable, type UnsubscribeDurableOptions } from './durable.js';
import type { TargetSpec } from './link-details.js';
import { symbolKeyed, type PropertyMap } from './message.js';
import type { InboundMessage } from './message.js';
import { virtualHostWarning, warnOnce, type AmqpWarningHandler } from './warnings.js';

/** Options of {@link connect}: where to connect (a URL or a transport target) and how to open. */
export interface AmqpConnectOptions {
  /** amqp://user:pass@host:port/vhost, amqps://..., amqp+ws://..., amqp+wss://... */
  readonly url?: string;
  /** Instead of a URL: where to connect. */
  readonly target?: TransportTarget;
  /**
   * What carries the bytes to the target. Default: the platform's (Node: TCP, TLS, WebSocket;
   * browsers: the native WebSocket). Any runtime can pass its own.
   */
  readonly transport?: TransportFactory;
  /**
   * Reach the peer through a proxy: `socks5://user:pass@host:port` (SOCKS5, user/password
   * optional; the proxy resolves the peer's host name) or `http://user:pass@host:port` (HTTP
   * CONNECT, Basic auth optional), for TCP, TLS (inside the tunnel, checked against the peer's
   * host) and WebSocket alike. Node only: browsers refuse it with a ProxyError. A refusal is a
   * ProxyError with the proxy's reply code or HTTP status. `connectTimeout` covers the tunnel.
   */
  readonly proxy?: string | ProxyConfig;
  /**
   * Claims-based security (Azure Service Bus, Event Hubs): a token from `tokenProvider` is put to
   * the peer's `$cbs` node after the open, before the connection is emitted (so before any link of
   * the application attaches), and put again before it expires. A refused token is a CbsError
   * with `$cbs`'s status-code and status-description. Usually with `sasl: { mechanism:
   * 'ANONYMOUS' }` (the default without a user name). See {@link CbsOptions} and the README.
   */
  readonly cbs?: CbsOptions;
  /** SASL PLAIN user name; overrides the URL's. */
  readonly username?: string;
  /** SASL PLAIN password; overrides the URL's. */
  readonly password?: string;
  /** SASL settings; `false` skips SASL. Default: PLAIN with username/password, else ANONYMOUS. */
  readonly sasl?: SaslCredentials | false;
  /**
   * The virtual host (open.hostname). Default: the URL path, else the host name. RabbitMQ 3.x
   * reads only `vhost:NAME` here (a URL path `/vhost:NAME`); see `onWarning`.
   */
  readonly hostname?: string;
  /**
   * Where warnings go: things that work, but most likely not as meant, such as a URL path that
   * RabbitMQ will not read as a virtual host. Default: console.warn, once per message; pass
   * `() => {}` to silence them.
   */
  readonly onWarning?: AmqpWarningHandler;
  /**
   * Our container-id in the open frame (default: a random `rx-mq-<uuid>`). Durable subscriptions
   * are kept by the peer under container-id and link name: resuming one needs the same id.
   */
  readonly containerId?: string;
  /** TLS settings for amqps:// and amqp+wss:// (CA, client certificate, verification). */
  readonly tls?: TlsOptions;
  /** Largest frame we accept, in bytes (open.max-frame-size). */
  readonly maxFrameSize?: number;
  /** Highest channel (session) number we allow (open.channel-max). */
  readonly channelMax?: number;
  /** Fail when the peer is silent this long (ms; default 60000; 0 = never). */
  readonly idleTimeout?: number;
  /**
   * Give up connecting after this long (ms, default 30000): the whole handshake, from the socket
   * through TLS, the WebSocket upgrade, SASL and the peer's open frame, fails with a
   * `ConnectTimeoutError` (a TimeoutError) when it is not done by then. A peer that accepts the
   * socket and says nothing, never finishes SASL, or trickles its open, is caught by this.
   */
  readonly connectTimeout?: number;
  /**
   * Dead-peer detection for work in flight (ms, default 30000; 0 turns it off): when something
   * awaits the peer's answer (an outcome, an attach, detach or begin answer, a drain) and nothing
   * but heart-beats has arrived for this long, the connection is taken for dead and fails with
   * `ResponseTimeoutError` (amqpClient reconnects and re-sends what has no outcome). A receiver
   * holding credit on a connection this silent is probed first with a flow carrying echo=true,
   * which the peer must answer. It catches what the idle time-out cannot: our writes silently
   * lost while the peer's heart-beats still arrive. Raise it for a broker that may withhold every
   * answer for longer (RabbitMQ under a memory alarm stops reading publishers). It is also how long
   * one link's attach waits for its answer while the rest of the connection works: unanswered, that
   * stream fails with `AttachTimeoutError` and the link is detached, the connection stays. See
   * docs/DECISIONS.md.
   */
  readonly responseTimeout?: number;
  /** How long a graceful close waits for the peer's close (ms, default 2000). */
  readonly closeTimeout?: number;
  /** Capabilities we offer in the open frame. */
  readonly offeredCapabilities?: readonly string[];
  /** Capabilities we ask the peer for in the open frame. */
  readonly desiredCapabilities?: readonly string[];
  /** Connection properties in the open frame (symbol keys), e.g. `{ product: 'my-app', version: '1.2' }`. */
  readonly properties?: PropertyMap;
  /** Frame trace: one decoded line per frame in and out, credentials redacted. */
  readonly trace?: (line: string) => void;
  /**
   * Read coalescing over TCP (ms, default 2; 0 turns it off): while a stream is in full flow
   * (a consumer getting several messages per read with credit left, or a producer getting several
   * outcomes per read with many unsettled), reads are held this long so that one read takes what
   * arrived meanwhile. It cuts the CPU per message by half or more on a busy stream, at the price
   * of at most this much extra latency while the stream lasts; a lone message or a request/reply
   * exchange is read at once. See docs/DECISIONS.md.
   */
  readonly readCoalescing?: number;
}

/** Where an {@link AmqpConnection} stands; see {@link AmqpConnection.state$}. */
export type ConnectionState = 'open' | 'closing' | 'closed';

const randomId = (): string => globalThis.crypto.randomUUID();

/** An AMQP session as an Rx object. Each method is cold and owns what it attaches. */
export class AmqpSession {
  /** @internal What the Rx pieces of this session share (driver, engine session); not public API. */
  readonly context: SessionContext;
  /** @internal */
  constructor(context: SessionContext) { this.context = context; }

  /** The session's channel number on its connection. */
  get channel(): number { return this.context.session.channel; }

  /** Receive from `source` on this session; see {@link AmqpConnection.receive}. */
  receive<B = NativeValue>(source: SourceSpec, opts?: ReceiveOptions): Observable<ReceivedMessage<B>> {
    return bodyAs<B>(receive(this.context, source, opts));
  }

  /** Consume from `source` on this session; see {@link AmqpConnection.consume}. */
  consume<B = NativeValue, R = unknown>(source: SourceSpec, handler: ConsumeHandler<B, R>, opts?: ConsumeReceiveOptions): Observable<Consumed<R, B>> {
    return consumeWith((o) => this.receive<B>(source, o), handler, opts);
  }

  /** Fetch up to `opts.count` messages on this session; see {@link AmqpConnection.fetch}. */
  fetch<B = NativeValue>(source: SourceSpec, opts: FetchOptions): Observable<ReceivedMessage<B>> {
    return bodyAs<B>(fetch(this.context, source, opts));
  }

  /** The send operator on this session; see {@link AmqpConnection.send}. */
  send<B extends BodyInput = BodyInput>(target: string | null, opts?: SendOptions<B>): SendOperator<B> {
    return send(() => of(this.context), target, opts);
  }

  /** Attach a receiver link and hand over its handle; see {@link AmqpConnection.attachReceiver}. */
  attachReceiver(source: SourceSpec, opts?: AttachReceiverOptions): Observable<ReceiverHandle> {
    return attachReceiver(this.context, source, opts);
  }

  /** Attach a sender link and hand over its handle; see {@link AmqpConnection.attachSender}. */
  attachSender(target: TargetSpec, opts?: AttachSenderOptions): Observable<SenderHandle> {
    return attachSender(this.context, target, opts);
  }

  /** A transaction declared through this session's coordinator link; see {@link AmqpConnection.transaction}. */
  transaction(opts?: TransactionOptions): Observable<AmqpTransaction> {
    return transaction(this.context, opts);
  }

  /** End a durable subscription for good; see {@link AmqpConnection.unsubscribeDurable}. */
  unsubscribeDurable(source: SourceOptions, opts: UnsubscribeDurableOptions): Observable<void> {
    return unsubscribeDurable(this.context, source, opts);
  }

  /** Request/reply on this session; see {@link AmqpConnection.request}. */
  request<Req extends BodyInput = BodyInput, Res = NativeValue>(target: string, message: Message<Req>, opts?: RequestOptions): Observable<InboundMessage<Res>> {
    return bodyAs<Res>(request(this.context, target, message, opts));
  }
}

/**
 * One open AMQP connection, as emitted by {@link connect}. It lives until the subscription to
 * `connect()` ends. Its shorthands (`receive`, `fetch`, `send`, `attachReceiver`,
 * `attachSender`, `request`) share one default session; `session()` begins sessions of your own.
 */
export class AmqpConnection {
  /** 'open' until closing starts, then 'closing' and 'closed'. */
  readonly state$: BehaviorSubject<ConnectionState>;
  private readonly defaultSession$: Observable<AmqpSession>;

  /** @internal The driver owning transport, engine and timer; not public API. */
  readonly driver: ConnectionDriver;
  /** The peer's open frame as received (see the remote* getters for the usual fields). */
  readonly remote: Open;

  /** @internal */
  constructor(driver: ConnectionDriver, remote: Open) {
    this.driver = driver;
    this.remote = remote;
    this.state$ = new BehaviorSubject<ConnectionState>('open');
    // The default session lives as long as the connection: messages taken with manual settlement
    // must stay settleable after the Observable that delivered them has completed.
    this.defaultSession$ = this.session().pipe(shareReplay({ bufferSize: 1, refCount: false }));
  }

  /** The peer's container-id. */
  get remoteContainerId(): string { return this.remote.containerId; }
  /** The peer's open properties in the native view (RabbitMQ: product, version, ...). */
  get remoteProperties(): { readonly [key: string]: NativeValue } {
    return this.remote.properties === undefined ? {} : toNative(this.remote.properties) as { [key: string]: NativeValue };
  }
  /** The capabilities the peer offered in its open frame. */
  get remoteOfferedCapabilities(): readonly string[] { return this.remote.offeredCapabilities ?? []; }
  /** The capabilities the peer asked of us in its open frame. */
  get remoteDesiredCapabilities(): readonly string[] { return this.remote.desiredCapabilities ?? []; }
  /** Our container-id, as sent in our open frame (durable subscriptions are kept under it). */
  get containerId(): string { return this.driver.engine.options.containerId; }

  /** Begin a session on subscribe; end it on unsubscribe. */
  session(opts?: SessionOptions): Observable<AmqpSession> {
    return new Observable<AmqpSession>((subscriber) => {
      const driver = this.driver;
      let s: Session;
      try {
        s = driver.engine.session(opts);
      } catch (e) {
        subscriber.error(e);
        return undefined;
      }
      let ended = false;
      const context: SessionContext = { driver, session: s, closed: () => ended || driver.engine.done };
      const off = driver.onSession(s, (e) => {
        if (e.type === 'session-begin') subscriber.next(new AmqpSession(context));
        else if (e.type === 'session-end') {
          ended = true;
          if (e.error !== undefined) subscriber.error(e.error);
          else subscriber.complete();
        }
      });
      const offConn = driver.onConnection((e) => {
        if (e.type === 'connection-close' || e.type === 'connection-error') ended = true;
      });
      driver.flushSoon();
      return () => {
        off();
        offConn();
        if (!context.closed() && s.state !== 'end-sent') {
          s.end();
          driver.flushSoon();
        }
        ended = true;
      };
    });
  }

  // Default-session shorthands: they share one session, begun on first use, ended with the connection.
  /**
   * Receive messages from `source` (an address or a source description). Cold: subscribing
   * attaches a receiver link, unsubscribing detaches it. Link credit is the backpressure: see
   * {@link ReceiveOptions} for `credit`, `settle` ('auto' | 'manual') and `demand$`.
   */
  receive<B = NativeValue>(source: SourceSpec, opts?: ReceiveOptions): Observable<ReceivedMessage<B>> {
    return inSession(this.defaultSession$, (s) => s.receive<B>(source, opts));
  }

  /**
   * Consume `source` the way a worker means it: `handler` runs on each message, at most
   * `concurrency` (default 10) at once, and each message is settled when its handler finishes:
   * accepted on success, released on failure, rejected once it has failed `maxDeliveries` times
   * (default 5). Credit equals the concurrency, so the broker never has more messages out than
   * the handlers are working on. Emits what became of each message ({@link Consumed}); a handler
   * error is such a value, not an error of the stream. See settleOnCompletion.
   */
  consume<B = NativeValue, R = unknown>(source: SourceSpec, handler: ConsumeHandler<B, R>, opts?: ConsumeReceiveOptions): Observable<Consumed<R, B>> {
    return consumeWith((o) => this.receive<B>(source, o), handler, opts);
  }

  /**
   * Pull exactly `opts.count` messages: emits what arrives and completes after `count` messages,
   * or after `opts.timeout` ms with what came; no credit is left on the link. See {@link FetchOptions}.
   */
  fetch<B = NativeValue>(source: SourceSpec, opts: FetchOptions): Observable<ReceivedMessage<B>> {
    return inSession(this.defaultSession$, (s) => s.fetch<B>(source, opts));
  }

  /**
   * An operator sending each upstream message to `target` (null: the peer's anonymous relay,
   * addressed by each message's `to`) and emitting its {@link Outcome}. Transmits only with link
   * credit, buffers what waits for credit up to `bufferBytes` of encoded messages (64 MiB by
   * default), completes once every outcome is in. It takes whatever its upstream emits from the
   * moment it is subscribed, before the link is attached too.
   *
   * The operator cannot slow its upstream. `from(array).pipe(conn.send(q))` is right for any
   * array that fits in memory (raise `bufferBytes` past 64 MiB). A source without end or faster
   * than the broker for good must be paced by the outcomes: emit a message per outcome received,
   * keeping a fixed number without one (examples/demo.ts, `producer`).
   *
   * `B` is the body's type: `conn.send<Order>(q)` takes `Message<Order>` and emits `Outcome<Order>`.
   */
  send<B extends BodyInput = BodyInput>(target: string | null, opts?: SendOptions<B>): SendOperator<B> {
    return send(() => this.defaultSession$.pipe(map((s) => s.context)), target, opts);
  }

  /**
   * Attach a receiver link and emit its {@link ReceiverHandle} for explicit credit and drain; the
   * handle also tells the settle modes in use and the peer's source (the filters it applied).
   */
  attachReceiver(source: SourceSpec, opts?: AttachReceiverOptions): Observable<ReceiverHandle> {
    return inSession(this.defaultSession$, (s) => s.attachReceiver(source, opts));
  }

  /**
   * Attach a sender link and emit its {@link SenderHandle} for sending with explicit credit.
   * `target` is an address, null (the anonymous relay), or a target description: `{ dynamic:
   * true }` asks the peer for a node of its own, whose address is the handle's `remoteTarget.address`.
   */
  attachSender(target: TargetSpec, opts?: AttachSenderOptions): Observable<SenderHandle> {
    return inSession(this.defaultSession$, (s) => s.attachSender(target, opts));
  }

  /**
   * A transaction (AMQP 1.0 part 4), declared on subscribe through the default session's
   * coordinator link (attached on first use, reused). Emits the {@link AmqpTransaction} once
   * declared; `commit()` / `rollback()` discharge it and complete the Observable; unsubscribing
   * first rolls it back. Work joins it with `send(target, { transaction })` and
   * `m.accept({ transaction })` (also reject, release, modify). A peer without a coordinator
   * errors at once with `TransactionsUnsupportedError`; a connection lost first with
   * `TransactionLostError`.
   */
  transaction(opts?: TransactionOptions): Observable<AmqpTransaction> {
    return inSession(this.defaultSession$, (s) => s.transaction(opts));
  }

  /**
   * End a durable subscription for good: attach to `source` (the durable source it was made with)
   * under its link `name`, then detach with closed=true, which deletes it at the peer (with what
   * it holds). Emits once and completes when the peer has answered. A receiver on a durable
   * source only detaches with closed=false when unsubscribed, so the subscription stays until this.
   */
  unsubscribeDurable(source: SourceOptions, opts: UnsubscribeDurableOptions): Observable<void> {
    return inSession(this.defaultSession$, (s) => s.unsubscribeDurable(source, opts));
  }

  /**
   * Send `message` to `target` with a reply-to address and emit the reply (matched by its
   * correlation-id, else message-id, to the request's message-id), then complete; errors with
   * `TimeoutError` after `opts.timeout`. The reply-to is a dynamic node the peer creates, or a
   * fixed address with `opts.replyTo` (a reply queue, for peers without dynamic nodes such as
   * RabbitMQ 3.x; `{ address, source }` for management nodes such as `$management`).
   */
  request<Req extends BodyInput = BodyInput, Res = NativeValue>(target: string, message: Message<Req>, opts?: RequestOptions): Observable<InboundMessage<Res>> {
    return inSession(this.defaultSession$, (s) => s.request<Req, Res>(target, message, opts));
  }
}

/**
 * Run `f` in the first session `session$` gives, holding the session (a shared, ref-counted one)
 * for exactly as long as the inner Observable runs, and ending with it. Unlike switchMap, the
 * inner's completion completes the result even though the session stream itself stays open.
 */
function inSession<T>(session$: Observable<AmqpSession>, f: (s: AmqpSession) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    // A Subscription container, not a variable: the inner may be unsubscribed synchronously from
    // inside its own first `next` (firstValueFrom does that), before subscribe() has returned.
    const inner = new Subscription();
    let started = false;
    const outer = session$.subscribe({
      next: (s) => {
        if (started) return;
        started = true;
        inner.add(f(s).subscribe(subscriber));
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      inner.unsubscribe();
      outer.unsubscribe();
    };
  });
}

/** A time option: a finite number of ms, at least `min` (RangeError otherwise, so a typo is not a silent default). */
export function checkMs(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) {
    throw new RangeError(`${name} must be a number of milliseconds >= ${min}, got ${String(v)}`);
  }
}

/** Resolve URL and options into the transport target and engine options. */
function plan(arg: string | AmqpConnectOptions): { target: TransportTarget; options: AmqpConnectOptions; hostname: string; sasl: SaslCredentials | false; hostnameFromUrl: boolean; proxy?: ProxyConfig } {
  const o: AmqpConnectOptions = typeof arg === 'string' ? { url: arg } : arg;
  checkMs('connectTimeout', o.connectTimeout, 1);
  checkMs('responseTimeout', o.responseTimeout, 0);
  const proxy = o.proxy === undefined ? undefined : parseProxy(o.proxy);
  return proxy === undefined ? planTarget(o) : { ...planTarget(o), proxy };
}

function planTarget(o: AmqpConnectOptions): { target: TransportTarget; options: AmqpConnectOptions; hostname: string; sasl: SaslCredentials | false; hostnameFromUrl: boolean } {
  if (o.url !== undefined) {
    const ep = parseAmqpUrl(o.url, o.tls);
    const username = o.username ?? ep.username;
    const password = o.password ?? ep.password;
    return {
      target: o.target ?? ep.target,
      options: o,
      hostname: o.hostname ?? ep.hostname,
      sasl: o.sasl ?? (username !== undefined ? { username, password } : {}),
      hostnameFromUrl: o.hostname === undefined && ep.virtualHostInUrl,
    };
  }
  if (o.target === undefined) throw new TypeError('connect() needs a url or a target');
  const host = o.target.kind === 'websocket' ? new URL(o.target.url).hostname : o.target.host;
  return {
    target: o.target, options: o, hostname: o.hostname ?? host, hostnameFromUrl: false,
    sasl: o.sasl ?? (o.username !== undefined ? { username: o.username, password: o.password } : {}),
  };
}

/** The default of `responseTimeout` (ms). */
const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

/** How long a failed handshake's socket may wait for the peer to close it (see `endSocket`). */
const FAILED_HANDSHAKE_GRACE_MS = 100;
/** How long a closed connection's socket may wait for the peer to close it. */
const CLOSED_GRACE_MS = 1000;

/** Connect to an AMQP 1.0 peer. See the module comment for the lifecycle. */
export function connect(arg: string | AmqpConnectOptions): Observable<AmqpConnection> {
  return new Observable<AmqpConnection>((subscriber) => {
    let p: ReturnType<typeof plan>;
    let readCoalescing: number;
    try {
      p = plan(arg);
      readCoalescing = readCoalescingOf(p.options.readCoalescing);
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    const o = p.options;
    const driver = new ConnectionDriver({
      containerId: o.containerId ?? `rx-mq-${randomId()}`,
      hostname: p.hostname,
      sasl: p.sasl,
      maxFrameSize: o.maxFrameSize,
      channelMax: o.channelMax,
      idleTimeout: o.idleTimeout,
      responseTimeout: o.responseTimeout ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties === undefined ? undefined : symbolKeyed(o.properties),
      trace: o.trace,
      allocate: allocateBytes,
    }, Date.now, readCoalescing);
    if (o.onWarning !== undefined) driver.onWarning = o.onWarning;
    let connection: AmqpConnection | undefined;
    let unsubscribed = false;
    let finished = false;
    let closeTimer: ReturnType<typeof setTimeout> | undefined;
    // The handshake's deadline: a peer that accepts the socket and then says nothing (or trickles
    // its SASL and open frames) must not keep us waiting for the idle time-out.
    const connectTimeout = o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let handshakeTimer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {
      handshakeTimer = undefined;
      if (connection !== undefined || finished) return;
      finished = true;
      claims?.stop();
      driver.destroy();
      if (!unsubscribed) {
        subscriber.error(new ConnectTimeoutError(claims !== undefined
          ? `the CBS token was not accepted within the connect timeout (${connectTimeout} ms, connectTimeout)`
          : `no AMQP open from the peer within ${connectTimeout} ms (connectTimeout)`, connectTimeout));
      }
    }, connectTimeout);
    const handshakeDone = (): void => {
      if (handshakeTimer !== undefined) clearTimeout(handshakeTimer);
      handshakeTimer = undefined;
    };
    /**
     * The connection is over: send what is queued, half-close, and destroy the socket after a
     * short grace. A half-closed socket stays open (and keeps Node's process alive) until the
     * peer closes its side, and RabbitMQ 3.10 waits 3 s to close after refusing a login: the
     * process lingered 3 s after the AuthenticationError. A handshake that failed has nothing
     * more to hear, so its grace is shorter than that of a connection that was open. The timer
     * is unref'd: it only bounds the socket, which itself holds the process while it is open.
     */
    const endSocket = (): void => {
      driver.end();
      const t = setTimeout(() => driver.destroy(), connection === undefined ? FAILED_HANDSHAKE_GRACE_MS : CLOSED_GRACE_MS);
      (t as { unref?: () => void }).unref?.();
    };

    /** Claims-based security, when asked for: the connection is emitted once its first token is accepted. */
    let claims: CbsClaims | undefined;
    const emit = (conn: AmqpConnection): void => {
      handshakeDone();
      connection = conn;
      subscriber.next(conn);
    };
    driver.onConnection((e) => {
      if (e.type === 'connection-close' || e.type === 'connection-error') {
        handshakeDone();
        claims?.stop();
      }
      switch (e.type) {
        case 'connection-open': {
          // A virtual host in the URL that the peer will not read as one: say so (once), not fail.
          const warning = p.hostnameFromUrl ? virtualHostWarning(p.hostname, e.remote.properties) : undefined;
          if (warning !== undefined) (o.onWarning ?? warnOnce)(warning);
          const conn = new AmqpConnection(driver, e.remote);
          if (o.cbs === undefined) return emit(conn);
          // The token goes to $cbs before the application can attach anything; the handshake's
          // deadline covers it. A token that later cannot be renewed ends the connection.
          const lost = (err: CbsError): void => { if (!unsubscribed && !finished) subscriber.error(err); };
          try {
            claims = new CbsClaims(conn, o.cbs, lost);
          } catch (err) {
            handshakeDone();
            subscriber.error(err);
            return;
          }
          claims.start().then(
            () => { if (!unsubscribed && !finished) emit(conn); },
            (err: CbsError) => { handshakeDone(); lost(err); },
          );
          return;
        }
        case 'connection-close':
          finished = true;
          connection?.state$.next('closed');
          if (closeTimer !== undefined) clearTimeout(closeTimer);
          endSocket();
          if (e.error !== undefined) subscriber.error(e.error);
          else subscriber.complete();
          return;
        case 'connection-error':
          finished = true;
          connection?.state$.next('closed');
          if (closeTimer !== undefined) clearTimeout(closeTimer);
          endSocket();
          if (!unsubscribed) subscriber.error(e.error);
          return;
        default:
          return;
      }
    });

    openTransportWith(o.transport, p.target, {
      onData: (c) => driver.onData(c),
      nextRead: () => driver.nextRead(),
      onClose: (err) => driver.onTransportClose(err),
    }, { connectTimeoutMs: o.connectTimeout, proxy: p.proxy }).then(
      (t) => {
        if (unsubscribed) return t.destroy();
        driver.start(t);
      },
      (err: unknown) => { handshakeDone(); if (!unsubscribed) subscriber.error(err); },
    );

    return () => {
      unsubscribed = true;
      handshakeDone();
      claims?.stop();
      // One unsubscribe often tears down the connection together with what runs on it
      // (`connect(url).pipe(switchMap(c => c.receive(q)), take(n))`), and RxJS runs the
      // connection's teardown first, since it was subscribed first. Closing at once would cut off
      // the accepts, detaches and ends that the later teardowns of this same call write, so the
      // close waits one microtask: every synchronous teardown has run by then, and their frames
      // go out ahead of the close frame.
      queueMicrotask(() => {
        if (finished) return;
        connection?.state$.next('closing');
        if (driver.engine.state === 'opened' || driver.engine.state === 'open-sent') {
          driver.engine.close();
          driver.flush();
          closeTimer = setTimeout(() => driver.destroy(), o.closeTimeout ?? 2000);
        } else {
          driver.destroy();
        }
      });
    };
  });
}

// What a connection prints (util.inspect, JSON, String): never the credentials it was opened with.
renderSafely(AmqpConnection, (c) => ({ state: c.state$.value, remoteContainerId: c.remoteContainerId }));
