/**
 * `stompClient()`: a reconnecting STOMP client. One connection is shared by every subscription
 * and sender of the client while any is active; the protocol-neutral {@link ReconnectKeeper}
 * (src/reconnect, shared with `amqpClient`) reconnects it with backoff through `urls` when it
 * fails. Subscriptions are made again on every new connection and every message whose RECEIPT
 * did not arrive is sent again (nothing lost; duplicates possible).
 */
import { Observable, of, type OperatorFunction, type Subscriber, type Subscription } from 'rxjs';
import type { ReconnectOptions } from '../../reconnect/backoff.js';
import { ReconnectKeeper, type Connector, type KeeperUser } from '../../reconnect/keeper.js';
import { ClientClosedError, type ClientState } from '../../reconnect/state.js';
import type { TransportTarget } from '../../transport/types.js';
import { isProxyConfigurationError } from '../../transport/proxy.js';
import { StompAuthenticationError, StompBufferOverflowError, StompConnectionClosedError, StompDestinationError } from '../errors.js';
import { connectSession, type SessionOnWire } from './connect.js';
import type { StompMessage } from './message.js';
import type { StompConnectOptions } from './options.js';
import type { BrowseOptions, SendOptions, StompSendInput, StompSendResult, StompSession, SubscribeOptions } from './session.js';

/** Options of `stompClient()`. */
export interface StompClientOptions extends StompConnectOptions {
  /** Failover list; tried in turn (the `url` option comes first when both are given). */
  readonly urls?: readonly string[];
  /** Backoff between attempts and when to give up (the same options as `amqpClient`'s). */
  readonly reconnect?: ReconnectOptions;
  /** Most messages waiting for their receipt per sender before a StompBufferOverflowError. Default 10000. */
  readonly maxUnconfirmed?: number;
}

/** Where the client is: the {@link ClientState} shared with `amqpClient`. */
export type StompClientState = ClientState;

/** The reconnecting client. */
export interface StompClient {
  /** State changes: replays the current state; completes when the client ends (`close()` or a fatal error). */
  readonly state$: Observable<StompClientState>;
  /** The current state (the last value of `state$`). */
  readonly state: StompClientState;
  /**
   * Messages of `destination`, re-subscribed after every reconnect (with `receipt`/`onReceipt`,
   * `onReceipt` is called each time the broker confirms a (re)subscription). Completes on
   * `close()`; errors when the client ends with an error.
   */
  subscribe(destination: string, options?: SubscribeOptions): Observable<StompMessage>;
  /**
   * Operator: send with receipts, re-sending unconfirmed messages after a reconnect; results in
   * order. On `close()` it completes if every message was receipted, else errors with
   * ClientClosedError.
   */
  send(destination: string, options?: Omit<SendOptions, 'receipt' | 'transaction'>): OperatorFunction<StompSendInput, StompSendResult>;
  /**
   * Browse a queue on the client's connection (see StompSession.browse): the waiting messages,
   * then complete. A browse is not resumed across a reconnect (it would repeat what it emitted):
   * a connection lost during it errors it with StompConnectionClosedError; browse again.
   */
  browse(destination: string, options?: BrowseOptions): Observable<StompMessage>;
  /**
   * Close the client for good: subscriptions complete, sends complete or error (see `send`), the
   * connection is closed gracefully (DISCONNECT with receipt) and `state$` completes after
   * `closed`. Later subscriptions error with ClientClosedError. Resolves once the connection is closed.
   */
  close(): Promise<void>;
}

/** A name for a transport target, for `state$` when the client was given a target instead of URLs. */
function targetLabel(t: TransportTarget): string {
  return t.kind === 'websocket' ? t.url : `${t.kind}://${t.host}:${t.port}`;
}

/**
 * Create a reconnecting client. Nothing connects until something subscribes; the connection is
 * closed when the last subscription ends (or on `close()`).
 *
 * A refused login (`StompAuthenticationError`), an unusable URL and options out of range are not
 * retried: every stream of the client ends with that error and `state$` with `closed` carrying
 * it; so does the last error once `reconnect.maxAttempts` consecutive attempts have failed.
 */
export function stompClient(urlOrOptions: string | StompClientOptions): StompClient {
  const options: StompClientOptions = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions;
  // The option was renamed; ignoring it silently would retry forever with the defaults.
  if ('backoff' in options) throw new TypeError('stompClient: the `backoff` option is now `reconnect` (initialDelayMs, maxDelayMs, factor, jitter, maxAttempts, resetAfterMs)');
  const { urls: more, reconnect, maxUnconfirmed, ...connectOptions } = options;
  const urls = [...(options.url !== undefined ? [options.url] : []), ...(more ?? [])];
  // With a target and no URL every attempt goes to the target (its label only names it in state$).
  const byTarget = urls.length === 0 && options.target !== undefined;
  if (byTarget) urls.push(targetLabel(options.target as TransportTarget));
  if (urls.length === 0) throw new TypeError('stompClient needs a url, urls or a target');
  const connector: Connector<SessionOnWire> = {
    connect: (url) => connectSession(byTarget ? connectOptions : { ...connectOptions, url }),
    closed: (c) => c.ended,
    isAuthenticationError: (e) => e instanceof StompAuthenticationError || isProxyConfigurationError(e),
  };
  const keeper = new ReconnectKeeper({ urls, connector, reconnect });
  const max = maxUnconfirmed ?? 10_000;

  return {
    state$: keeper.state$,
    get state() { return keeper.state; },
    close: () => keeper.close(),

    subscribe(destination, subOptions) {
      return new Observable<StompMessage>((sub) => {
        let inner: Subscription | undefined;
        const drop = (): void => { inner?.unsubscribe(); inner = undefined; };
        // Always with a receipt: an ERROR that arrives before it is this SUBSCRIBE's (see
        // src/stomp/rx/attribution.ts), so it ends this subscription and no other.
        const options: SubscribeOptions = { ...subOptions, receipt: true };
        const release = keeper.acquire({
          open: (c) => {
            inner = c.session.subscribe(destination, options).subscribe({
              next: (m) => sub.next(m),
              error: (e: unknown) => {
                // The broker refused this destination: subscribing again would fail again (and
                // cost every other subscription its connection each time), so this one ends.
                if (e instanceof StompDestinationError) { inner = undefined; release(); sub.error(e); }
                // Anything else ends the connection, which the keeper reports as `lost`; the
                // next connection subscribes again.
              },
            });
          },
          lost: drop,
          fatal: (e) => sub.error(e),
          closing: () => sub.complete(),
        });
        return () => { drop(); release(); };
      });
    },

    send(destination, sendOptions = {}) {
      return (source) => new Observable<StompSendResult>((sub) => reconnectingSend(keeper, source, sub, destination, sendOptions, max));
    },

    browse(destination, browseOptions) {
      return new Observable<StompMessage>((sub) => {
        let inner: Subscription | undefined;
        // The browse may end inside `acquire` (a refusal is synchronous): the user is let go after.
        let release: (() => void) | undefined;
        let done = false;
        const finish = (end: () => void): void => {
          if (done) return;
          done = true;
          inner = undefined;
          release?.();
          end();
        };
        release = keeper.acquire({
          open: (c) => {
            inner = c.session.browse(destination, browseOptions).subscribe({
              next: (m) => sub.next(m),
              error: (e: unknown) => finish(() => sub.error(e)),
              complete: () => finish(() => sub.complete()),
            });
          },
          lost: () => {
            if (done || inner === undefined) return;
            inner.unsubscribe();
            finish(() => sub.error(new StompConnectionClosedError(`the connection was lost while browsing ${destination}; browse again`)));
          },
          fatal: (e) => finish(() => sub.error(e)),
          closing: () => finish(() => sub.complete()),
        });
        if (done) release();
        return () => { inner?.unsubscribe(); if (!done) { done = true; release?.(); } };
      });
    },
  };
}

/** One input, from arrival until its result; `sentOn` is the session it was last written on. */
interface Item { readonly input: StompSendInput; result?: StompSendResult; sentOn?: StompSession }

/** The client's send operator: it owns the inputs awaiting a receipt, across connections. */
function reconnectingSend(
  keeper: ReconnectKeeper<SessionOnWire>, source: Observable<StompSendInput>,
  sub: Subscriber<StompSendResult>,
  destination: string, sendOptions: Omit<SendOptions, 'receipt' | 'transaction'>, max: number,
): () => void {
  const pending: Item[] = [];
  let current: StompSession | undefined;
  let upstreamDone = false;
  const flushResults = (): void => {
    while (pending.length > 0 && pending[0].result !== undefined) sub.next((pending.shift() as Item).result as StompSendResult);
    if (upstreamDone && pending.length === 0) sub.complete();
  };
  const transmit = (item: Item, s: StompSession): void => {
    item.sentOn = s;
    of(item.input).pipe(s.send(destination, { ...sendOptions, receipt: true })).subscribe({
      next: (r) => { if (item.result === undefined) { item.result = r; flushResults(); } },
      error: (e: unknown) => {
        // The broker refused the destination: every message would be refused, so the operator
        // ends (re-sending would cost the client's other streams their connection each time).
        if (e instanceof StompDestinationError) sub.error(e);
        // Otherwise the connection failed; the item is re-sent on the next session.
      },
    });
  };
  const user: KeeperUser<SessionOnWire> = {
    open: (c) => {
      current = c.session;
      for (const item of pending) if (item.result === undefined && item.sentOn !== c.session) transmit(item, c.session);
    },
    lost: () => { current = undefined; },
    fatal: (e) => sub.error(e),
    closing: () => {
      const unconfirmed = pending.filter((i) => i.result === undefined).length;
      if (unconfirmed > 0) sub.error(new ClientClosedError(`the client was closed with ${unconfirmed} messages without a receipt`));
      else sub.complete();
    },
  };
  const release = keeper.acquire(user);
  if (sub.closed) return release;
  const upstream = source.subscribe({
    next: (input) => {
      if (pending.length >= max) {
        sub.error(new StompBufferOverflowError(`more than ${max} messages waiting for receipts on ${destination}`));
        return;
      }
      const item: Item = { input };
      pending.push(item);
      if (current) transmit(item, current);
    },
    error: (e: unknown) => sub.error(e),
    complete: () => { upstreamDone = true; flushResults(); },
  });
  return () => { upstream.unsubscribe(); release(); };
}
