/**
 * Durable topic subscriptions (AMQP 1.0 sections 2.6.6 and 3.5.3): a receiving link on a topic
 * whose source asks for terminus durability keeps its subscription queue when it detaches with
 * closed=false, keyed by the client's container-id and the link name. Messages published
 * meanwhile wait there (bounded like every queue, by maxQueueDepth: a full one stops the topic's
 * producers' credit, as a live subscriber would); the next attach with the same container-id and
 * name resumes it, and a detach with closed=true deletes it.
 *
 * What the broker answers is what it does: it keeps the subscription's configuration and its
 * messages, not the unsettled state of single deliveries (a detached link's unsettled messages go
 * back to the subscription queue and are delivered again on resumption), so a request for
 * 'unsettled-state' is answered 'configuration'. Expiry: 'never' keeps a detached subscription
 * until it is ended; 'link-detach' ends it at the detach (a plain subscription); 'session-end'
 * and 'connection-close' keep it until the connection that attached it closes, and are answered
 * 'connection-close'. A terminus timeout is not kept (answered 0).
 */
import type { Source, TerminusExpiryPolicy } from '../amqp/frames/definitions.generated.js';
import type { NodeRegistry } from './nodes.js';
import type { Queue } from './queue.js';

/** One durable subscription: its queue, and whether a link is on it now. */
interface DurableSubscription {
  readonly topic: string;
  readonly subscription: { readonly queue: Queue; close(): void };
  expiry: TerminusExpiryPolicy;
  /** The connection whose end ends it (expiry 'connection-close'); undefined otherwise. */
  owner: object | undefined;
  /** Ends the link on it now (its detach with amqp:link:stolen); undefined while detached. */
  holder: (() => void) | undefined;
}

/** A durable subscription as one link uses it. */
export interface DurableAttachment {
  readonly queue: Queue;
  /** The source to answer with: what the broker does (see the module comment). */
  readonly answer: Source;
  /** Whether the attach found the subscription there already (a resumption). */
  readonly resumed: boolean;
  /**
   * The link is gone: `closed` true (the client's detach with closed=true) deletes the
   * subscription; false keeps it (unless its expiry says otherwise); undefined (the connection
   * ended without a detach) keeps it only with expiry 'never'.
   */
  release(closed: boolean | undefined): void;
}

/** The durable subscriptions of one broker (one per NodeRegistry). */
export class DurableSubscriptions {
  private readonly subs = new Map<string, DurableSubscription>();

  constructor(private readonly registry: NodeRegistry) {}

  /** How many exist (attached or not). */
  get size(): number {
    return this.subs.size;
  }

  /**
   * The subscription `name` of `containerId` to `topic`, made or resumed, for a link whose
   * source is `source` on the connection `connection`. A subscription to another topic under the
   * same key is replaced (JMS does the same). One that has a link now is taken over: `steal` of
   * that link runs first (its detach with amqp:link:stolen, section 2.6.1), since the usual cause
   * is a client reconnecting before its dead connection was noticed. `steal` is this link's.
   */
  attach(containerId: string, name: string, topic: string, source: Source, connection: object, steal: () => void): DurableAttachment {
    const key = `${containerId}\u0000${name}`;
    let sub = this.subs.get(key);
    if (sub?.holder !== undefined) {
      const previous = sub.holder;
      sub.holder = undefined;
      previous();
    }
    if (sub !== undefined && sub.topic !== topic) {
      this.delete(key, sub);
      sub = undefined;
    }
    const resumed = sub !== undefined;
    const expiry = answeredExpiry(source.expiryPolicy);
    if (sub === undefined) {
      sub = { topic, subscription: this.registry.subscribe(this.registry.topic(topic)), expiry, owner: undefined, holder: undefined };
      this.subs.set(key, sub);
    }
    sub.expiry = expiry;
    sub.owner = expiry === 'connection-close' ? connection : undefined;
    sub.holder = steal;
    const s = sub;
    return {
      queue: s.subscription.queue,
      answer: { ...source, durable: 'configuration', expiryPolicy: expiry, timeout: 0 },
      resumed,
      release: (closed) => {
        if (s.holder !== steal) return; // stolen: the subscription is another link's now
        s.holder = undefined;
        if (this.subs.get(key) !== s) return;
        const keep = closed === false ? s.expiry !== 'link-detach' : closed === undefined && s.expiry === 'never';
        if (!keep) this.delete(key, s);
      },
    };
  }

  /** The connection `connection` closed: subscriptions that expire with it go. */
  connectionClosed(connection: object): void {
    for (const [key, s] of [...this.subs]) if (s.owner === connection && s.holder === undefined) this.delete(key, s);
  }

  private delete(key: string, s: DurableSubscription): void {
    this.subs.delete(key);
    s.subscription.close();
  }
}

/** The expiry policy the broker keeps for the one asked for (see the module comment). */
function answeredExpiry(asked: TerminusExpiryPolicy | undefined): TerminusExpiryPolicy {
  switch (asked) {
    case 'never': return 'never';
    case 'link-detach': return 'link-detach';
    default: return 'connection-close'; // 'session-end' (the default) and 'connection-close'
  }
}

const registries = new WeakMap<NodeRegistry, DurableSubscriptions>();

/** The durable subscriptions kept with `registry` (made on first use). */
export function durableSubscriptionsOf(registry: NodeRegistry): DurableSubscriptions {
  let d = registries.get(registry);
  if (d === undefined) registries.set(registry, (d = new DurableSubscriptions(registry)));
  return d;
}
