/**
 * Reconnect options and the backoff delay, shared by `amqpClient` and `stompClient`.
 * Pure code: no timers, no I/O; the random source is a parameter so tests can pin it.
 */

/** How a reconnecting client waits between connection attempts, and when it gives up. */
export interface ReconnectOptions {
  /** Delay before the first retry, in ms (default 100). */
  readonly initialDelayMs?: number;
  /** Longest delay between attempts, in ms (default 10000). A hard cap: jitter never exceeds it. */
  readonly maxDelayMs?: number;
  /** Each consecutive failure multiplies the delay by this (default 2, at least 1). */
  readonly factor?: number;
  /**
   * Randomisation, 0..1 (default 0.2): each delay is shortened by a random fraction up to this,
   * so that many clients cut off together do not come back together.
   */
  readonly jitter?: number;
  /**
   * Consecutive failed attempts after which the client gives up and ends every stream with the
   * last attempt's error. Default: never give up.
   */
  readonly maxAttempts?: number;
  /**
   * How long (ms, default 5000) a connection must stay open before the attempt counter starts
   * again. A connection lost sooner counts as a failed attempt, so a broker that accepts every
   * connection and then drops it is retried with a growing delay, not hammered.
   */
  readonly resetAfterMs?: number;
}

/** {@link ReconnectOptions} with the defaults filled in and checked. */
export interface ResolvedReconnectOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: number;
  readonly maxAttempts: number | undefined;
  readonly resetAfterMs: number;
}

/**
 * The longest delay a timer can take: Node and browsers treat anything larger as 1 ms, which
 * would turn an overlong cap into a retry loop.
 */
const MAX_TIMER_MS = 2_147_483_647;

const KEYS: ReadonlySet<string> = new Set(['initialDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxAttempts', 'resetAfterMs']);

/**
 * `o` with the defaults applied. Throws RangeError on values that cannot work (negative or
 * non-finite delays, a shrinking factor, jitter outside 0..1, a non-integer attempt limit) and
 * on unknown keys, so that options of the old shape (`initialDelay`, `multiplier`...) are not
 * silently ignored.
 */
export function resolveReconnectOptions(o: ReconnectOptions = {}): ResolvedReconnectOptions {
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new RangeError(`unknown reconnect option(s): ${unknown.join(', ')} (expected ${[...KEYS].join(', ')})`);
  const r: ResolvedReconnectOptions = {
    initialDelayMs: o.initialDelayMs ?? 100,
    maxDelayMs: o.maxDelayMs ?? 10_000,
    factor: o.factor ?? 2,
    jitter: o.jitter ?? 0.2,
    maxAttempts: o.maxAttempts,
    resetAfterMs: o.resetAfterMs ?? 5000,
  };
  const delay = (v: number): boolean => v >= 0 && v <= MAX_TIMER_MS;
  if (!delay(r.initialDelayMs) || !delay(r.maxDelayMs)) throw new RangeError(`reconnect delays must be within 0..${MAX_TIMER_MS} ms`);
  if (!(r.factor >= 1 && Number.isFinite(r.factor))) throw new RangeError('reconnect.factor must be a finite number of at least 1');
  if (!(r.jitter >= 0 && r.jitter <= 1)) throw new RangeError('reconnect.jitter must be within 0..1');
  if (r.maxAttempts !== undefined && !(Number.isInteger(r.maxAttempts) && r.maxAttempts >= 1)) {
    throw new RangeError('reconnect.maxAttempts must be a positive integer');
  }
  if (!(r.resetAfterMs >= 0 && Number.isFinite(r.resetAfterMs))) throw new RangeError('reconnect.resetAfterMs must be a finite non-negative number');
  return r;
}

/**
 * The delay (ms) before retry number `attempt` (0 for the first retry):
 * `min(maxDelayMs, initialDelayMs * factor^attempt) * (1 - jitter * random())`, rounded down.
 * Jitter only ever shortens a delay, so `maxDelayMs` bounds every delay; clamping a symmetric
 * spread instead would pile every client at the cap, where spreading matters most.
 *
 * @param random a source of [0, 1) (default Math.random); values outside are clamped.
 * @throws RangeError for invalid options (see {@link resolveReconnectOptions}).
 */
export function backoffDelay(attempt: number, options: ReconnectOptions = {}, random: () => number = Math.random): number {
  const o = resolveReconnectOptions(options);
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : attempt > 0 ? Infinity : 0;
  // A zero initial delay stays zero: a long outage would otherwise make it 0 * Infinity = NaN.
  const grown = o.initialDelayMs === 0 ? 0 : o.initialDelayMs * o.factor ** n;
  const base = Math.min(o.maxDelayMs, grown);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(base * (1 - o.jitter * r));
}
