/**
 * Link routing: a client's sending link becomes a Producer (our receiving end, publishing into a
 * node and given credit only while the node has room); a client's receiving link becomes a
 * Consumer (our sending end, taking messages from a queue within its credit and answering drain).
 */
import { string } from '../amqp/codec/values.js';
import type { Coordinator, DeliveryState, Source, Target } from '../amqp/frames/definitions.generated.js';
import { AmqpError } from '../amqp/engine/errors.js';
import type { IncomingDelivery, Link, OutgoingDelivery, ReceiverLink, SenderLink } from '../amqp/engine/link.js';
import { addressText, resolveAddress, type NodeAddress } from './address.js';
import { messageTo, type StoredMessage } from './message.js';
import { durableSubscriptionsOf } from './durable.js';
import type { Node, NodeRegistry } from './nodes.js';
import type { Queue, QueueBrowser, QueueOutcome } from './queue.js';
import { applyFilters } from './filters.js';
import { ACCEPTED } from '../amqp/frames/fast-performatives.js';
import type { TransactionCoordinator } from './coordinator.js';
import { answerSource, answerTarget, type SourceAnswer } from './terminus.js';
import type { Access, NodeAccess } from './permissions.js';

/** Refuse with amqp:unauthorized-access what the connection's user may not do with a node. */
function authorize(ctx: LinkContext, access: Access, node: NodeAddress, scope: 'link' | 'delivery'): void {
  const why = ctx.access?.refusal(access, node, ctx.registry.has(node));
  if (why !== undefined) throw new AmqpError('amqp:unauthorized-access', why, scope, true);
}
import type { FaultSink } from './boundary.js';
import { BrokerLimitError } from './limits.js';

/** What links need from the connection they live on. */
export interface LinkContext extends FaultSink {
  readonly registry: NodeRegistry;
  /** Write the connection's pending output soon (links may be driven from other connections). */
  flushSoon(): void;
  /** Credit window given to each producer link. */
  readonly producerCredit: number;
  /** The connection's transaction coordinator (coordinator.ts). */
  readonly transactions: TransactionCoordinator;
  /** The client's container-id (from its open): durable subscriptions are kept under it. */
  readonly containerId: string;
  /** What the connection's user may do with nodes; undefined: everything. */
  readonly access: NodeAccess | undefined;
  /** Largest message a producer may send, advertised in its attach (undefined: no bound). */
  readonly maxMessageSize: number | undefined;
  /** Whether messages may be handed to the connection now (its socket is not backed up). */
  canWrite(): boolean;
  /**
   * Put off a producer's credit top-up to the end of the batch of events being handled, if one
   * is (returns true then). The engine counts every transfer of a read against credit before the
   * broker stores the first: room and credit only agree once the whole batch is stored.
   */
  deferRefill(p: Producer): boolean;
}

/** A broker-side link end the connection keeps until it closes. */
export interface BrokerLink {
  readonly link: Link;
  /**
   * The link is gone: `closed` is the client's detach's closed flag (false: a durable
   * subscription stays), undefined when the connection ended without a detach.
   */
  close(closed?: boolean): void;
}

const asSource = (v: unknown): Source | undefined =>
  typeof v === 'object' && v !== null && (v as Source).kind === 'source' ? (v as Source) : undefined;
const asTarget = (v: unknown): Target | undefined =>
  typeof v === 'object' && v !== null && (v as Target).kind === 'target' ? (v as Target) : undefined;

/** Answer a remote attach: route it, or refuse it (null terminus, then detach with the error). */
export function answerAttach(link: Link, ctx: LinkContext): BrokerLink | undefined {
  try {
    return link.role === 'receiver' ? attachProducer(link as ReceiverLink, ctx) : attachConsumer(link as SenderLink, ctx);
  } catch (err) {
    // A refusal the broker means (an AmqpError) costs the link; anything else is a fault and
    // goes to the connection's boundary (closed with amqp:internal-error, reported).
    if (err instanceof BrokerLimitError) return refuseAttach(link, ctx, new AmqpError('amqp:resource-limit-exceeded', err.message, 'link', true));
    if (!(err instanceof AmqpError)) throw err;
    return refuseAttach(link, ctx, err);
  }
}

/** Refuse a remote attach: our attach with null termini (if not sent yet), then detach with `error`. */
export function refuseAttach(link: Link, ctx: LinkContext, error: AmqpError): undefined {
  if (link.state === 'attach-received') link.attach(0, { source: undefined, target: undefined });
  link.detach(error, true);
  ctx.flushSoon();
  return undefined;
}

function attachProducer(link: ReceiverLink, ctx: LinkContext): BrokerLink {
  const raw = link.remote?.target;
  if (typeof raw === 'object' && raw !== null && (raw as { kind?: string }).kind === 'coordinator') {
    return ctx.transactions.attachControl(link, (raw as Coordinator).capabilities);
  }
  const target = asTarget(raw);
  let node: Node | undefined;
  let dynamic: Queue | undefined;
  let answer: Target | undefined;
  if (target?.dynamic) {
    dynamic = ctx.registry.createDynamicQueue();
    node = { kind: 'queue', queue: dynamic };
    answer = answerTarget(target, string(dynamic.name), undefined);
  } else {
    const address = resolveAddress(addressText(target?.address), target?.capabilities);
    if (address !== undefined) authorize(ctx, 'write', address, 'link');
    node = address === undefined ? undefined : ctx.registry.node(address);
    // No target at all stays none; a target without an address is the anonymous relay.
    answer = target === undefined ? undefined : answerTarget(target, address === undefined ? undefined : target.address, address?.kind);
  }
  link.attach(undefined, { target: answer, rcvSettleMode: 'first', maxMessageSize: ctx.maxMessageSize });
  const p = new Producer(link, node, dynamic, ctx);
  p.refill();
  return p;
}

function attachConsumer(link: SenderLink, ctx: LinkContext): BrokerLink {
  const source = asSource(link.remote?.source);
  if (source === undefined) throw new AmqpError('amqp:invalid-field', 'a receiving link needs a source', 'link', true);
  // A selector that does not parse refuses the attach (amqp:invalid-field) before anything exists.
  const filters = applyFilters(source.filter);
  const selector = filters.selector;
  const accepts = selector === undefined ? undefined : (m: StoredMessage): boolean => selector.matches(m);
  let queue: Queue;
  let onClose: (closed: boolean | undefined) => void = () => {};
  let answer: SourceAnswer;
  /** A durable subscription answers for itself (durable.ts): what it keeps across detaches. */
  let durableAnswer: Source | undefined;
  let browse = false;
  let stolen: Consumer | undefined;
  if (source.dynamic) {
    // Only this link reads a dynamic queue: browsing it would keep everything forever, so it moves.
    queue = ctx.registry.createDynamicQueue();
    answer = { address: string(queue.name), kind: undefined, distributionMode: 'move', filter: filters.answer };
    onClose = () => ctx.registry.deleteQueue(queue);
  } else {
    const node = resolveAddress(addressText(source.address), source.capabilities);
    if (node === undefined || source.address === undefined) throw new AmqpError('amqp:invalid-field', 'a receiving link needs a source address', 'link', true);
    authorize(ctx, 'read', node, 'link');
    const copy = source.distributionMode === 'copy';
    // The address exactly as requested: `/queue/X` is answered `/queue/X`, not `X`.
    answer = { address: source.address, kind: node.kind, distributionMode: copy ? 'copy' : 'move', filter: filters.answer };
    if (node.kind === 'queue') {
      queue = ctx.registry.queue(node.name);
      browse = copy;
    } else if (source.durable !== undefined && source.durable !== 'none') {
      // A durable subscription (durable.ts): kept across detaches with closed=false.
      const d = durableSubscriptionsOf(ctx.registry).attach(ctx.containerId, link.name, node.name, source, ctx, () => {
        // Taken over by a newer link with the same container-id and name.
        link.detach(new AmqpError('amqp:link:stolen', `durable subscription ${link.name} was taken over by a newer link`, 'link', true), false);
        stolen?.close(false);
        ctx.flushSoon();
      });
      queue = d.queue;
      durableAnswer = d.answer;
      onClose = d.release;
    } else {
      // A topic subscription is a copy of the topic's messages either way; its selector decides
      // what is stored for it at all.
      const sub = ctx.registry.subscribe(ctx.registry.topic(node.name), accepts);
      queue = sub.queue;
      onClose = () => sub.close();
    }
  }
  link.attach(0, { source: durableAnswer ?? answerSource(source, answer) });
  const c = new Consumer(link, queue, onClose, ctx, browse, accepts);
  stolen = c;
  if (browse) queue.addBrowser(c);
  else queue.addConsumer(c);
  return c;
}

// ---------------------------------------------------------------------------------------------

/**
 * The producers of one bounded node share its room: credit granted never exceeds what the node
 * can hold. One room listener per node serves them all (one per producer made every settle cost
 * n refills of n producers each).
 */
class ProducerGroup {
  readonly members = new Set<Producer>();
  private readonly stopRoom: () => void;

  constructor(private readonly node: Node, private readonly ctx: LinkContext, private readonly key: object) {
    // Room is announced from whichever connection settled: refill each member in its own
    // boundary, so that a failure costs the connection it belongs to.
    this.stopRoom = ctx.registry.onRoom(node, () => this.refill());
  }

  /** Top up every member's credit within the node's room. */
  refill(): void {
    let free = this.ctx.registry.room(this.node);
    for (const p of this.members) free -= p.outstanding;
    for (const p of this.members) {
      if (free <= 0) break;
      free -= p.grantWithin(free);
    }
  }

  leave(p: Producer): void {
    this.members.delete(p);
    if (this.members.size > 0) return;
    this.stopRoom();
    groups.delete(this.key);
  }
}

const groups = new WeakMap<object, ProducerGroup>();

class Producer implements BrokerLink {
  /** The producers of a bounded node (undefined: unbounded, or the anonymous relay). */
  private readonly group: ProducerGroup | undefined;
  private closed = false;

  constructor(
    readonly link: ReceiverLink,
    /** The target node; undefined for the anonymous relay (each message's `to` decides). */
    private readonly node: Node | undefined,
    private readonly dynamic: Queue | undefined,
    private readonly ctx: LinkContext,
  ) {
    if (node !== undefined) nodeUsers(node, 1);
    if (node !== undefined && ctx.registry.bounded) {
      const key = nodeKey(node);
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = new ProducerGroup(node, ctx, key)));
      g.members.add(this);
      this.group = g;
    }
  }

  get outstanding(): number {
    return this.link.credit.credit;
  }

  /** Top up credit: this producer's alone (unbounded), or every producer's of the node within its room. */
  refill(): void {
    if (this.ctx.deferRefill(this)) return;
    if (this.group === undefined) this.topUp(this.ctx.producerCredit);
    else this.group.refill();
  }

  /** @internal (ProducerGroup) raise credit by at most `free`; returns credit added. */
  grantWithin(free: number): number {
    try {
      return this.topUp(Math.min(this.ctx.producerCredit, this.outstanding + free));
    } catch (err) {
      this.ctx.fault(err);
      return 0;
    }
  }

  /** Raise credit towards `target` when at most half the window is left; returns credit added. */
  private topUp(target: number): number {
    if (this.closed || this.link.state !== 'attached') return 0;
    const have = this.outstanding;
    if (target <= have || have > this.ctx.producerCredit / 2) return 0;
    this.link.flow(target);
    this.ctx.flushSoon();
    return target - have;
  }

  onDelivery(d: IncomingDelivery): void {
    let outcome: DeliveryState = ACCEPTED;
    try {
      let node = this.node;
      if (node === undefined) {
        const to = resolveAddress(messageTo(d.payload));
        if (to === undefined) throw new AmqpError('amqp:not-found', 'a message sent to the anonymous relay needs a `to` address', 'delivery', true);
        authorize(this.ctx, 'write', to, 'delivery');
        node = this.ctx.registry.node(to);
      }
      const state = d.state;
      if (state?.kind === 'transactional-state') {
        // Posted in a transaction: held by it until the commit (coordinator.ts).
        const t = this.ctx.transactions.find(state);
        if (t instanceof AmqpError) throw t;
        outcome = this.ctx.transactions.post(t, node, d.payload);
      } else {
        if (this.ctx.registry.room(node) <= 0) {
          throw new AmqpError('amqp:resource-limit-exceeded', 'the node is full (the message was sent without credit)', 'delivery', true);
        }
        this.ctx.registry.publish(node, d.payload);
      }
    } catch (err) {
      const e = err instanceof AmqpError ? err
        : err instanceof BrokerLimitError ? new AmqpError('amqp:resource-limit-exceeded', err.message, 'delivery', true)
        : new AmqpError('amqp:decode-error', String(err), 'delivery', true);
      outcome = { kind: 'rejected', error: e.toErrorInfo() };
    }
    // The client may have detached (or ended the session, or closed) in the same read as the
    // transfer: the message is stored all the same (read is read; at-least-once allows the
    // duplicate if the client sends it again), but no outcome can travel on a closed link.
    if (this.link.state === 'closed') return;
    if (!d.settled) this.link.settle(d, outcome);
    this.refill();
    this.ctx.flushSoon();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.node !== undefined) nodeUsers(this.node, -1);
    this.group?.leave(this);
    if (this.dynamic !== undefined) this.ctx.registry.deleteQueue(this.dynamic);
  }
}

/** Count a producer in or out of its node (a node with producers is never deleted as idle). */
function nodeUsers(n: Node, by: 1 | -1): void {
  if (n.kind === 'queue') n.queue.users += by;
  else n.topic.users += by;
}

function nodeKey(n: Node): object {
  return n.kind === 'queue' ? n.queue : n.topic;
}

// ---------------------------------------------------------------------------------------------

class Consumer implements QueueBrowser, BrokerLink {
  private readonly inflight = new Map<OutgoingDelivery, StoredMessage>();
  private closed = false;
  /** Browsers: the last message offered. */
  cursor = 0;

  constructor(
    readonly link: SenderLink,
    private readonly queue: Queue,
    private readonly onClose: (closed: boolean | undefined) => void,
    private readonly ctx: LinkContext,
    /** distribution-mode copy: sent copies, its outcomes change nothing in the queue. */
    private readonly browsing: boolean,
    /** Its selector, when it has one. */
    readonly accepts: ((m: StoredMessage) => boolean) | undefined,
  ) {}

  get credit(): number {
    if (this.closed || this.link.state !== 'attached') return 0;
    const c = this.link.credit.credit;
    return c > 0 && this.ctx.canWrite() ? c : 0;
  }

  /** The connection's socket drained: take what the queue holds for us. */
  resume(): void {
    if (!this.closed) this.queue.pump();
  }

  get presettled(): boolean {
    return this.link.options.sndSettleMode === 'settled';
  }

  deliver(m: StoredMessage): boolean {
    const max = this.link.remoteMaxMessageSize;
    if (max !== undefined && m.payload.length > max) return false;
    // Called from whichever connection published: a failure here is this connection's.
    try {
      const d = this.link.send(m.payload, { settled: this.presettled });
      if (!this.presettled && !this.browsing) this.inflight.set(d, m);
      if (this.link.credit.credit === 0 && this.link.drainRequested) this.link.drained();
      this.ctx.flushSoon();
      return true;
    } catch (err) {
      this.ctx.fault(err);
      return false;
    }
  }

  idle(): void {
    if (this.link.drainRequested && this.link.state === 'attached') {
      this.link.drained();
      this.ctx.flushSoon();
    }
  }

  /** The client changed credit or asked to drain. */
  onFlow(): void {
    this.queue.pump();
    // What the queue could hand over is sent: a drain gives back the rest of the credit now.
    if (this.link.drainRequested) this.idle();
  }

  /** The client's outcome for one of our deliveries. */
  onUpdate(d: OutgoingDelivery): void {
    const m = this.inflight.get(d);
    if (m === undefined) return;
    const s = d.remoteState;
    if (s?.kind === 'transactional-state') {
      if (s.outcome === undefined && !d.remoteSettled) return; // names its transaction, no outcome yet
      this.inflight.delete(d);
      // Settled in a transaction: the outcome waits for the commit; an unknown transaction cannot
      // be refused on a disposition, so the message is given back rather than lost.
      const t = this.ctx.transactions.find(s);
      const outcome = toOutcome(s.outcome as DeliveryState | undefined) ?? { kind: 'accepted' };
      if (t instanceof AmqpError) this.queue.settle(m, { kind: 'released' }, this);
      else this.ctx.transactions.retire(t, this.queue, m, outcome, this);
      this.ctx.flushSoon();
      return;
    }
    const outcome = toOutcome(s);
    if (outcome === undefined && !d.remoteSettled) return; // 'received' progress only
    this.inflight.delete(d);
    this.queue.settle(m, outcome ?? { kind: 'accepted' }, this);
    this.ctx.flushSoon();
  }

  close(closed?: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.browsing) this.queue.removeBrowser(this);
    else this.queue.removeConsumer(this);
    // Unsettled messages go back for another consumer (or the durable subscription's next
    // link), counted as a failed delivery.
    const held = [...this.inflight.values()];
    this.inflight.clear();
    for (const m of held) this.queue.settle(m, { kind: 'modified', deliveryFailed: true }, this);
    this.onClose(closed);
  }
}

function toOutcome(s: DeliveryState | undefined): QueueOutcome | undefined {
  switch (s?.kind) {
    case 'accepted': return { kind: 'accepted' };
    case 'released': return { kind: 'released' };
    case 'rejected': return { kind: 'rejected' };
    case 'modified':
      return { kind: 'modified', deliveryFailed: s.deliveryFailed, undeliverableHere: s.undeliverableHere, messageAnnotations: s.messageAnnotations };
    default: return undefined;
  }
}

export { Consumer, Producer };
