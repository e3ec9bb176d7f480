/**
 * Message pacing for `send`: --rate parsing, how many messages are due at a given time, and a
 * feeder that never runs more than a window ahead of the outcomes (the AMQP send operator's
 * buffer is bounded, and a synchronous source of a million messages would overflow it).
 */
import { Observable } from 'rxjs';
import { UsageError } from './errors.js';

/** `N/s`, `N/m` (per minute) or a bare `N` (per second); fractions allowed. Messages per second. */
export function parseRate(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|sec|m|min))?$/.exec(raw.trim());
  const n = m === null ? NaN : Number(m[1]) / (m[2] === 'm' || m[2] === 'min' ? 60 : 1);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`option --rate needs a positive rate such as 100/s, got "${raw}"`, 'rx-mq send');
  return n;
}

/** How many messages may have been emitted `elapsedMs` after the start: the first at once. */
export function dueCount(elapsedMs: number, rate: number): number {
  return Math.floor((Math.max(0, elapsedMs) * rate) / 1000) + 1;
}

/** When (ms after the start) message number `index` (0-based) is due. */
export function dueAt(index: number, rate: number): number {
  return Math.ceil((index * 1000) / rate);
}

/**
 * Emits `count` messages made by `make(i)`, at most `window` ahead of `settled()` calls, and no
 * faster than `rate` per second when given. The clock starts on subscribe, i.e. once connected.
 */
export class Feeder<T> {
  private emitted = 0;
  private settledCount = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly count: number,
    private readonly make: (i: number) => T,
    private readonly rate: number | undefined,
    private readonly window: number,
  ) {}

  /** Tell the feeder one more outcome arrived (frees room in the window). */
  settled(): void {
    this.settledCount++;
    this.wake?.();
  }

  readonly messages$: Observable<T> = new Observable<T>((sub) => {
    const start = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pumping = false;
    let again = false;
    let closed = false;
    const pump = (): void => {
      // Outcomes may arrive synchronously inside next(): loop instead of recursing.
      if (pumping) { again = true; return; }
      pumping = true;
      do {
        again = false;
        const due = this.rate === undefined ? this.count : Math.min(this.count, dueCount(Date.now() - start, this.rate));
        while (!closed && this.emitted < due && this.emitted - this.settledCount < this.window) sub.next(this.make(this.emitted++));
      } while (again && !closed);
      pumping = false;
      if (closed) return;
      if (this.emitted >= this.count) {
        closed = true;
        sub.complete();
        return;
      }
      if (this.rate !== undefined && timer === undefined) {
        const wait = Math.max(1, start + dueAt(this.emitted, this.rate) - Date.now());
        timer = setTimeout(() => { timer = undefined; pump(); }, wait);
      }
    };
    this.wake = pump;
    pump();
    return () => {
      closed = true;
      this.wake = undefined;
      if (timer !== undefined) clearTimeout(timer);
    };
  });
}
