/**
 * The broker's nodes: queues and topics by name, created on first use, dynamic (temporary) queues,
 * the dead-letter policy and the counters. A topic is a set of subscription queues, one per
 * consuming link, each holding its own copy of every message published while it exists.
 */
import { resolveAddress, type NodeAddress } from './address.js';
import type { StoredMessage } from './message.js';
import { BrokerLimitError } from './limits.js';
import { Queue, type RoomListener } from './queue.js';

export interface NodeOptions {
  /** Most messages a queue (or a topic subscription) holds. Default: no bound. */
  readonly maxQueueDepth?: number;
  /** Where rejected messages go (an address); default none: they are dropped and counted. */
  readonly deadLetterAddress?: string;
  /** Queues and topics that may exist at once; one more is refused (BrokerLimitError). Default no bound. */
  readonly maxQueues?: number;
}

/** Broker-wide counters. */
export interface BrokerStats {
  /** Messages accepted from producers. */
  received: number;
  /** Messages rejected by consumers. */
  rejected: number;
  /** Rejected messages moved to the dead-letter address. */
  deadLettered: number;
  /** Rejected messages dropped (no dead-letter address). */
  dropped: number;
  /** Messages published to a topic without subscribers (discarded, as topics do). */
  unrouted: number;
}

/** Which messages a topic subscription wants (its selector); absent: all. */
export type SubscriptionFilter = (m: StoredMessage) => boolean;

export class Topic {
  readonly subscriptions = new Set<Queue>();
  /** The subscriptions with a selector: a message they do not select is never stored for them. */
  readonly filters = new Map<Queue, SubscriptionFilter>();
  private readonly roomListeners = new Set<RoomListener>();
  /** Producers attached to it (they keep it from being deleted as idle). */
  users = 0;
  /** Bumped by every publish and subscription (the idle sweep compares it between sweeps). */
  activity = 0;

  constructor(readonly name: string) {}

  /** Nothing refers to it: no subscription, producer, or anyone waiting for room. */
  get unused(): boolean {
    return this.subscriptions.size === 0 && this.users === 0 && this.roomListeners.size === 0;
  }

  /** Room left in the fullest subscription (Infinity with none or unbounded). */
  get room(): number {
    let r = Infinity;
    for (const q of this.subscriptions) r = Math.min(r, q.room);
    return r;
  }

  onRoom(l: RoomListener): () => void {
    this.roomListeners.add(l);
    return () => this.roomListeners.delete(l);
  }

  /** @internal a subscription gained room */
  notifyRoom(): void {
    for (const l of [...this.roomListeners]) l();
  }
}

export type Node = { readonly kind: 'queue'; readonly queue: Queue } | { readonly kind: 'topic'; readonly topic: Topic };

export class NodeRegistry {
  readonly stats: BrokerStats = { received: 0, rejected: 0, deadLettered: 0, dropped: 0, unrouted: 0 };
  private readonly queues = new Map<string, Queue>();
  private readonly topics = new Map<string, Topic>();
  private seq = 0;
  private dynamicCounter = 0;
  /** A node's `activity` at the last sweep that found it unused. */
  private readonly lastActivity = new WeakMap<Queue | Topic, number>();
  private readonly capacity: number;

  constructor(private readonly options: NodeOptions = {}) {
    this.capacity = options.maxQueueDepth ?? Infinity;
  }

  /** Whether queues have a capacity (then producers' credit follows the room left). */
  get bounded(): boolean {
    return this.capacity !== Infinity;
  }

  /** The queue of this name, created if needed (BrokerLimitError beyond maxQueues). */
  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (q === undefined) {
      this.checkRoomForNode(name);
      q = this.newQueue(name);
      this.queues.set(name, q);
    }
    return q;
  }

  /** Queues and topics that exist now. */
  get nodeCount(): number {
    return this.queues.size + this.topics.size;
  }

  private checkRoomForNode(name: string): void {
    const most = this.options.maxQueues ?? Infinity;
    if (this.nodeCount >= most) throw new BrokerLimitError('maxQueues', most, `cannot create ${JSON.stringify(name)}: ${most} queues and topics exist`);
  }

  /**
   * Delete what has stayed unused since the last sweep: auto-created queues with no messages,
   * consumers, producers or waiters, and topics with no subscription, producer or waiter. Called
   * every idleNodeTimeout / 2 or so by the broker; returns how many were deleted.
   */
  sweepIdle(): number {
    let n = 0;
    for (const [name, q] of this.queues) {
      const seen = this.lastActivity.get(q);
      if (!q.unused) { this.lastActivity.delete(q); continue; }
      if (seen === q.activity) {
        this.queues.delete(name);
        this.lastActivity.delete(q);
        n++;
      } else this.lastActivity.set(q, q.activity);
    }
    for (const [name, t] of this.topics) {
      const seen = this.lastActivity.get(t);
      if (!t.unused) { this.lastActivity.delete(t); continue; }
      if (seen === t.activity) {
        this.topics.delete(name);
        this.lastActivity.delete(t);
        n++;
      } else this.lastActivity.set(t, t.activity);
    }
    return n;
  }

  /** An existing queue, if any (for inspection). */
  findQueue(name: string): Queue | undefined {
    return this.queues.get(name);
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  topic(name: string): Topic {
    let t = this.topics.get(name);
    if (t === undefined) {
      this.checkRoomForNode(`topic/${name}`);
      t = new Topic(name);
      this.topics.set(name, t);
    }
    return t;
  }

  /** Whether the node exists already (using it would not create it). */
  has(address: NodeAddress): boolean {
    return address.kind === 'queue' ? this.queues.has(address.name) : this.topics.has(address.name);
  }

  node(address: NodeAddress): Node {
    return address.kind === 'queue' ? { kind: 'queue', queue: this.queue(address.name) } : { kind: 'topic', topic: this.topic(address.name) };
  }

  /** A new temporary queue with a generated, unguessable name (dynamic nodes). */
  createDynamicQueue(): Queue {
    let name: string;
    do {
      name = `tmp/${(++this.dynamicCounter).toString(36)}-${randomHex()}`;
    } while (this.queues.has(name));
    return this.queue(name);
  }

  /** Delete a queue (a dynamic node whose link closed). */
  deleteQueue(q: Queue): void {
    if (this.queues.get(q.name) === q) this.queues.delete(q.name);
    q.purge();
  }

  /** A subscription queue for one consumer of a topic; `close()` removes it. */
  subscribe(topic: Topic, filter?: SubscriptionFilter): { readonly queue: Queue; close(): void } {
    const queue = this.newQueue(`topic/${topic.name}#${++this.dynamicCounter}`);
    const stop = queue.onRoom(() => topic.notifyRoom());
    topic.subscriptions.add(queue);
    if (filter !== undefined) topic.filters.set(queue, filter);
    topic.activity++;
    return {
      queue,
      close: () => {
        stop();
        topic.subscriptions.delete(queue);
        topic.filters.delete(queue);
        queue.purge();
        topic.notifyRoom();
      },
    };
  }

  /** Store a message at a node. For a topic, every subscription gets it. */
  publish(node: Node, payload: Uint8Array): void {
    this.stats.received++;
    if (node.kind === 'queue') {
      node.queue.enqueue(this.message(payload));
      return;
    }
    node.topic.activity++;
    if (node.topic.subscriptions.size === 0) {
      this.stats.unrouted++;
      return;
    }
    const filters = node.topic.filters;
    for (const q of node.topic.subscriptions) {
      const m = this.message(payload);
      if (filters.size > 0 && filters.get(q)?.(m) === false) continue;
      q.enqueue(m);
    }
  }

  /** Room at a node for producers' credit. */
  room(node: Node): number {
    return node.kind === 'queue' ? node.queue.room : node.topic.room;
  }

  onRoom(node: Node, l: RoomListener): () => void {
    return node.kind === 'queue' ? node.queue.onRoom(l) : node.topic.onRoom(l);
  }

  private newQueue(name: string): Queue {
    return new Queue(name, this.capacity, { rejected: (m) => this.onRejected(m) });
  }

  private message(payload: Uint8Array): StoredMessage {
    return { seq: ++this.seq, payload, deliveryCount: 0 };
  }

  private onRejected(m: StoredMessage): void {
    this.stats.rejected++;
    const dla = resolveAddress(this.options.deadLetterAddress);
    if (dla === undefined) {
      this.stats.dropped++;
      return;
    }
    let node: Node;
    try {
      node = this.node(dla);
    } catch (err) {
      // No room for the dead-letter node (maxQueues): the message is dropped, as without one.
      if (!(err instanceof BrokerLimitError)) throw err;
      this.stats.dropped++;
      return;
    }
    this.stats.deadLettered++;
    if (node.kind === 'queue') node.queue.enqueue({ seq: ++this.seq, payload: m.payload, deliveryCount: m.deliveryCount });
    else for (const q of node.topic.subscriptions) q.enqueue({ seq: ++this.seq, payload: m.payload, deliveryCount: m.deliveryCount });
  }
}

function randomHex(): string {
  const b = new Uint8Array(6);
  globalThis.crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
