/**
 * `amqpClient()`: a reconnecting AMQP client built on `connect()`.
 *
 * The protocol-neutral {@link ReconnectKeeper} (src/reconnect, shared with `stompClient`) owns
 * the connection: it connects when the first user subscribes, reconnects with exponential
 * backoff, jitter and a cap while anyone still uses it (rotating through the URL list), and closes
 * when the last user leaves. Each user operation (`receive`,
 * `fetch`, `send`, `request`) is a {@link ConnectionUser} that keeps its own state (the send
 * buffer, the messages awaiting an outcome, how many messages a fetch still needs) outside the
 * per-connection Observables, and re-creates its links on every new connection. Users' Observables
 * do not see an outage; only `state$` does.
 */
import { Observable, Subscription, type Subscriber } from 'rxjs';
import { AmqpError, IllegalStateError, SessionEndedError } from '../engine/errors.js';
import { AuthenticationError } from '../engine/sasl.js';
import { TimeoutError } from '../../errors.js';
import { isProxyConfigurationError } from '../../transport/proxy.js';
import { isCbsRefusal } from './cbs.js';
import type { ReconnectOptions } from '../../reconnect/backoff.js';
import { ReconnectKeeper, type Connector, type KeeperUser } from '../../reconnect/keeper.js';
import { ClientClosedError, type ClientState } from '../../reconnect/state.js';
import { connect, type AmqpConnection, type AmqpConnectOptions } from './connection.js';
import type { FetchOptions } from './fetch.js';
import { consumeWith, type Consumed, type ConsumeHandler, type ConsumeReceiveOptions } from './consume.js';
import type { NativeValue } from '../codec/native.js';
import { bodyAs } from './body-type.js';
import type { BodyInput, InboundMessage, Message } from './message.js';
import type { ReceivedMessage, ReceiveOptions, SourceOptions, SourceSpec } from './receiver.js';
import type { UnsubscribeDurableOptions } from './durable.js';
import type { RequestOptions } from './request.js';
import type { Outcome, SendOptions } from './send-options.js';
import type { SendOperator } from './sender.js';
import { pumpLink, SendPump } from './send-pump.js';
import { TransactionLostError, type AmqpTransaction, type TransactionOptions } from './transaction.js';
import { renderSafely } from '../../redact.js';

/**
 * Where an {@link AmqpClient} stands: the {@link ClientState} shared with `stompClient`
 * (`connecting`, `open`, `reconnecting`, `closed`, each with its cause).
 */
export type AmqpClientState = ClientState;

/** Options of {@link amqpClient}: the URLs, the `connect()` options used for each, and the backoff. */
export interface AmqpClientOptions extends Omit<AmqpConnectOptions, 'url' | 'target'> {
  /**
   * One URL, or a failover list. The first attempt uses the first URL; each failed attempt moves
   * on to the next (wrapping around); after losing an open connection the client retries the URL
   * that worked first.
   */
  readonly urls: string | readonly string[];
  /** Backoff between attempts and when to give up (see {@link ReconnectOptions} for the defaults). */
  readonly reconnect?: ReconnectOptions;
}

/** Whether a connection is still usable. Link ends seen while it is not are part of its loss. */
function alive(conn: AmqpConnection): boolean {
  return !conn.driver.engine.done && conn.state$.value === 'open';
}

/**
 * Conditions with which a peer ends a session or detaches a link although nothing is wrong with
 * what the application asked for: the client treats them as the loss of the connection (it closes
 * it and reconnects) instead of errors. RabbitMQ 3.10's `rabbitmqctl close_all_connections` ends
 * every AMQP 1.0 session with amqp:internal-error and leaves the connection itself open.
 */
const TRANSIENT_CONDITIONS: readonly string[] = ['amqp:internal-error', 'amqp:connection:forced', 'amqp:link:detach-forced'];

/** A link or session end the client recovers from by reconnecting. */
function isTransient(err: unknown): boolean {
  return err instanceof AmqpError && !err.local && TRANSIENT_CONDITIONS.includes(err.condition);
}

/**
 * How long a link or session end waits for the connection's own end before it counts as the
 * application's business. RabbitMQ, closing a connection (`rabbitmqctl close_all_connections`,
 * a node shutting down), first ends every session with amqp:internal-error and only then closes
 * the connection: those session ends are part of the connection's loss, not errors to report.
 */
const END_GRACE_MS = 250;

/**
 * Run `act` (deliver a link or session end to the user) unless `conn` goes away first, within
 * {@link END_GRACE_MS}. Returns a canceller.
 */
function unlessConnectionEnds(conn: AmqpConnection, act: () => void): () => void {
  if (!alive(conn)) return () => {};
  const timer = setTimeout(() => { if (alive(conn)) act(); }, END_GRACE_MS);
  return () => clearTimeout(timer);
}

/** What a user operation is told by the keeper. */
type ConnectionUser = KeeperUser<AmqpConnection>;
type ConnectionKeeper = ReconnectKeeper<AmqpConnection>;

/** How the keeper connects over AMQP: `connect()` with the client's options. */
function amqpConnector(options: Omit<AmqpConnectOptions, 'url' | 'target'>): Connector<AmqpConnection> {
  return {
    connect: (url) => connect({ ...options, url }),
    // The connection closes gracefully within closeTimeout; after that its socket is destroyed.
    closed: (conn) => closedOrAfter(conn, (options.closeTimeout ?? 2000) + 500),
    isAuthenticationError: (e) => e instanceof AuthenticationError || isProxyConfigurationError(e) || isCbsRefusal(e),
  };
}

/** Resolves when the connection reports 'closed', or after `ms` (the socket is destroyed by then). */
function closedOrAfter(conn: AmqpConnection, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const sub = conn.state$.subscribe((s) => { if (s === 'closed') done(); });
    function done(): void {
      clearTimeout(timer);
      queueMicrotask(() => sub.unsubscribe());
      resolve();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The client's send operator: one send pump (send-pump.ts) for the operator's life, bound to a
// new link on every connection.

const uuid = (): string => globalThis.crypto.randomUUID();

function reconnectingSend<B extends BodyInput>(keeper: ConnectionKeeper, target: string | null, opts: SendOptions<B>): SendOperator<B> {
  return (source) => new Observable<Outcome<B>>((subscriber) => {
    let finished = false;
    // Per-connection state, replaced on every connection.
    let sessionSub: Subscription | undefined;
    let linkSub: Subscription | undefined;
    /** Cancels a pending link or session end (see unlessConnectionEnds). */
    let cancelEnd = (): void => {};

    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      pump.stop();
      if (err !== undefined) subscriber.error(err);
      else subscriber.complete();
    };
    const pump = new SendPump<B>(target, opts, { next: (o) => subscriber.next(o), finish });

    /** A link or session end: part of losing the connection, or, after a grace, the application's business. */
    const ended = (conn: AmqpConnection, err: unknown): void => {
      cancelEnd();
      if (isTransient(err)) keeper.recycle(conn, err);
      else cancelEnd = unlessConnectionEnds(conn, () => finish(err));
    };
    const dropConnection = (): void => {
      cancelEnd();
      linkSub?.unsubscribe();
      linkSub = undefined;
      sessionSub?.unsubscribe();
      sessionSub = undefined;
    };

    const user: ConnectionUser = {
      open: (conn) => {
        let started = false;
        sessionSub = conn.session().subscribe({
          next: (s) => {
            if (started) return;
            started = true;
            let attaching = true;
            // An attach that throws is the application's (a bad address, no handle left), not the connection's.
            linkSub = pumpLink(s.context, pump).subscribe({ error: (e: unknown) => (attaching ? finish(e) : ended(conn, e)) });
            attaching = false;
          },
          error: (e: unknown) => ended(conn, e),
          complete: () => {
            cancelEnd();
            cancelEnd = unlessConnectionEnds(conn, () => finish(new IllegalStateError('the session ended before the sender finished')));
          },
        });
      },
      lost: () => {
        dropConnection();
        const tx = opts.transaction;
        if (tx !== undefined) {
          // Transactional work cannot go again on a new connection: the transaction died with the old one.
          return finish(tx.lostError ?? new TransactionLostError(tx.id, false, 'its connection was lost'));
        }
        // Everything without an outcome goes out again, in the order it first went out.
        pump.requeue();
      },
      fatal: (err) => finish(err),
      closing: () => {
        const unconfirmed = pump.unconfirmedCount;
        if (unconfirmed > 0) finish(new ClientClosedError(`the client was closed with ${unconfirmed} messages without an outcome`));
        else finish();
      },
    };

    const upstream = source.subscribe({ next: (m) => pump.push(m), error: finish, complete: () => pump.end() });
    const release = finished ? () => {} : keeper.acquire(user);

    return () => {
      finished = true;
      pump.stop();
      upstream.unsubscribe();
      dropConnection();
      release();
    };
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * The reconnecting client returned by {@link amqpClient}. Its methods mirror `AmqpConnection`'s;
 * each is cold, and a subscription holds the client's connection for as long as it runs.
 */
export class AmqpClient {
  /** @internal */
  private readonly keeper: ConnectionKeeper;
  /**
   * The connection state (see {@link ClientState}). Replays the current value on subscribe;
   * starts at `closed` (nothing connects before the first user); completes after `close()` or
   * after a `closed` carrying the error that ended the client.
   */
  readonly state$: Observable<AmqpClientState>;

  /** Prefer {@link amqpClient}, which also takes a URL or a list of URLs. */
  constructor(options: AmqpClientOptions) {
    const urls = typeof options.urls === 'string' ? [options.urls] : [...options.urls];
    if (urls.length === 0) throw new TypeError('amqpClient needs at least one URL');
    const { urls: _urls, reconnect, ...rest } = options;
    // One container-id for the client's life, not one per connection: a durable subscription is
    // kept by the peer under container-id and link name, and resumes on the next connection.
    const connectOptions = { ...rest, containerId: rest.containerId ?? `rx-mq-${uuid()}` };
    this.containerId = connectOptions.containerId;
    this.keeper = new ReconnectKeeper({ urls, connector: amqpConnector(connectOptions), reconnect });
    this.state$ = this.keeper.state$;
  }

  /** The container-id of every connection this client makes (the option, else one generated once). */
  readonly containerId: string;

  /** The current state (the last value of `state$`). */
  get state(): AmqpClientState { return this.keeper.state; }

  /** The client's URLs in failover order, passwords redacted. */
  get urls(): readonly string[] { return this.keeper.redactedUrls; }

  /**
   * Receive from `source` (see `AmqpConnection.receive`). The link is re-attached on every new
   * connection and messages keep flowing into the same Observable. Messages received but not
   * settled when a connection is lost can no longer be settled (settling throws
   * `IllegalStateError`); the broker delivers them again. With `demand$`, each new link
   * subscribes `demand$` again, and credit granted on the lost link is gone.
   */
  receive<B = NativeValue>(source: SourceSpec, opts?: ReceiveOptions): Observable<ReceivedMessage<B>> {
    return bodyAs<B>(this.run<ReceivedMessage>((subscriber) => {
      let inner: Subscription | undefined;
      return {
        user: {
          open: (conn) => {
            inner = guarded(this.keeper, subscriber, conn, () => conn.receive(source, opts), (m) => subscriber.next(m));
          },
          lost: () => { inner?.unsubscribe(); inner = undefined; },
          fatal: (e) => subscriber.error(e),
          closing: () => subscriber.complete(),
        },
        teardown: () => inner?.unsubscribe(),
      };
    }));
  }

  /**
   * Consume `source` with settle-on-completion (see `AmqpConnection.consume`) across reconnects.
   * A handler still running when its connection is lost ends as `unsettled`: the broker delivers
   * that message again on the new connection.
   */
  consume<B = NativeValue, R = unknown>(source: SourceSpec, handler: ConsumeHandler<B, R>, opts?: ConsumeReceiveOptions): Observable<Consumed<R, B>> {
    return consumeWith((o) => this.receive<B>(source, o), handler, opts);
  }

  /**
   * Fetch `count` messages (see `AmqpConnection.fetch`). After a reconnect it fetches only the
   * messages still missing; `timeout` bounds the whole fetch, outages included.
   */
  fetch<B = NativeValue>(source: SourceSpec, opts: FetchOptions): Observable<ReceivedMessage<B>> {
    const { count } = opts;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fetch count must be a positive integer');
    const timeout = opts.timeout ?? 1000;
    return bodyAs<B>(this.run<ReceivedMessage>((subscriber) => {
      let inner: Subscription | undefined;
      let received = 0;
      let expired = false;
      const deadline = Date.now() + timeout;
      // Only decides while disconnected; a running fetch ends itself at the same deadline.
      const timer = setTimeout(() => {
        expired = true;
        if (inner === undefined) subscriber.complete();
      }, timeout);
      return {
        user: {
          open: (conn) => {
            if (expired) return subscriber.complete();
            // Each (re)start fetches only what is still missing, within the original deadline.
            const rest = (): FetchOptions => ({ ...opts, count: count - received, timeout: Math.max(1, deadline - Date.now()) });
            inner = guarded(this.keeper, subscriber, conn, () => conn.fetch(source, rest()), (m) => { received++; subscriber.next(m); });
          },
          lost: () => {
            inner?.unsubscribe();
            inner = undefined;
            if (expired) subscriber.complete();
          },
          fatal: (e) => subscriber.error(e),
          closing: () => subscriber.complete(),
        },
        teardown: () => { clearTimeout(timer); inner?.unsubscribe(); },
      };
    }));
  }

  /**
   * Send operator (see `AmqpConnection.send`): maps each message to its outcome, one outcome per
   * message. It keeps its upstream subscription and its buffer across reconnects. Every
   * at-least-once message whose outcome had not arrived when a connection was lost is sent again
   * on the next connection (with the same message-id), before any newer message: nothing is lost,
   * duplicates are possible. At-most-once messages are reported `'sent'` when written and may be
   * lost with the connection. `bufferBytes` (64 MiB of encoded messages by default, and
   * `bufferSize` if given) bounds the messages not yet transmitted, which grow during an outage;
   * overflow errors with `SendBufferOverflowError`. Like `AmqpConnection.send`, it takes every
   * message from the moment it is subscribed. `B` is the body's type (`client.send<Order>(q)`).
   */
  send<B extends BodyInput = BodyInput>(target: string | null, opts: SendOptions<B> = {}): SendOperator<B> {
    return reconnectingSend(this.keeper, target, opts);
  }

  /**
   * End a durable subscription for good (see `AmqpConnection.unsubscribeDurable`), on the client's
   * connection, waiting for one if it is reconnecting. A connection lost before the peer answered
   * makes it try again on the next.
   */
  unsubscribeDurable(source: SourceOptions, opts: UnsubscribeDurableOptions): Observable<void> {
    return this.run<void>((subscriber) => {
      let inner: Subscription | undefined;
      return {
        user: {
          open: (conn) => {
            inner = guarded(this.keeper, subscriber, conn, () => conn.unsubscribeDurable(source, opts), () => {
              subscriber.next();
              subscriber.complete();
            });
          },
          lost: () => { inner?.unsubscribe(); inner = undefined; },
          fatal: (e) => subscriber.error(e),
          closing: () => subscriber.error(new ClientClosedError('the client was closed before the subscription was ended')),
        },
        teardown: () => inner?.unsubscribe(),
      };
    });
  }

  /**
   * Request/reply (see `AmqpConnection.request`). If the connection is lost before the reply
   * arrives, the request is sent again (same message-id) on the next connection; `timeout` bounds
   * the whole exchange.
   */
  request<Req extends BodyInput = BodyInput, Res = NativeValue>(target: string, message: Message<Req>, opts: RequestOptions = {}): Observable<InboundMessage<Res>> {
    const timeout = opts.timeout ?? 10_000;
    return bodyAs<Res>(this.run<InboundMessage>((subscriber) => {
      const id = message.messageId ?? uuid();
      // Object.assign, not a spread with a field added: V8 makes a new map per such object.
      const m: Message<Req> = Object.assign({}, message, { messageId: typeof id === 'string' ? id : uuid() });
      const deadline = Date.now() + timeout;
      let inner: Subscription | undefined;
      const timer = setTimeout(() => subscriber.error(new TimeoutError(`no reply from ${target} within ${timeout} ms`)), timeout);
      return {
        user: {
          open: (conn) => {
            // The inner timeout is a backstop: the outer timer decides.
            const rest = (): RequestOptions => ({ ...opts, timeout: Math.max(1, deadline - Date.now()) + 1000 });
            inner = guarded(this.keeper, subscriber, conn, () => conn.request(target, m, rest()), (r) => subscriber.next(r));
          },
          lost: () => { inner?.unsubscribe(); inner = undefined; },
          fatal: (e) => subscriber.error(e),
          closing: () => subscriber.error(new ClientClosedError('the client was closed before the reply arrived')),
        },
        teardown: () => { clearTimeout(timer); inner?.unsubscribe(); },
      };
    }));
  }

  /**
   * A transaction on the current connection (see `AmqpConnection.transaction`). Transactions do
   * not survive a reconnect: if the connection is lost before the transaction is discharged, the
   * Observable errors with {@link TransactionLostError} (`inDoubt` when a commit was on its way),
   * as do sends in it, and the client goes on reconnecting for its other streams. A new
   * transaction starts on the new connection.
   */
  transaction(opts?: TransactionOptions): Observable<AmqpTransaction> {
    return this.run<AmqpTransaction>((subscriber) => {
      let inner: Subscription | undefined;
      let declared: AmqpTransaction | undefined;
      return {
        user: {
          open: (conn) => {
            if (inner !== undefined) return; // lost already (see lost)
            inner = conn.transaction(opts).subscribe({
              next: (t) => { declared = t; subscriber.next(t); },
              error: (e: unknown) => subscriber.error(e),
              complete: () => subscriber.complete(),
            });
          },
          // The transaction reports its own loss (TransactionLostError) when its connection ends;
          // this is for a loss the keeper saw first.
          lost: () => {
            if (inner === undefined) return;
            subscriber.error(declared?.lostError ?? new TransactionLostError(declared?.id, declared?.state === 'committing', 'its connection was lost'));
          },
          fatal: (e) => subscriber.error(e),
          closing: () => {
            if (declared === undefined || declared.state === 'active') subscriber.error(new ClientClosedError('the client was closed before the transaction was discharged'));
          },
        },
        teardown: () => inner?.unsubscribe(),
      };
    });
  }

  /**
   * Close the client for good: receivers and fetches complete, sends complete if every outcome is
   * in (else error with {@link ClientClosedError}), requests error; the connection is closed
   * gracefully. Later subscriptions error with {@link ClientClosedError}. Resolves when the
   * connection is closed.
   */
  close(): Promise<void> {
    return this.keeper.close();
  }

  /** One user subscription: the user's hooks and its own teardown, with the keeper's ref count. */
  private run<T>(make: (subscriber: Subscriber<T>) => { user: ConnectionUser; teardown: () => void }): Observable<T> {
    return new Observable<T>((subscriber) => {
      const { user, teardown } = make(subscriber);
      const release = subscriber.closed ? () => {} : this.keeper.acquire(user);
      return () => {
        teardown();
        release();
      };
    });
  }
}

/**
 * Run one connection's Observable for a user, forwarding values, and decide where its end goes
 * (see "Per-stream versus connection-wide errors" in docs/ARCHITECTURE.md):
 * - a transient condition (TRANSIENT_CONDITIONS) is the connection's loss: the client recycles it;
 * - {@link SessionEndedError}: the session ended for another link's sake while this one was
 *   attached: `make` runs again (the connection's default session is begun anew), the subscriber
 *   sees nothing;
 * - any other error (the peer refused this stream's address, a decode error...) is this stream's:
 *   it reaches the subscriber, after a grace in which the connection's own end takes precedence.
 * `make` is called for each start, so that it can ask for what is still missing.
 */
function guarded<T>(
  keeper: ConnectionKeeper, subscriber: Subscriber<unknown>, conn: AmqpConnection, make: () => Observable<T>, next: (v: T) => void,
): Subscription {
  // The handle the user keeps: unsubscribing it (the stream's teardown, the connection's loss)
  // stops the running Observable and cancels an end still waiting for its grace. The inner
  // subscription closes itself when it errors, so the pending end must not hang off it.
  const handle = new Subscription();
  let cancel = (): void => {};
  handle.add(() => cancel());
  // Restarts back off: a link the peer keeps ending its session for (RabbitMQ ends it for some
  // things a working link does) must not re-attach in a tight loop. A stream that ran
  // RESTART_RESET_MS since its last restart starts over at no delay.
  let restarts = 0;
  let lastRestart = 0;
  const restartDelay = (): number => {
    const now = Date.now();
    if (now - lastRestart > RESTART_RESET_MS) restarts = 0;
    lastRestart = now;
    return restarts++ === 0 ? 0 : Math.min(RESTART_MAX_DELAY_MS, 100 * 2 ** (restarts - 2));
  };
  const start = (): void => {
    if (handle.closed) return;
    let obs: Observable<T>;
    try {
      obs = make();
    } catch (e) {
      subscriber.error(e);
      return;
    }
    handle.add(obs.subscribe({
      next,
      error: (e: unknown) => {
        cancel();
        if (isTransient(e)) keeper.recycle(conn, e);
        else if (e instanceof SessionEndedError) cancel = afterDispatch(restartDelay(), () => { if (alive(conn)) start(); });
        else cancel = unlessConnectionEnds(conn, () => subscriber.error(e));
      },
      // A clean end during a connection's loss cannot be seen while the connection is alive.
      complete: () => { if (alive(conn)) subscriber.complete(); },
    }));
  };
  start();
  return handle;
}

/** The longest delay between restarts of one stream for {@link SessionEndedError}. */
const RESTART_MAX_DELAY_MS = 5000;
/** A stream that ran this long without a restart starts its delays over. */
const RESTART_RESET_MS = 5000;

/**
 * Run `f` after `ms`, and in any case once the engine events being dispatched now have all been
 * delivered (the session's own end comes after its links' detaches, and only then is the default
 * session begun anew). Returns a canceller.
 */
function afterDispatch(ms: number, f: () => void): () => void {
  const timer = setTimeout(f, ms);
  return () => clearTimeout(timer);
}

/**
 * Create a reconnecting client. Nothing connects until something subscribes; the connection is
 * shared by every subscription and closed when the last one ends (or on `close()`).
 *
 * On losing the connection (transport error, connection error, or the peer closing it) while
 * something uses it, the client reconnects with exponential backoff and jitter, rotating through
 * `urls`; receivers re-attach, sends re-send every at-least-once message without an outcome.
 * `AuthenticationError`, unusable URLs and options out of range are not retried: every stream of
 * the client ends with that error and `state$` ends with `closed` carrying it; so does the last
 * error once `reconnect.maxAttempts` consecutive attempts have failed.
 *
 * @param arg one URL, a failover list of URLs, or {@link AmqpClientOptions}.
 */
export function amqpClient(arg: string | readonly string[] | AmqpClientOptions): AmqpClient {
  return new AmqpClient(typeof arg === 'string' || isStringArray(arg) ? { urls: arg } : arg);
}

function isStringArray(a: unknown): a is readonly string[] {
  return Array.isArray(a);
}

// What a client prints (util.inspect, JSON, String): its URLs redacted and its state, never the
// options' credentials.
renderSafely(AmqpClient, (c) => ({ urls: c.urls, state: c.state.state }));
