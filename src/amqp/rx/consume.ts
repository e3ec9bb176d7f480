/**
 * Settle on completion: the pattern a consumer of a queue means when it writes
 * `receive(q).pipe(mergeMap(async (m) => work(m)))`. Each message goes to `handler`, at most
 * `concurrency` at a time, and is settled when its handler finishes: accepted when it succeeds;
 * released for redelivery when it fails, or rejected (dead-lettered by most brokers) once it has
 * failed `maxDeliveries` times. Used with a receiver whose credit equals the concurrency
 * (`consume()` on connections, sessions and clients sets that up), the broker never has more
 * messages out than the application is working on, and nothing is settled before it is processed.
 *
 * Attempts are counted from the message's delivery-count where the broker keeps it, and locally
 * (by message-id, else by body) where it does not: RabbitMQ 3.10 sends no delivery-count and
 * `released` does not raise it anyway, so without a local count one failing message would be
 * redelivered forever.
 */
import { defer, from, isObservable, mergeMap, Observable, of, type OperatorFunction } from 'rxjs';
import type { NativeValue } from '../codec/native.js';
import type { ReceivedMessage, ReceiveOptions } from './receiver.js';
import { SettleError } from '../engine/errors.js';
import { AttemptCounts } from './attempt-counts.js';

/** Options of {@link settleOnCompletion} and the `consume()` methods. */
export interface ConsumeOptions {
  /** Messages handled at once; `consume()` also makes it the link credit. Default 10. */
  readonly concurrency?: number;
  /** Failed attempts after which a message is rejected instead of released. Default 5. */
  readonly maxDeliveries?: number;
  /** The error condition a message is rejected with after `maxDeliveries`. Default `rx-mq:max-deliveries-exceeded`. */
  readonly rejectCondition?: string;
  /** How many message keys the local attempt count remembers (the oldest are forgotten). Default 10,000. */
  readonly rememberKeys?: number;
}

/** Options of the `consume()` methods: the consumer's, plus the receive options it leaves to the caller. */
export type ConsumeReceiveOptions = ConsumeOptions & Omit<ReceiveOptions, 'settle' | 'credit' | 'creditThreshold' | 'demand$'>;

/**
 * What became of one message, in the order the handlers finished. `unsettled`: the handler
 * finished but its link or connection had gone, so no outcome reached the broker (`error` is the
 * SettleError); the broker keeps the message and delivers it again, so the work may run twice.
 * `R` is the handler's result, `B` the message body's type.
 */
export type Consumed<R, B = NativeValue> =
  | { readonly outcome: 'accepted'; readonly message: ReceivedMessage<B>; readonly result: R; readonly attempt: number }
  | { readonly outcome: 'released'; readonly message: ReceivedMessage<B>; readonly error: unknown; readonly attempt: number }
  | { readonly outcome: 'rejected'; readonly message: ReceivedMessage<B>; readonly error: unknown; readonly attempt: number }
  | { readonly outcome: 'unsettled'; readonly message: ReceivedMessage<B>; readonly error: SettleError; readonly attempt: number };

/** What a consume handler may return: a value, a promise of one, or an Observable (its last value is the result). */
export type ConsumeHandler<B, R> = (m: ReceivedMessage<B>) => Promise<R> | Observable<R> | R;

/**
 * `receive` with manual settlement and credit = concurrency, piped through settleOnCompletion:
 * what every `consume()` method is.
 */
export function consumeWith<R, B = NativeValue>(
  receive: (opts: ReceiveOptions) => Observable<ReceivedMessage<B>>,
  handler: ConsumeHandler<B, R>,
  opts: ConsumeReceiveOptions = {},
): Observable<Consumed<R, B>> {
  const { concurrency, maxDeliveries, rejectCondition, rememberKeys, ...rest } = opts;
  const consume: ConsumeOptions = { concurrency, maxDeliveries, rejectCondition, rememberKeys };
  return defer(() => receive(consumeReceiveOptions(consume, rest)).pipe(settleOnCompletion(handler, consume)));
}

/** Receive options for a consumer with this concurrency: manual settlement, credit = concurrency. */
export function consumeReceiveOptions(o: ConsumeOptions, rest: Omit<ReceiveOptions, 'settle' | 'credit' | 'creditThreshold' | 'demand$'> = {}): ReceiveOptions {
  const credit = concurrencyOf(o);
  // Top up as each message is settled: the window stays full while handlers keep up.
  return { ...rest, settle: 'manual', credit, creditThreshold: credit - 1 };
}

function concurrencyOf(o: ConsumeOptions): number {
  const c = o.concurrency ?? 10;
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`concurrency must be a positive integer, got ${c}`);
  return c;
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** What identifies a message across redeliveries: its message-id, else its body. */
function keyOf(m: ReceivedMessage<unknown>): string {
  const id = m.messageId;
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number' || typeof id === 'bigint') return `n:${id}`;
  if (id instanceof Uint8Array) return `b:${hex(id)}`;
  if (id !== undefined) return `v:${JSON.stringify(id, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex(v) : v))}`;
  const body = m.body;
  if (body instanceof Uint8Array) return `body:${hex(body)}`;
  return `body:${JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex(v) : v))}`;
}

/**
 * The operator: runs `handler` on each message (at most `concurrency` at once) and settles it when
 * the handler's promise or Observable finishes. Emits one {@link Consumed} per message. A handler
 * error is a value here (the message is released or rejected), never an error of the stream.
 */
export function settleOnCompletion<R, B = NativeValue>(
  handler: ConsumeHandler<B, R>,
  o: ConsumeOptions = {},
): OperatorFunction<ReceivedMessage<B>, Consumed<R, B>> {
  const concurrency = concurrencyOf(o);
  const maxDeliveries = o.maxDeliveries ?? 5;
  if (!Number.isInteger(maxDeliveries) || maxDeliveries < 1) throw new RangeError(`maxDeliveries must be a positive integer, got ${maxDeliveries}`);
  const condition = o.rejectCondition ?? 'rx-mq:max-deliveries-exceeded';
  return (source) => defer(() => {
    const attempts = new AttemptCounts(o.rememberKeys ?? 10_000);
    return source.pipe(mergeMap((m) => new Observable<Consumed<R, B>>((sub) => {
      let last: R | undefined;
      const inner = defer(() => {
        const r = handler(m);
        if (isObservable(r)) return r;
        return typeof (r as PromiseLike<R> | undefined)?.then === 'function' ? from(r as PromiseLike<R>) : of(r as R);
      }).subscribe({
        next: (v) => { last = v; },
        error: (error: unknown) => {
          const key = keyOf(m);
          // The broker's count (deliveries before this one) or ours, whichever saw more.
          const attempt = Math.max(attempts.fail(key), (m.deliveryCount ?? 0) + 1);
          if (attempt >= maxDeliveries) {
            attempts.forget(key);
            const lost = settled(() => m.reject({ condition, description: `failed ${attempt} times; last: ${error instanceof Error ? error.message : String(error)}` }));
            sub.next(lost === undefined ? { outcome: 'rejected', message: m, error, attempt } : { outcome: 'unsettled', message: m, error: lost, attempt });
          } else {
            const lost = settled(() => m.release());
            sub.next(lost === undefined ? { outcome: 'released', message: m, error, attempt } : { outcome: 'unsettled', message: m, error: lost, attempt });
          }
          sub.complete();
        },
        complete: () => {
          let attempt = (m.deliveryCount ?? 0) + 1;
          // A message that failed before and now succeeded is forgotten (the map is empty while
          // nothing fails, so the key is not even computed then).
          if (attempts.size > 0) {
            const key = keyOf(m);
            attempt = Math.max(attempt, attempts.count(key) + 1);
            attempts.forget(key);
          }
          const lost = settled(() => m.accept());
          sub.next(lost === undefined ? { outcome: 'accepted', message: m, result: last as R, attempt } : { outcome: 'unsettled', message: m, error: lost, attempt });
          sub.complete();
        },
      });
      return () => inner.unsubscribe();
    }), concurrency));
  });
}

/**
 * Run a settle; the SettleError when its link or connection has gone (a handler outlived a
 * reconnect). Thrown from inside a subscriber callback it would escape the stream and crash.
 */
function settled(settle: () => void): SettleError | undefined {
  try {
    settle();
    return undefined;
  } catch (e) {
    if (e instanceof SettleError && e.reason === 'link-closed') return e;
    throw e;
  }
}
