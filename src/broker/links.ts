/**
 * Link routing: a client's sending link becomes a Producer (our receiving end, publishing into a
 * node and given credit only while the node has room); a client's receiving link becomes a
 * Consumer (our sending end, taking messages from a queue within its credit and answering drain).
 */
import { string } from '../amqp/codec/values.js';
import type { DeliveryState, Source, Target } from '../amqp/frames/definitions.generated.js';
import { AmqpError } from '../amqp/engine/errors.js';
import type { IncomingDelivery, Link, OutgoingDelivery, ReceiverLink, SenderLink } from '../amqp/engine/link.js';
import { addressText, formatAddress, resolveAddress } from './address.js';
import { messageTo, type StoredMessage } from './message.js';
import type { Node, NodeRegistry } from './nodes.js';
import type { Queue, QueueConsumer, QueueOutcome } from './queue.js';
import { ACCEPTED } from '../amqp/frames/fast-performatives.js';
import type { FaultSink } from './boundary.js';
import { BrokerLimitError } from './limits.js';

/** What links need from the connection they live on. */
export interface LinkContext extends FaultSink {
  readonly registry: NodeRegistry;
  /** Write the connection's pending output soon (links may be driven from other connections). */
  flushSoon(): void;
  /** Credit window given to each producer link. */
  readonly producerCredit: number;
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
  close(): void;
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
    throw new AmqpError('amqp:not-implemented', 'transactions are not supported by the embedded broker', 'link', true);
  }
  const target = asTarget(raw);
  let node: Node | undefined;
  let dynamic: Queue | undefined;
  let answer: Target | undefined = target;
  if (target?.dynamic) {
    dynamic = ctx.registry.createDynamicQueue();
    node = { kind: 'queue', queue: dynamic };
    answer = { ...target, address: string(dynamic.name) };
  } else {
    const address = resolveAddress(addressText(target?.address), target?.capabilities);
    node = address === undefined ? undefined : ctx.registry.node(address);
  }
  link.attach(undefined, { target: answer, rcvSettleMode: 'first', maxMessageSize: ctx.maxMessageSize });
  const p = new Producer(link, node, dynamic, ctx);
  p.refill();
  return p;
}

function attachConsumer(link: SenderLink, ctx: LinkContext): BrokerLink {
  const source = asSource(link.remote?.source);
  if (source === undefined) throw new AmqpError('amqp:invalid-field', 'a receiving link needs a source', 'link', true);
  let queue: Queue;
  let onClose: () => void = () => {};
  let address: string;
  if (source.dynamic) {
    queue = ctx.registry.createDynamicQueue();
    address = queue.name;
    onClose = () => ctx.registry.deleteQueue(queue);
  } else {
    const node = resolveAddress(addressText(source.address), source.capabilities);
    if (node === undefined) throw new AmqpError('amqp:invalid-field', 'a receiving link needs a source address', 'link', true);
    address = formatAddress(node);
    if (node.kind === 'queue') {
      queue = ctx.registry.queue(node.name);
    } else {
      const sub = ctx.registry.subscribe(ctx.registry.topic(node.name));
      queue = sub.queue;
      onClose = () => sub.close();
    }
  }
  link.attach(0, { source: { ...source, address: string(address) } });
  const c = new Consumer(link, queue, onClose, ctx);
  queue.addConsumer(c);
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
        node = this.ctx.registry.node(to);
      }
      if (this.ctx.registry.room(node) <= 0) {
        throw new AmqpError('amqp:resource-limit-exceeded', 'the node is full (the message was sent without credit)', 'delivery', true);
      }
      this.ctx.registry.publish(node, d.payload);
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

class Consumer implements QueueConsumer, BrokerLink {
  private readonly inflight = new Map<OutgoingDelivery, StoredMessage>();
  private closed = false;

  constructor(
    readonly link: SenderLink,
    private readonly queue: Queue,
    private readonly onClose: () => void,
    private readonly ctx: LinkContext,
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
      if (!this.presettled) this.inflight.set(d, m);
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
    const outcome = toOutcome(d.remoteState);
    if (outcome === undefined && !d.remoteSettled) return; // 'received' progress only
    this.inflight.delete(d);
    this.queue.settle(m, outcome ?? { kind: 'accepted' }, this);
    this.ctx.flushSoon();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.removeConsumer(this);
    // Unsettled messages go back for another consumer, counted as a failed delivery.
    const held = [...this.inflight.values()];
    this.inflight.clear();
    for (const m of held) this.queue.settle(m, { kind: 'modified', deliveryFailed: true }, this);
    this.onClose();
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
