/**
 * `stompClient()`: a reconnecting STOMP client. One connection is shared by every subscription
 * and sender of the client while any is active; when it fails the client reconnects with backoff
 * (cycling through `urls`), re-subscribes every subscription and re-sends every message whose
 * RECEIPT did not arrive (nothing lost; duplicates possible).
 */
import { BehaviorSubject, EMPTY, Observable, catchError, distinctUntilChanged, map, of, switchMap, type OperatorFunction } from 'rxjs';
import { RxMqError } from '../../errors.js';
import { StompBufferOverflowError } from '../errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { connect } from './connect.js';
import type { StompMessage } from './message.js';
import type { StompConnectOptions } from './options.js';
import type { SendOptions, StompSendInput, StompSendResult, StompSession, SubscribeOptions } from './session.js';

/** Options of `stompClient()`. */
export interface StompClientOptions extends StompConnectOptions {
  /** Failover list; tried in turn (the `url` option comes first when both are given). */
  readonly urls?: readonly string[];
  readonly backoff?: BackoffOptions;
  /** Most messages waiting for their receipt per sender before a StompBufferOverflowError. Default 10000. */
  readonly maxUnconfirmed?: number;
}

/** Where the client is. */
export type StompClientState =
  | { readonly state: 'idle' }
  | { readonly state: 'connecting'; readonly attempt: number; readonly url: string | undefined }
  | { readonly state: 'connected'; readonly session: StompSession }
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly delayMs: number; readonly error: unknown };


/** The reconnecting client. */
export interface StompClient {
  /** State changes (replays the current state). */
  readonly state$: Observable<StompClientState>;
  /**
   * Messages of `destination`, re-subscribed after every reconnect (with `receipt`/`onReceipt`,
   * `onReceipt` is called each time the broker confirms a (re)subscription).
   */
  subscribe(destination: string, options?: SubscribeOptions): Observable<StompMessage>;
  /** Operator: send with receipts, re-sending unconfirmed messages after a reconnect; results in order. */
  send(destination: string, options?: Omit<SendOptions, 'receipt' | 'transaction'>): OperatorFunction<StompSendInput, StompSendResult>;
}

/** Create a reconnecting client. Nothing connects until something subscribes. */
export function stompClient(urlOrOptions: string | StompClientOptions): StompClient {
  const options: StompClientOptions = typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions;
  const urls = [...(options.url !== undefined ? [options.url] : []), ...(options.urls ?? [])];
  const state = new BehaviorSubject<StompClientState>({ state: 'idle' });
  let users = 0;
  let stop: (() => void) | undefined;

  const run = (): (() => void) => {
    let attempt = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let conn: { unsubscribe(): void } | undefined;
    const go = (): void => {
      const url = urls.length ? urls[attempt % urls.length] : undefined;
      state.next({ state: 'connecting', attempt, url });
      const retry = (error: unknown): void => {
        if (stopped) return;
        const delayMs = backoffDelay(attempt, options.backoff);
        attempt++;
        state.next({ state: 'reconnecting', attempt, delayMs, error });
        timer = setTimeout(go, delayMs);
      };
      conn = connect({ ...options, url }).subscribe({
        next: (session) => { attempt = 0; state.next({ state: 'connected', session }); },
        error: retry,
        complete: () => retry(new RxMqError('the connection closed')),
      });
    };
    go();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      conn?.unsubscribe();
      state.next({ state: 'idle' });
    };
  };
  const acquire = (): void => { if (users++ === 0) stop = run(); };
  const release = (): void => { if (--users === 0) { stop?.(); stop = undefined; } };
  const session$ = state.pipe(map((s) => (s.state === 'connected' ? s.session : undefined)), distinctUntilChanged());

  return {
    state$: state.asObservable(),

    subscribe(destination, subOptions) {
      return new Observable<StompMessage>((sub) => {
        acquire();
        const inner = session$.pipe(
          switchMap((s) => (s ? s.subscribe(destination, subOptions).pipe(catchError(() => EMPTY)) : EMPTY)),
        ).subscribe(sub);
        return () => { inner.unsubscribe(); release(); };
      });
    },

    send(destination, sendOptions = {}) {
      const max = options.maxUnconfirmed ?? 10_000;
      interface Item { readonly input: StompSendInput; result?: StompSendResult; sentOn?: StompSession }
      return (source) => new Observable<StompSendResult>((sub) => {
        acquire();
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
            error: () => undefined, // the connection failed; the item is re-sent on the next session
          });
        };
        const sessions = session$.subscribe((s) => {
          current = s;
          if (s) for (const item of pending) if (item.result === undefined && item.sentOn !== s) transmit(item, s);
        });
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
          error: (e) => sub.error(e),
          complete: () => { upstreamDone = true; flushResults(); },
        });
        return () => { upstream.unsubscribe(); sessions.unsubscribe(); release(); };
      });
    },
  };
}
