/**
 * The server's view of one connection's subscriptions and the messages delivered on them that
 * still wait for an ACK or NACK. Message ids are unique per connection, so an ACK can be resolved
 * from its id alone; `client` mode covers every earlier unacknowledged message of the subscription
 * (cumulative), `client-individual` exactly one, `auto` keeps nothing.
 */
import type { AckMode } from './engine.js';

export interface ServerSubscription {
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
  /** Unacknowledged message ids in delivery order (Map keeps insertion order). */
  readonly pending: Map<string, true>;
}

export class SubscriptionTable {
  private readonly subs = new Map<string, ServerSubscription>();
  /** Which subscription each pending message id belongs to. */
  private readonly owner = new Map<string, ServerSubscription>();

  get size(): number { return this.subs.size; }

  get(id: string): ServerSubscription | undefined { return this.subs.get(id); }

  add(id: string, destination: string, ack: AckMode): ServerSubscription {
    const s: ServerSubscription = { id, destination, ack, pending: new Map() };
    this.subs.set(id, s);
    return s;
  }

  /** Remove a subscription; returns its unacknowledged message ids. */
  remove(id: string): string[] {
    const s = this.subs.get(id);
    if (s === undefined) return [];
    this.subs.delete(id);
    const ids = [...s.pending.keys()];
    for (const m of ids) this.owner.delete(m);
    return ids;
  }

  /** Remove every subscription; returns every unacknowledged message id. */
  clear(): string[] {
    const ids = [...this.owner.keys()];
    this.subs.clear();
    this.owner.clear();
    return ids;
  }

  /** Record a delivery that needs an acknowledgement. */
  delivered(s: ServerSubscription, messageId: string): void {
    if (s.ack === 'auto') return;
    s.pending.set(messageId, true);
    this.owner.set(messageId, s);
  }

  /** The subscription a pending message belongs to, if it is still pending. */
  ownerOf(messageId: string): ServerSubscription | undefined {
    return this.owner.get(messageId);
  }

  /**
   * Settle `messageId` (and, in client mode, every earlier pending message of its subscription);
   * returns the ids settled, empty when it is not pending (already settled).
   */
  settle(messageId: string): { subscription: string; ids: string[] } | undefined {
    const s = this.owner.get(messageId);
    if (s === undefined) return undefined;
    const ids: string[] = [];
    if (s.ack === 'client') {
      for (const m of s.pending.keys()) {
        ids.push(m);
        if (m === messageId) break;
      }
    } else {
      ids.push(messageId);
    }
    for (const m of ids) {
      s.pending.delete(m);
      this.owner.delete(m);
    }
    return { subscription: s.id, ids };
  }
}
