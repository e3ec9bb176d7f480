/** Exponential backoff with jitter for reconnection. */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay. Default 100 ms. */
  readonly initialDelayMs?: number;
  /** Largest delay. Default 10000 ms. */
  readonly maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  readonly factor?: number;
  /** Random spread as a fraction of the delay (0..1). Default 0.2. */
  readonly jitter?: number;
}

/** Delay before attempt `n` (0 = first retry). */
export function backoffDelay(n: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelayMs ?? 10_000, (o.initialDelayMs ?? 100) * (o.factor ?? 2) ** n);
  const j = o.jitter ?? 0.2;
  return Math.max(0, Math.round(base * (1 - j + 2 * j * random())));
}
