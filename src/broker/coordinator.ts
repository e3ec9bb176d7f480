/**
 * The embedded broker's transaction coordinator (AMQP 1.0 part 4), one per connection. A client's
 * sending link whose target is a `coordinator` becomes a control link: each message on it is a
 * `declare` (answered with `declared` and a new txn-id) or a `discharge` (answered `accepted`, or
 * `rejected` with a transaction error). Work joins a transaction through the transactional-state
 * of a transfer (a message posted to a node) or of a disposition (a delivered message settled):
 * nothing of it reaches a queue until the commit, which applies all of it or, when a queue lacks
 * room for what was posted to it, none of it (`amqp:transaction:rollback`). A rollback discards
 * the posted messages and makes the settled ones available again (released, in their place).
 *
 * Transactions are the connection's: their ids are valid on every session of it, and they are
 * rolled back when the control link that declared them closes (nothing can discharge them any
 * more: a coordinator cannot be resumed) or the connection ends. Both the open transactions per
 * connection and the work items (posts and settlements) per transaction are bounded.
 */
import { binary } from '../amqp/codec/values.js';
import type { AmqpValue } from '../amqp/codec/types.js';
import { AmqpError } from '../amqp/engine/errors.js';
import type { IncomingDelivery, ReceiverLink } from '../amqp/engine/link.js';
import { compositeFromValue } from '../amqp/frames/composite.js';
import type { DeliveryState, TransactionalState } from '../amqp/frames/definitions.generated.js';
import { ACCEPTED } from '../amqp/frames/fast-performatives.js';
import { decodeSections } from '../amqp/frames/sections.js';
import type { Node, NodeRegistry } from './nodes.js';
import type { Queue, QueueConsumer, QueueOutcome } from './queue.js';
import type { StoredMessage } from './message.js';

/** Bounds of the coordinator; see docs/BROKER.md. */
export interface TransactionLimits {
  /** Open transactions one connection may hold (default 100); a declare beyond is rejected. */
  readonly maxTransactions?: number;
  /**
   * Work items (messages posted plus messages settled) one transaction may hold (default
   * 10,000, the STOMP transactions' bound). The item beyond is refused and the transaction can
   * then only roll back: its commit is rejected with amqp:transaction:rollback.
   */
  readonly maxTransactionWork?: number;
}

export const DEFAULT_MAX_TRANSACTIONS = 100;
export const DEFAULT_MAX_TRANSACTION_WORK = 10_000;

/** The limits with their defaults; RangeError for a value that is not a positive integer (checked by startBroker). */
export function resolveTransactionLimits(limits: TransactionLimits = {}): Required<TransactionLimits> {
  return {
    maxTransactions: positive(limits.maxTransactions, 'limits.maxTransactions') ?? DEFAULT_MAX_TRANSACTIONS,
    maxTransactionWork: positive(limits.maxTransactionWork, 'limits.maxTransactionWork') ?? DEFAULT_MAX_TRANSACTION_WORK,
  };
}

/** What the coordinator offers (and answers the control link's attach with). */
const CAPABILITIES = ['amqp:local-transactions', 'amqp:multi-txns-per-ssn', 'amqp:multi-ssns-per-txn'];
/** What it cannot do: asked for, the control link is refused. */
const UNSUPPORTED = ['amqp:distributed-transactions', 'amqp:promotable-transactions'];

/** A message posted in a transaction, published at commit. */
interface Post {
  readonly node: Node;
  readonly payload: Uint8Array;
}

/** A delivered message settled in a transaction: the queue still holds it (in flight) until then. */
interface Retirement {
  readonly queue: Queue;
  readonly message: StoredMessage;
  readonly outcome: QueueOutcome;
  readonly by: QueueConsumer;
}

/** One open transaction's work. */
export class BrokerTransaction {
  readonly posts: Post[] = [];
  readonly retirements: Retirement[] = [];
  /** Set when it can no longer commit (a bound was passed): why. */
  rollbackOnly: string | undefined;
  /** The transactional-state a posted message is accepted with. */
  readonly acceptedState: TransactionalState;

  constructor(readonly id: Uint8Array, readonly key: string, readonly control: ReceiverLink) {
    this.acceptedState = { kind: 'transactional-state', txnId: binary(id), outcome: ACCEPTED as TransactionalState['outcome'] };
  }

  get work(): number {
    return this.posts.length + this.retirements.length;
  }
}

const keyOf = (id: Uint8Array): string => Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');

/** What the coordinator needs from its connection. */
export interface CoordinatorContext {
  readonly registry: NodeRegistry;
  /** Credit window kept open on a control link. */
  readonly producerCredit: number;
  /** The connection's engine: its queued dispositions are written before what follows. */
  readonly engine: { flushDispositions(): void };
  flushSoon(): void;
}

export class TransactionCoordinator {
  private readonly open = new Map<string, BrokerTransaction>();
  private counter = 0;
  private readonly maxTransactions: number;
  private readonly maxWork: number;

  constructor(private readonly ctx: CoordinatorContext, limits: Required<TransactionLimits>) {
    this.maxTransactions = limits.maxTransactions;
    this.maxWork = limits.maxTransactionWork;
  }

  /** Open transactions (for tests and inspection). */
  get openCount(): number {
    return this.open.size;
  }

  /**
   * Answer a control link's attach (its target is a coordinator). Throws AmqpError
   * (amqp:not-implemented) when it asks for distributed or promotable transactions: the caller
   * refuses the link with it.
   */
  attachControl(link: ReceiverLink, asked: readonly string[] | undefined): ControlLink {
    const unsupported = (asked ?? []).filter((c) => UNSUPPORTED.includes(c));
    if (unsupported.length > 0) {
      throw new AmqpError('amqp:not-implemented', `the embedded broker's coordinator offers ${CAPABILITIES.join(', ')}, not ${unsupported.join(', ')}`, 'link', true);
    }
    link.attach(undefined, { target: { kind: 'coordinator', capabilities: CAPABILITIES }, rcvSettleMode: 'first' });
    const c = new ControlLink(link, this);
    c.refill();
    return c;
  }

  /**
   * The transaction a transactional-state names, or the error to refuse the work with
   * (amqp:transaction:unknown-id).
   */
  find(state: TransactionalState): BrokerTransaction | AmqpError {
    const id = state.txnId;
    const t = id.type === 'binary' ? this.open.get(keyOf(id.value)) : undefined;
    return t ?? new AmqpError('amqp:transaction:unknown-id', `no open transaction ${id.type === 'binary' ? keyOf(id.value) : `(a txn-id of type ${id.type})`} on this connection`, 'delivery', true);
  }

  /**
   * Post a message in `t`, to be published at `node` on commit. Returns the state to settle the
   * transfer with: accepted within the transaction, or rejected past the work bound (and the
   * transaction is then rollback-only).
   */
  post(t: BrokerTransaction, node: Node, payload: Uint8Array): DeliveryState {
    if (!this.admit(t)) {
      return { kind: 'rejected', error: { kind: 'error', condition: 'amqp:resource-limit-exceeded', description: t.rollbackOnly } };
    }
    t.posts.push({ node, payload });
    return t.acceptedState;
  }

  /**
   * Settle a delivered message in `t`: the queue keeps it in flight until the commit applies
   * `outcome`. Past the work bound the message is released at once and the transaction is
   * rollback-only.
   */
  retire(t: BrokerTransaction, queue: Queue, message: StoredMessage, outcome: QueueOutcome, by: QueueConsumer): void {
    if (!this.admit(t)) {
      queue.settle(message, { kind: 'released' }, by);
      return;
    }
    t.retirements.push({ queue, message, outcome, by });
  }

  /** The connection ended: every open transaction is rolled back. */
  rollbackAll(): void {
    const all = [...this.open.values()];
    this.open.clear();
    for (const t of all) this.undo(t);
  }

  /** @internal a control link closed: the transactions it declared are rolled back */
  controlClosed(link: ReceiverLink): void {
    for (const t of [...this.open.values()]) {
      if (t.control !== link) continue;
      this.open.delete(t.key);
      this.undo(t);
    }
  }

  /**
   * @internal one control message: settles it, and only then applies what a discharge decided,
   * so that the answer goes out ahead of the deliveries a rollback or commit sets off.
   */
  control(link: ReceiverLink, d: IncomingDelivery): void {
    const decided = this.decide(link, d);
    if (!d.settled) link.settle(d, decided.state);
    this.ctx.engine.flushDispositions();
    decided.then?.();
    this.ctx.flushSoon();
  }

  private decide(link: ReceiverLink, d: IncomingDelivery): { state: DeliveryState; then?: () => void } {
    const done = (state: DeliveryState, then?: () => void): { state: DeliveryState; then?: () => void } => ({ state, then });
    let body: AmqpValue | undefined;
    try {
      const b = decodeSections(d.payload).body;
      body = b?.kind === 'value' ? b.value : undefined;
    } catch (e) {
      return done(rejected('amqp:decode-error', `the control message does not decode: ${(e as Error).message}`));
    }
    const c = body === undefined ? undefined : safeComposite(body);
    if (c?.kind === 'declare') {
      if (c.globalId !== undefined) return done(rejected('amqp:not-implemented', 'global transactions (declare with a global-id) are not supported'));
      if (this.open.size >= this.maxTransactions) {
        return done(rejected('amqp:resource-limit-exceeded', `this connection has ${this.open.size} open transactions, the most it may hold (maxTransactions)`));
      }
      const id = this.newId();
      const t = new BrokerTransaction(id, keyOf(id), link);
      this.open.set(t.key, t);
      return done({ kind: 'declared', txnId: binary(id) });
    }
    if (c?.kind === 'discharge') {
      const found = c.txnId.type === 'binary' ? this.open.get(keyOf(c.txnId.value)) : undefined;
      if (found === undefined) return done(rejected('amqp:transaction:unknown-id', 'no open transaction with this id on this connection'));
      this.open.delete(found.key);
      if (c.fail === true) return done(ACCEPTED, () => this.undo(found));
      const refusal = found.rollbackOnly ?? this.lackOfRoom(found);
      if (refusal !== undefined) return done(rejected('amqp:transaction:rollback', `rolled back instead: ${refusal}`), () => this.undo(found));
      return done(ACCEPTED, () => this.apply(found));
    }
    return done(rejected('amqp:not-implemented', 'a control message must be an amqp-value holding declare or discharge'));
  }

  private admit(t: BrokerTransaction): boolean {
    if (t.rollbackOnly !== undefined) return false;
    if (t.work < this.maxWork) return true;
    t.rollbackOnly = `the transaction holds ${t.work} messages posted and settled, the most one may (maxTransactionWork)`;
    return false;
  }

  /** Why the posted messages do not fit their queues, if they do not (checked before anything is applied). */
  private lackOfRoom(t: BrokerTransaction): string | undefined {
    const counts = new Map<object, { node: Node; n: number }>();
    for (const p of t.posts) {
      const key = p.node.kind === 'queue' ? p.node.queue : p.node.topic;
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { node: p.node, n: 1 });
      else c.n++;
    }
    for (const { node, n } of counts.values()) {
      const room = this.ctx.registry.room(node);
      if (room < n) return `${node.kind === 'queue' ? node.queue.name : node.topic.name} has room for ${room} of the ${n} messages posted to it`;
    }
    return undefined;
  }

  /** Commit: publish what was posted, in order, then apply the settlements. */
  private apply(t: BrokerTransaction): void {
    for (const p of t.posts) this.ctx.registry.publish(p.node, p.payload);
    for (const r of t.retirements) r.queue.settle(r.message, r.outcome, r.by);
    this.ctx.flushSoon();
  }

  /** Roll back: posted messages are dropped, settled ones become available again. */
  private undo(t: BrokerTransaction): void {
    t.posts.length = 0;
    for (const r of t.retirements) r.queue.settle(r.message, { kind: 'released' }, r.by);
    t.retirements.length = 0;
    this.ctx.flushSoon();
  }

  /** A txn-id unique on this connection: a counter and 4 random bytes (opaque to clients). */
  private newId(): Uint8Array {
    const id = new Uint8Array(8);
    const n = ++this.counter;
    id[0] = n >>> 24; id[1] = (n >>> 16) & 0xff; id[2] = (n >>> 8) & 0xff; id[3] = n & 0xff;
    globalThis.crypto.getRandomValues(id.subarray(4));
    return id;
  }

  /** @internal for ControlLink */
  get credit(): number {
    return this.ctx.producerCredit;
  }

  /** @internal */
  flushSoon(): void {
    this.ctx.flushSoon();
  }
}

/** The broker's end of one control link. */
export class ControlLink {
  private closed = false;

  constructor(readonly link: ReceiverLink, private readonly coordinator: TransactionCoordinator) {}

  refill(): void {
    if (this.closed || this.link.state !== 'attached') return;
    const window = this.coordinator.credit;
    if (this.link.credit.credit > window / 2) return;
    this.link.flow(window);
    this.coordinator.flushSoon();
  }

  onDelivery(d: IncomingDelivery): void {
    // A control message read together with the end of its link or connection (a client that
    // rolls back as it disconnects) can no longer be answered: it is not applied, and the end
    // rolls the transactions back.
    if (this.closed || this.link.state === 'closed' || this.link.state === 'detach-sent') return;
    this.coordinator.control(this.link, d);
    this.refill();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.coordinator.controlClosed(this.link);
  }
}

function rejected(condition: string, description: string): DeliveryState {
  return { kind: 'rejected', error: { kind: 'error', condition, description } };
}

/** The composite a control message's value holds; undefined for anything else, malformed included. */
function safeComposite(v: AmqpValue): ReturnType<typeof compositeFromValue> {
  try {
    return compositeFromValue(v);
  } catch {
    return undefined;
  }
}

function positive(n: number | undefined, name: string): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

