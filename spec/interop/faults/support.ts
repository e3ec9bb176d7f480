/**
 * What the interop fault suite and the cluster failover test share: a watch over a reconnecting
 * client's `state$` (when it noticed a fault, when it was open again), the dead-peer options both
 * clients are given, and a trap for exceptions that escape to the process.
 */
import type { Observable, Subscription } from 'rxjs';
import type { ClientState, ClientStateName } from '../../../src/reconnect/state.js';

/**
 * Dead-peer deadlines for the handshake and for unanswered work (outcomes, receipts, attach and
 * flow answers). Spread into the client options rather than written in them: older builds of the
 * clients ignore the names they do not know (`connectTimeoutMs` is STOMP's name for the first).
 */
export const DEAD_PEER: { readonly connectTimeout: number; readonly responseTimeout: number } = {
  connectTimeout: 3000,
  responseTimeout: 3000,
};

/** The state changes of one client, with their times. */
export class StateWatch {
  readonly events: { readonly state: ClientStateName; readonly at: number; readonly url?: string }[] = [];
  private readonly sub: Subscription;
  private waiters: (() => void)[] = [];

  constructor(state$: Observable<ClientState>) {
    this.sub = state$.subscribe((s) => {
      this.events.push({ state: s.state, at: Date.now(), url: 'url' in s ? s.url : undefined });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  get current(): ClientStateName | undefined { return this.events[this.events.length - 1]?.state; }

  /** The URL of the connection open now (undefined when none is). */
  get openUrl(): string | undefined {
    const e = this.events[this.events.length - 1];
    return e?.state === 'open' ? e.url : undefined;
  }

  /**
   * The time of the first `state` event at index `from` or later; undefined when none comes
   * within `ms`.
   */
  waitFor(state: ClientStateName, from: number, ms: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== check); resolve(undefined); }, ms);
      t.unref();
      const check = (): void => {
        for (let i = from; i < this.events.length; i++) {
          if (this.events[i].state === state) { clearTimeout(t); resolve(this.events[i].at); return; }
        }
        this.waiters.push(check);
      };
      check();
    });
  }

  stop(): void { this.sub.unsubscribe(); }
}

/**
 * Records every exception that reaches the process ('uncaughtException', 'unhandledRejection')
 * while installed: in this suite, each one is a defect (nothing a peer sends may throw out of a
 * socket callback), asserted empty after each case.
 */
export class ProcessTrap {
  readonly caught: { readonly kind: string; readonly error: unknown }[] = [];
  private readonly onException = (error: unknown): void => { this.caught.push({ kind: 'uncaughtException', error }); };
  private readonly onRejection = (error: unknown): void => { this.caught.push({ kind: 'unhandledRejection', error }); };

  install(): void {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
  }

  uninstall(): void {
    process.off('uncaughtException', this.onException);
    process.off('unhandledRejection', this.onRejection);
  }

  describe(): string {
    return this.caught.map((c) => `${c.kind}: ${c.error instanceof Error ? c.error.stack ?? c.error.message : String(c.error)}`).join('\n');
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves after `ms` without keeping the process alive: for the bounds a case races its work
 * against, which must not hold mocha open for their full length once the case is over.
 */
export const bound = (ms: number): Promise<void> => new Promise((r) => { setTimeout(r, ms).unref(); });

/** A fixed-width text table (header row, then rows), for the suites' summaries. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
