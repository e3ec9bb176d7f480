/**
 * A queue: messages in arrival order, competing consumers served round-robin within their link
 * credit, and the outcomes that move messages (accepted removes, released requeues, modified
 * counts a failed delivery or avoids a consumer, rejected dead-letters or drops). A queue with a
 * capacity never refuses a message here: producers are given credit only while it has room.
 */
import type { AmqpMap } from '../amqp/codec/types.js';
import { rewriteMessage, type StoredMessage } from './message.js';

/** A consumer of a queue: one receiving link, as the queue sees it. */
export interface QueueConsumer {
  /** Messages it may take now (its link credit). */
  readonly credit: number;
  /** Whether it takes messages settled (at-most-once): the queue forgets them once sent. */
  readonly presettled: boolean;
  /** Send one message (uses one credit); false when this consumer cannot take it at all. */
  deliver(m: StoredMessage, queue: Queue): boolean;
  /** The queue has nothing more this consumer may take (answer a drain); the consumer asks, after a pump. */
  idle(): void;
  /** Whether it wants this message at all (a selector); absent: every message. */
  accepts?(m: StoredMessage): boolean;
}

/**
 * A browser of a queue (distribution-mode copy): it is offered a copy of each message waiting in
 * the queue, once each, in order, within its credit, and takes nothing away.
 */
export interface QueueBrowser extends QueueConsumer {
  /** The seq of the last message it was offered (0 before the first). */
  cursor: number;
}

/** Something that wants to know when a queue gains room or loses messages (producers' credit). */
export type RoomListener = () => void;

/** How a delivered message ended. */
export type QueueOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'released' }
  | { readonly kind: 'modified'; readonly deliveryFailed?: boolean; readonly undeliverableHere?: boolean; readonly messageAnnotations?: AmqpMap }
  | { readonly kind: 'rejected' };

export interface QueueHooks {
  /** A rejected message (its bytes), for the dead-letter policy. */
  rejected(m: StoredMessage, from: Queue): void;
}

export class Queue {
  private ready: StoredMessage[] = [];
  private readonly inflight = new Set<StoredMessage>();
  /**
   * Consumers in attach order for round-robin; a removed one leaves a hole (undefined) that is
   * compacted away once holes outnumber consumers, so that attach and detach are O(1).
   */
  private consumers: (QueueConsumer | undefined)[] = [];
  private readonly slots = new Map<QueueConsumer, number>();
  private readonly browsers: QueueBrowser[] = [];
  private readonly roomListeners = new Set<RoomListener>();
  private next = 0;
  private pumping = false;
  /** Set by pickConsumer: whether any consumer had credit (when it found none to take a message). */
  private anyCredit = false;
  /**
   * How many messages at the head of `ready` no current consumer will ever take (each one's
   * selector refuses them, or they declared them undeliverable-here): pumps start after them.
   * Reset when a consumer comes or a message is put back among them. Without it a selective
   * consumer would have every message it refuses evaluated again on every pump.
   */
  private deadPrefix = 0;
  /** Messages taken by consumers and settled accepted (or sent pre-settled). */
  delivered = 0;
  /** Producers attached to it (they keep it from being deleted as idle). */
  users = 0;
  /** Bumped by every message and consumer (the idle sweep compares it between sweeps). */
  activity = 0;

  constructor(
    readonly name: string,
    /** Most messages held (ready + delivered but unsettled); Infinity for no bound. */
    readonly capacity: number,
    private readonly hooks: QueueHooks,
  ) {}

  /** Messages held: waiting plus delivered and not yet settled. */
  get depth(): number {
    return this.ready.length + this.inflight.size;
  }

  /** Messages waiting for a consumer. */
  get readyCount(): number {
    return this.ready.length;
  }

  get consumerCount(): number {
    return this.slots.size;
  }

  /** Room left before the capacity (Infinity when unbounded). */
  get room(): number {
    return Math.max(0, this.capacity - this.depth);
  }

  /** Nothing refers to it: no message, consumer, producer, or anyone waiting for room. */
  get unused(): boolean {
    return this.ready.length === 0 && this.inflight.size === 0 && this.slots.size === 0 && this.browsers.length === 0 && this.users === 0 && this.roomListeners.size === 0;
  }

  enqueue(m: StoredMessage): void {
    this.activity++;
    this.ready.push(m);
    this.pump();
  }

  addConsumer(c: QueueConsumer): void {
    if (this.slots.has(c)) return;
    this.activity++;
    this.slots.set(c, this.consumers.length);
    this.consumers.push(c);
    this.deadPrefix = 0;
    this.pump();
  }

  /**
   * Remove a consumer; the caller gives back what it held with `settle(..., released)`. (Messages
   * that excluded it keep it in their `excluded` set: harmless, it is never offered anything again.)
   */
  removeConsumer(c: QueueConsumer): void {
    const i = this.slots.get(c);
    if (i === undefined) return;
    this.slots.delete(c);
    this.consumers[i] = undefined;
    if (this.consumers.length > 32 && this.slots.size * 2 < this.consumers.length) this.compact();
  }

  /** Drop the holes removed consumers left, keeping the round-robin order and position. */
  private compact(): void {
    const live: QueueConsumer[] = [];
    let next = 0;
    for (let i = 0; i < this.consumers.length; i++) {
      const c = this.consumers[i];
      if (c === undefined) continue;
      if (i < this.next) next = live.length + 1;
      this.slots.set(c, live.length);
      live.push(c);
    }
    this.consumers = live;
    this.next = live.length === 0 ? 0 : next % live.length;
  }

  addBrowser(b: QueueBrowser): void {
    this.browsers.push(b);
    this.pump();
  }

  removeBrowser(b: QueueBrowser): void {
    const i = this.browsers.indexOf(b);
    if (i >= 0) this.browsers.splice(i, 1);
  }

  onRoom(l: RoomListener): () => void {
    this.roomListeners.add(l);
    return () => this.roomListeners.delete(l);
  }

  /** The consumer `by` settled message `m` with `outcome`. */
  settle(m: StoredMessage, outcome: QueueOutcome, by: QueueConsumer): void {
    if (!this.inflight.delete(m)) return;
    switch (outcome.kind) {
      case 'accepted':
        this.delivered++;
        this.freed();
        break;
      case 'rejected':
        this.hooks.rejected(m, this);
        this.freed();
        break;
      case 'released':
        this.requeue(m);
        break;
      case 'modified':
        if (outcome.deliveryFailed) m.deliveryCount++;
        if (outcome.undeliverableHere) (m.excluded ??= new Set()).add(by);
        if (outcome.deliveryFailed || outcome.messageAnnotations !== undefined) {
          try {
            m.payload = rewriteMessage(m.payload, m.deliveryCount, outcome.messageAnnotations);
          } catch {
            // A message whose sections do not decode travels on unchanged.
          }
        }
        this.requeue(m);
        break;
    }
  }

  /** Hand waiting messages to consumers with credit, round-robin; tell idle ones so. */
  pump(): void {
    if (this.pumping) return; // deliver() may settle synchronously (pre-settled) and re-enter
    this.pumping = true;
    try {
      // Browsers first: they see what waits before consumers take it.
      if (this.browsers.length > 0) this.feedBrowsers();
      let i = this.deadPrefix;
      while (i < this.ready.length) {
        const m = this.ready[i];
        const c = this.pickConsumer(m);
        if (c === undefined) {
          if (i === this.deadPrefix && this.nobodyWants(m)) {
            this.deadPrefix++;
            i++;
            continue;
          }
          if (!this.anyCredit) break;
          i++; // nobody with credit may take this one; later messages may still go
          continue;
        }
        this.ready.splice(i, 1);
        if (!c.presettled) this.inflight.add(m);
        if (!c.deliver(m, this)) {
          // The consumer cannot take this message (larger than its max-message-size): keep it
          // for the others.
          this.inflight.delete(m);
          (m.excluded ??= new Set()).add(c);
          this.ready.splice(i, 0, m);
          continue;
        }
        if (c.presettled) {
          this.delivered++;
          this.freed();
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Drop everything (the node is being deleted); returns what was waiting. */
  purge(): StoredMessage[] {
    const all = [...this.ready, ...this.inflight];
    this.ready = [];
    this.deadPrefix = 0;
    this.inflight.clear();
    return all;
  }

  /** Offer each browser, within its credit, the waiting messages after its cursor. */
  private feedBrowsers(): void {
    for (const b of [...this.browsers]) {
      // `ready` is in seq order (requeue keeps it so): start after the cursor.
      let lo = 0;
      let hi = this.ready.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.ready[mid].seq <= b.cursor) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.ready.length && b.credit > 0; i++) {
        const m = this.ready[i];
        b.cursor = m.seq;
        if (b.accepts === undefined || b.accepts(m)) b.deliver(m, this);
      }
      if (b.credit > 0) b.idle();
    }
  }

  /** Whether no consumer, with credit or not, would take `m` (selectors, undeliverable-here). */
  private nobodyWants(m: StoredMessage): boolean {
    if (this.slots.size === 0) return false;
    for (const c of this.consumers) {
      if (c !== undefined && m.excluded?.has(c) !== true && (c.accepts === undefined || c.accepts(m))) return false;
    }
    return true;
  }

  private pickConsumer(m: StoredMessage): QueueConsumer | undefined {
    const n = this.consumers.length;
    this.anyCredit = false;
    for (let k = 0; k < n; k++) {
      const idx = (this.next + k) % n;
      const c = this.consumers[idx];
      if (c === undefined || c.credit <= 0) continue;
      this.anyCredit = true;
      if (m.excluded?.has(c) !== true && (c.accepts === undefined || c.accepts(m))) {
        this.next = (idx + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  /** Back in arrival order, ahead of newer messages. */
  private requeue(m: StoredMessage): void {
    let lo = 0;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ready[mid].seq < m.seq) lo = mid + 1;
      else hi = mid;
    }
    this.ready.splice(lo, 0, m);
    if (lo < this.deadPrefix) this.deadPrefix = 0;
    this.pump();
  }

  private freed(): void {
    for (const l of [...this.roomListeners]) l();
    this.pump();
  }
}
