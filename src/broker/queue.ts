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
  private readonly roomListeners = new Set<RoomListener>();
  private next = 0;
  private pumping = false;
  /** Set by pickConsumer: whether any consumer had credit (when it found none to take a message). */
  private anyCredit = false;
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
    return this.ready.length === 0 && this.inflight.size === 0 && this.slots.size === 0 && this.users === 0 && this.roomListeners.size === 0;
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
      let i = 0;
      while (i < this.ready.length) {
        const m = this.ready[i];
        const c = this.pickConsumer(m);
        if (c === undefined) {
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
    this.inflight.clear();
    return all;
  }

  private pickConsumer(m: StoredMessage): QueueConsumer | undefined {
    const n = this.consumers.length;
    this.anyCredit = false;
    for (let k = 0; k < n; k++) {
      const idx = (this.next + k) % n;
      const c = this.consumers[idx];
      if (c === undefined || c.credit <= 0) continue;
      this.anyCredit = true;
      if (m.excluded?.has(c) !== true) {
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
    this.pump();
  }

  private freed(): void {
    for (const l of [...this.roomListeners]) l();
    this.pump();
  }
}
