/**
 * The reconnect keeper under `amqpClient` and `stompClient`: one protocol-neutral loop that owns
 * a client's connection. It connects when the first user (a receive, a subscription, a send...)
 * arrives, shares the connection between all users (ref-counted), reconnects with backoff through
 * the URL list while anyone still uses it, and closes it gracefully when the last user leaves or
 * on `close()`. Users keep their own state across connections and are told `open` / `lost` /
 * `fatal` / `closing`; only `state$` shows an outage.
 *
 * Its state is a handful of explicit fields (the running attempt, the pending retry, the open
 * connection, the URL index, the failure count), not an operator chain, so that every transition
 * is visible in one method. Time comes from an injected RxJS scheduler (tests use virtual time).
 */
import { asyncScheduler, ReplaySubject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { redact, UrlError } from '../transport/url.js';
import { renderSafely } from '../redact.js';
import { backoffDelay, resolveReconnectOptions, type ReconnectOptions, type ResolvedReconnectOptions } from './backoff.js';
import { asError, ClientClosedError, ConnectionClosedByPeerError, type ClientState } from './state.js';

/** What the keeper needs from a protocol. */
export interface Connector<C> {
  /**
   * Cold: connects on subscribe and emits the connection once it is usable; errors when it fails
   * or is lost, completes when the peer closes it cleanly; unsubscribing closes it gracefully.
   */
  connect(url: string): Observable<C>;
  /** Resolves once `conn`, which the keeper has just unsubscribed from, has finished closing (bounded). */
  closed(conn: C): Promise<void>;
  /** Whether `err` is the peer refusing the credentials. */
  isAuthenticationError(err: unknown): boolean;
}

/** One operation using the client's connection, as the keeper talks to it. */
export interface KeeperUser<C> {
  /** A connection is open (the first, or a new one after a loss): (re)build on it. */
  open(conn: C): void;
  /** The connection given to `open` is gone: drop everything that belonged to it. */
  lost(): void;
  /** The client will not connect again: end with this error. */
  fatal(err: unknown): void;
  /** `close()` was called: end (complete, or error if something would be lost). */
  closing(): void;
}

/** How a keeper is made. */
export interface KeeperOptions<C> {
  /** Failover list, tried in turn (at least one). */
  readonly urls: readonly string[];
  readonly connector: Connector<C>;
  readonly reconnect?: ReconnectOptions;
  /** Where retries are timed (default asyncScheduler; tests pass a virtual-time scheduler). */
  readonly scheduler?: SchedulerLike;
  /** The jitter's random source (default Math.random). */
  readonly random?: () => number;
}

/**
 * The fatal-versus-transient rule of both clients: refused credentials and configuration errors
 * (an unusable URL, options out of range or of the wrong type) cannot be fixed by another attempt,
 * so they end the client; anything else (transport loss, heart-beat or idle timeouts, the peer
 * closing the connection, broker errors) is retried with backoff.
 */
export function isFatal(err: unknown, isAuthenticationError: (e: unknown) => boolean): boolean {
  return isAuthenticationError(err) || err instanceof UrlError || err instanceof RangeError || err instanceof TypeError;
}

/** Owns the connection of one client (see the file comment). */
export class ReconnectKeeper<C> {
  private readonly states = new ReplaySubject<ClientState>(1);
  /** The state, replayed on subscribe; completes when the client ends (`close()` or a fatal error). */
  readonly state$: Observable<ClientState> = this.states.asObservable();
  private value: ClientState = { state: 'closed' };
  private readonly users = new Set<KeeperUser<C>>();
  private readonly urls: readonly string[];
  private readonly connector: Connector<C>;
  private readonly options: ResolvedReconnectOptions;
  private readonly scheduler: SchedulerLike;
  private readonly random: () => number;
  /** The running `connect()` (connecting or open). */
  private sub: Subscription | undefined;
  /** A pending retry; at most one of `sub` and `retry` is set. */
  private retry: Subscription | undefined;
  /** The open connection. */
  private current: C | undefined;
  private openedAt = 0;
  /** Index into `urls` of the next attempt. */
  private urlIndex = 0;
  /**
   * Consecutive failed attempts: attempts that did not open, and connections lost within
   * `resetAfterMs` of opening. Drives the backoff and `maxAttempts`.
   */
  private failures = 0;
  /** Set once the client has ended: by `close()` (undefined error) or by a fatal error. */
  private end: { readonly error: unknown } | undefined;
  private stopping: Promise<void> = Promise.resolve();
  /** Bumped by every attempt and stop, so that an attempt stopped before `subscribe` returned is dropped. */
  private generation = 0;

  /** @throws RangeError for invalid reconnect options, TypeError without URLs. */
  constructor(o: KeeperOptions<C>) {
    if (o.urls.length === 0) throw new TypeError('a reconnecting client needs at least one URL');
    this.urls = [...o.urls];
    this.connector = o.connector;
    this.options = resolveReconnectOptions(o.reconnect);
    this.scheduler = o.scheduler ?? asyncScheduler;
    this.random = o.random ?? Math.random;
    this.states.next(this.value);
  }

  /** The current state (the last value of `state$`). */
  get state(): ClientState { return this.value; }

  /** The URLs in failover order, passwords redacted (for what the clients print). */
  get redactedUrls(): readonly string[] { return this.urls.map(redact); }

  /** Register a user; connects if idle. Returns the release function (idempotent). */
  acquire(user: KeeperUser<C>): () => void {
    if (this.end !== undefined) {
      user.fatal(this.end.error ?? new ClientClosedError('the client is closed'));
      return () => {};
    }
    this.users.add(user);
    if (this.current !== undefined) user.open(this.current);
    else if (this.sub === undefined && this.retry === undefined) {
      this.failures = 0;
      this.attempt();
    }
    return () => {
      if (this.users.delete(user) && this.users.size === 0 && this.end === undefined) this.stop();
    };
  }

  /** End the client for good: tell every user, close the connection, complete `state$`. */
  close(): Promise<void> {
    if (this.end !== undefined) return this.stopping;
    this.end = { error: undefined };
    const users = [...this.users];
    this.users.clear();
    for (const u of users) u.closing();
    this.stop();
    this.states.complete();
    return this.stopping;
  }

  /**
   * A user found `conn` unusable although it has not reported its end (e.g. the peer ended every
   * AMQP session with amqp:internal-error but left the connection open): treat it as lost, close
   * it and reconnect.
   */
  recycle(conn: C, reason: unknown): void {
    // Not inside the dispatch of the event that reported the problem.
    queueMicrotask(() => {
      if (this.current !== conn) return;
      const sub = this.sub;
      this.sub = undefined;
      // Users drop what they built on it first (detaching what is still attached), then it closes.
      this.onEnded(conn, true, reason);
      sub?.unsubscribe();
      this.trackClose(conn);
    });
  }

  private emit(s: ClientState): void {
    this.value = s;
    this.states.next(s);
  }

  private attempt(): void {
    this.retry = undefined;
    const generation = ++this.generation;
    const url = this.urls[this.urlIndex];
    let opened = false;
    let conn: C | undefined;
    let sub: Subscription | undefined;
    const ended = (err: unknown): void => {
      if (this.sub === sub) this.sub = undefined;
      this.onEnded(conn, opened, err);
    };
    this.emit({ state: 'connecting', url: redact(url), attempt: this.failures + 1 });
    // connect() may end synchronously (a bad URL), before `subscribe` returns.
    sub = this.connector.connect(url).subscribe({
      next: (c) => {
        if (opened) return;
        opened = true;
        conn = c;
        this.current = c;
        this.openedAt = this.scheduler.now();
        this.emit({ state: 'open', url: redact(url) });
        for (const u of [...this.users]) if (this.users.has(u) && this.current === c) u.open(c);
      },
      error: (e: unknown) => ended(e),
      complete: () => ended(new ConnectionClosedByPeerError('the peer closed the connection')),
    });
    if (sub.closed) return;
    // A user's `open` may have released the client (or closed it) before `subscribe` returned.
    if (generation === this.generation) this.sub = sub;
    else sub.unsubscribe();
  }

  /** An attempt or a connection ended with `err`: decide between retry and the end. */
  private onEnded(conn: C | undefined, opened: boolean, err: unknown): void {
    if (conn !== undefined && this.current === conn) {
      this.current = undefined;
      for (const u of [...this.users]) if (this.users.has(u)) u.lost();
    }
    if (this.end !== undefined) return;
    if (this.users.size === 0) return this.stop();
    if (isFatal(err, (e) => this.connector.isAuthenticationError(e))) return this.fail(err);
    if (opened && this.scheduler.now() - this.openedAt >= this.options.resetAfterMs) {
      // A healthy connection was lost: a new series of attempts, starting with the URL that worked.
      this.failures = 0;
    } else {
      // No connection, or one that died young (a broker accepting and dropping every connection
      // must not reset the backoff): a failed attempt. The next one tries the next URL, except
      // after a young loss, whose URL did work.
      this.failures++;
      if (!opened) this.urlIndex = (this.urlIndex + 1) % this.urls.length;
      const max = this.options.maxAttempts;
      if (max !== undefined && this.failures >= max) return this.fail(err);
    }
    const delayMs = backoffDelay(Math.max(0, this.failures - 1), this.options, this.random);
    this.emit({ state: 'reconnecting', error: asError(err), attempt: this.failures + 1, delayMs });
    this.retry = this.scheduler.schedule(() => this.attempt(), delayMs);
  }

  /** End the client with `err`: every user gets it, so do later ones. */
  private fail(err: unknown): void {
    this.end = { error: err };
    const users = [...this.users];
    this.users.clear();
    this.stop(asError(err));
    for (const u of users) u.fatal(err);
    this.states.complete();
  }

  /** Cancel retries, close the connection gracefully, and say `closed`. */
  private stop(error?: Error): void {
    this.generation++;
    this.retry?.unsubscribe();
    this.retry = undefined;
    const conn = this.current;
    const sub = this.sub;
    this.current = undefined;
    this.sub = undefined;
    sub?.unsubscribe();
    if (conn !== undefined) this.trackClose(conn);
    if (this.value.state !== 'closed' || error !== undefined) this.emit(error === undefined ? { state: 'closed' } : { state: 'closed', error });
  }

  /** Make `close()` wait for this connection's graceful close too. */
  private trackClose(conn: C): void {
    this.stopping = Promise.all([this.stopping, this.connector.closed(conn)]).then(() => undefined);
  }
}

// What a keeper prints (util.inspect, JSON, String): redacted URLs and the state, never a password.
renderSafely(ReconnectKeeper, (k) => ({ urls: k.redactedUrls, state: k.state.state }));
