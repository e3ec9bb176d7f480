/**
 * At-least-once workloads for the reconnecting clients, written once for both protocols and used
 * by the interop fault suite (spec/interop/faults/) and the cluster failover test
 * (spec/interop/cluster/): paced sends that count outcomes (AMQP) or receipts (STOMP), consumers
 * that settle by hand (accept / ACK) after a delay, a drain that reads a queue back, and the tally
 * that turns it all into sent / confirmed / received / lost / duplicated.
 *
 * Message bodies are their sequence numbers ("0", "1", ...): what arrives is identified without
 * relying on any header a broker may rewrite.
 */
import { Observable, type Subscription } from 'rxjs';
import type { AmqpClient } from '../../src/amqp/rx/client.js';
import type { Message } from '../../src/amqp/rx/message.js';
import type { ReceivedMessage } from '../../src/amqp/rx/receiver.js';
import type { StompClient } from '../../src/stomp/rx/client.js';
import type { StompMessage } from '../../src/stomp/rx/message.js';

/** Counts of one workload. Receives are by sequence number; `expected` is how many were sent. */
export class Tally {
  sent = 0;
  confirmed = 0;
  /** Confirmations that were not a success (rejected, released, modified): none is expected. */
  refused = 0;
  received = 0;
  readonly distinct = new Set<number>();
  private waiters: (() => void)[] = [];

  constructor(readonly expected: number) {}

  /** Arrivals that are none of the messages sent (a body that is not a sequence number below `expected`). */
  foreign = 0;

  receive(id: number): void {
    this.received++;
    if (!(Number.isInteger(id) && id >= 0 && id < this.expected)) { this.foreign++; return; }
    if (!this.distinct.has(id)) {
      this.distinct.add(id);
      if (this.distinct.size >= this.expected) { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
    }
  }

  /** Sent messages never received (by sequence number, among 0..expected-1). */
  get lost(): number {
    let n = 0;
    for (let i = 0; i < this.expected; i++) if (!this.distinct.has(i)) n++;
    return n;
  }

  get duplicated(): number { return this.received - this.foreign - this.distinct.size; }

  /** The first few missing sequence numbers, for a failure message. */
  missing(max = 10): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.expected && out.length < max; i++) if (!this.distinct.has(i)) out.push(i);
    return out;
  }

  /** Resolves once every expected message has arrived at least once, or after `ms` (false). */
  all(ms: number): Promise<boolean> {
    if (this.distinct.size >= this.expected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== done); resolve(false); }, ms);
      // A bound, not work: it must not keep the process alive.
      t.unref();
      const done = (): void => { clearTimeout(t); resolve(true); };
      this.waiters.push(done);
    });
  }

  /**
   * The counts in one line. Of a workload that did not finish, the messages not received are not
   * (yet) lost: they are reported as outstanding.
   */
  line(finished = true): string {
    return `sent ${this.sent}, confirmed ${this.confirmed}${this.refused > 0 ? ` (+${this.refused} refused)` : ''}, received ${this.received}, `
      + `${finished ? 'lost' : 'outstanding (unfinished)'} ${this.lost}, duplicated ${this.duplicated}${this.foreign > 0 ? `, foreign ${this.foreign}` : ''}`;
  }
}

/** How fast a producer emits: `batch` messages every `everyMs`. */
export interface Pace { readonly batch: number; readonly everyMs: number }

/** `count` sequence numbers, `pace.batch` every `pace.everyMs`; counts them as sent. */
function paced<T>(count: number, pace: Pace, tally: Tally, make: (i: number) => T): Observable<T> {
  return new Observable<T>((s) => {
    let i = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      for (let k = 0; k < pace.batch && i < count; k++) { tally.sent++; s.next(make(i++)); }
      if (i < count) timer = setTimeout(tick, pace.everyMs);
      else s.complete();
    };
    tick();
    return () => clearTimeout(timer);
  });
}

/** Run `o` to its end; the subscription is returned through `hold` so a caller can stop it. */
function run<T>(o: Observable<T>, each: (v: T) => void, hold?: (s: Subscription) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sub = o.subscribe({ next: each, error: reject, complete: resolve });
    hold?.(sub);
  });
}

/** Send `count` at-least-once messages to `address`; resolves once each has its outcome. */
export function amqpSend(client: AmqpClient, address: string, count: number, pace: Pace, tally: Tally, hold?: (s: Subscription) => void): Promise<void> {
  const source = paced<Message<string>>(count, pace, tally, (i) => ({ body: String(i), durable: true }));
  return run(source.pipe(client.send(address, { bufferSize: count, delivery: 'at-least-once' })), (o) => {
    if (o.state === 'accepted') tally.confirmed++;
    else tally.refused++;
  }, hold);
}

/** Send `count` receipted messages to `destination`; resolves once each has its RECEIPT. */
export function stompSend(client: StompClient, destination: string, count: number, pace: Pace, tally: Tally, hold?: (s: Subscription) => void): Promise<void> {
  const source = paced(count, pace, tally, (i) => ({ body: String(i), headers: { persistent: 'true' } }));
  return run(source.pipe(client.send(destination)), (r) => {
    if (r.state === 'receipted') tally.confirmed++;
    else tally.refused++;
  }, hold);
}

/** A running consumer; `stop()` ends it (messages not yet settled go back to the broker). */
export interface Consumer {
  stop(): void;
  /** Errors the stream ended with (none expected: the clients reconnect). */
  readonly errors: unknown[];
  /** Resolves with the error the stream ended with, if it does. */
  readonly failed: Promise<unknown>;
  /** Settles that failed because their connection was already gone (the message comes again). */
  settleFailures: number;
}

export interface ConsumeOptions {
  /** Credit (AMQP) or prefetch (STOMP): unsettled messages at most. */
  readonly window: number;
  /** How long each message is "processed" before it is settled (ms): paces the consumer. */
  readonly settleDelayMs: number;
  /**
   * STOMP: ACK with a receipt (`ack({ receipt: true })`), so that every ACK is work awaiting the
   * broker's answer, which the client's `responseTimeout` watches. Without it a consumer has
   * nothing outstanding, and a broker that goes on sending heart-beats (or trickles bytes) while
   * not answering cannot be told from a quiet one. AMQP needs no such option: the client probes a
   * silent receiver holding credit (a flow with echo).
   */
  readonly ackReceipts?: boolean;
}

function consumer<M>(source: Observable<M>, tally: Tally, o: ConsumeOptions, id: (m: M) => number, settle: (m: M) => Promise<void> | void): Consumer {
  let fail: (e: unknown) => void = () => {};
  const c: Consumer = { stop: () => {}, errors: [], failed: new Promise<unknown>((r) => { fail = r; }), settleFailures: 0 };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const failed = (): void => { c.settleFailures++; };
  const sub = source.subscribe({
    next: (m) => {
      const t = setTimeout(() => {
        timers.delete(t);
        // Counted when settled: a message whose settle is lost with its connection comes again,
        // and is then a duplicate.
        tally.receive(id(m));
        try {
          const r = settle(m);
          if (r !== undefined) r.catch(failed);
        } catch { failed(); }
      }, o.settleDelayMs);
      timers.add(t);
    },
    error: (e: unknown) => { c.errors.push(e); fail(e); },
  });
  c.stop = () => { for (const t of timers) clearTimeout(t); timers.clear(); sub.unsubscribe(); };
  return c;
}

/** Consume `address` with manual settlement: each message accepted after `settleDelayMs`. */
export function amqpConsume(client: AmqpClient, address: string, tally: Tally, o: ConsumeOptions): Consumer {
  return consumer<ReceivedMessage<string>>(client.receive<string>(address, { credit: o.window, settle: 'manual' }), tally, o,
    (m) => Number(m.body), (m) => m.accept());
}

/** Consume `destination` with client-individual ACKs: each message ACKed after `settleDelayMs`. */
export function stompConsume(client: StompClient, destination: string, tally: Tally, o: ConsumeOptions): Consumer {
  const ackOptions = o.ackReceipts === true ? { receipt: true } : undefined;
  return consumer<StompMessage>(client.subscribe(destination, { ack: 'client-individual', prefetch: o.window }), tally, o,
    (m) => Number(m.text), (m) => m.ack(ackOptions));
}

/**
 * Read a queue back (auto-settled): until `tally` has every expected message and nothing more has
 * come for `quietMs` (so that duplicates behind them are counted too), or `boundMs` has passed.
 */
export async function drain(receive: (each: (id: number) => void) => Subscription, tally: Tally, boundMs = 30_000, quietMs = 700): Promise<void> {
  let last = Date.now();
  const sub = receive((id) => { last = Date.now(); tally.receive(id); });
  try {
    const deadline = Date.now() + boundMs;
    await tally.all(boundMs);
    while (Date.now() - last < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    sub.unsubscribe();
  }
}

export const amqpDrainer = (client: AmqpClient, address: string) => (each: (id: number) => void): Subscription =>
  client.receive<string>(address, { credit: 500 }).subscribe({ next: (m) => each(Number(m.body)), error: () => {} });

export const stompDrainer = (client: StompClient, destination: string) => (each: (id: number) => void): Subscription =>
  client.subscribe(destination, { ack: 'auto' }).subscribe({ next: (m) => each(Number(m.text)), error: () => {} });
