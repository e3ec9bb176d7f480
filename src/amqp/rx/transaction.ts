/**
 * AMQP transactions (AMQP 1.0 part 4), the controller's side: `transaction()` is a cold
 * Observable of one transaction. Subscribing declares it through the session's coordinator link
 * (a sender link whose target is a `coordinator`, attached on first use and reused by every
 * transaction of the session); the declared transaction is emitted as an {@link AmqpTransaction}
 * whose `commit()` and `rollback()` discharge it (fail=false / fail=true) and complete the
 * Observable. Unsubscribing before either rolls it back. Work joins a transaction through the
 * transactional-state its transfers (`send(target, { transaction })`) and dispositions
 * (`m.accept({ transaction })`) carry.
 */
import { Observable } from 'rxjs';
import { symbol } from '../codec/values.js';
import type { AmqpValue } from '../codec/types.js';
import { AmqpError } from '../engine/errors.js';
import type { OutgoingDelivery, SenderLink } from '../engine/sender-link.js';
import type { Session } from '../engine/session.js';
import { compositeToValue } from '../frames/composite.js';
import type { Accepted, Declare, DeliveryState, Discharge, Released, TransactionalState } from '../frames/definitions.generated.js';
import { ACCEPTED, RELEASED } from '../frames/fast-performatives.js';
import { encodeSections } from '../frames/sections.js';
import type { SessionContext } from './context.js';
import type { ConnectionDriver } from './driver.js';
import { linkName } from './link-observable.js';
import { knownWithoutCoordinator } from './peer-quirks.js';
import {
  TransactionEndedError, TransactionError, TransactionLostError, TransactionsUnsupportedError, txnIdText,
  type TransactionOperation, type TransactionState,
} from './transaction-errors.js';

export {
  TransactionEndedError, TransactionError, TransactionLostError, TransactionsUnsupportedError,
} from './transaction-errors.js';
export type { TransactionOperation, TransactionState } from './transaction-errors.js';

/** Options of `transaction()`. */
export interface TransactionOptions {
  /**
   * Capabilities asked of the coordinator in its target (default `['amqp:local-transactions']`,
   * what every coordinator offers). Transactions of a session asking for the same capabilities
   * share one coordinator link.
   */
  readonly capabilities?: readonly string[];
}

/**
 * One declared transaction. `id` is the coordinator's txn-id. `commit()` and `rollback()`
 * discharge it and resolve once the coordinator has answered; a refused discharge rejects with
 * {@link TransactionError} (the coordinator's condition, e.g. `amqp:transaction:rollback`: the
 * commit failed and everything was rolled back), a lost connection with
 * {@link TransactionLostError}. Either way the transaction is then over.
 */
export class AmqpTransaction {
  /** The transaction id the coordinator declared. */
  readonly id: Uint8Array;
  /** @internal the connection it was declared on: its work must go over the same one */
  readonly driver: ConnectionDriver;
  /** @internal the transactional-state a transfer posted in this transaction carries */
  readonly postState: TransactionalState;
  /** @internal the transactional-states of settling with accepted and released in it */
  readonly acceptedState: TransactionalState;
  readonly releasedState: TransactionalState;
  private current: TransactionState = 'active';
  /** Why it was lost, once it was. */
  private lostWith: TransactionLostError | undefined;

  /** @internal made by `transaction()` once the coordinator has declared it */
  constructor(id: Uint8Array, private readonly coordinator: Coordinator, private readonly onEnd: (error?: Error) => void) {
    this.id = id;
    this.driver = coordinator.ctx.driver;
    const txnId: AmqpValue = { type: 'binary', value: id };
    this.postState = { kind: 'transactional-state', txnId };
    this.acceptedState = { kind: 'transactional-state', txnId, outcome: ACCEPTED as Accepted };
    this.releasedState = { kind: 'transactional-state', txnId, outcome: RELEASED as Released };
  }

  /**
   * 'active' until discharged; 'committing' / 'rolling-back' while a discharge waits for its
   * answer; then 'committed', 'rolled-back', 'failed' (a refused discharge) or 'lost' (the
   * connection, session or control link ended first).
   */
  get state(): TransactionState {
    return this.current;
  }

  /** The id as hex text. */
  toString(): string {
    return `AmqpTransaction(${txnIdText(this.id)}, ${this.current})`;
  }

  /** Commit: the work done in the transaction takes effect. */
  commit(): Promise<void> {
    return this.discharge(false);
  }

  /** Roll back: the work done in the transaction is undone (posted messages discarded, settlements undone). */
  rollback(): Promise<void> {
    return this.discharge(true);
  }

  /** @internal the delivery state to settle a received message with in this transaction */
  settleState(outcome: DeliveryState): TransactionalState {
    if (outcome === ACCEPTED) return this.acceptedState;
    if (outcome === RELEASED) return this.releasedState;
    return { kind: 'transactional-state', txnId: this.postState.txnId, outcome: outcome as TransactionalState['outcome'] };
  }

  /**
   * @internal throws unless work may join the transaction now over `driver`'s connection: it is
   * active and was declared there (a transaction of another connection is unknown on this one).
   */
  checkUsable(driver: ConnectionDriver, what: string): void {
    if (this.current !== 'active') throw this.lostWith ?? new TransactionEndedError(this.id, this.current, what);
    if (driver !== this.driver) throw new TransactionEndedError(this.id, this.current, `${what} on another connection than the transaction's`);
  }

  /** @internal the error that ended it, when it was lost */
  get lostError(): TransactionLostError | undefined {
    return this.lostWith;
  }

  /** @internal rolled back by unsubscribing: discharge without waiting for the answer */
  abandon(): void {
    if (this.current !== 'active') return;
    this.current = 'rolled-back';
    this.coordinator.forget(this);
    this.coordinator.discharge(this.id, true, () => {});
  }

  /** @internal the coordinator's link, session or connection ended (`why`, or the error to report as it is) */
  lose(why: string | TransactionLostError, cause?: unknown): void {
    if (this.current !== 'active' && this.current !== 'committing' && this.current !== 'rolling-back') return;
    const error = why instanceof TransactionLostError ? why : new TransactionLostError(this.id, this.current === 'committing', why, cause);
    this.current = 'lost';
    this.lostWith = error;
    this.pending?.(error);
    this.pending = undefined;
    this.onEnd(error);
  }

  /** Settles the discharge waiting for its answer. */
  private pending: ((error?: Error) => void) | undefined;

  private discharge(fail: boolean): Promise<void> {
    const op: TransactionOperation = fail ? 'rollback' : 'commit';
    if (this.current !== 'active') {
      return Promise.reject(this.lostWith ?? new TransactionEndedError(this.id, this.current, `cannot ${op}`));
    }
    this.current = fail ? 'rolling-back' : 'committing';
    return new Promise<void>((resolve, reject) => {
      this.pending = (error?: Error) => (error === undefined ? resolve() : reject(error));
      this.coordinator.discharge(this.id, fail, (error) => {
        if (this.current !== 'committing' && this.current !== 'rolling-back') return; // lost meanwhile
        if (error instanceof TransactionLostError) return this.lose(error);
        this.pending = undefined;
        this.coordinator.forget(this);
        if (error === undefined) {
          this.current = fail ? 'rolled-back' : 'committed';
          resolve();
        } else {
          this.current = 'failed';
          reject(error);
        }
        // The transaction is over either way: the Observable completes, and a refusal is the
        // caller's through the promise (an error notification as well would go unhandled where
        // the caller handles the promise only).
        this.onEnd();
      });
    });
  }
}

/** The answer to a control message: no error (accepted, or declared with `declared`), or why not. */
type ControlAnswer = (error: Error | undefined, declared?: Uint8Array) => void;

interface ControlRequest {
  readonly body: Declare | Discharge;
  readonly answer: ControlAnswer;
  /** The operation, for errors. */
  readonly op: TransactionOperation;
  readonly txnId: Uint8Array | undefined;
}

/** Each session's coordinator links, by the capabilities they were attached with (usually one). */
const coordinators = new WeakMap<Session, Map<string, Coordinator>>();

/** The session's coordinator link for these capabilities, attached on first use and reused while it lasts. */
function coordinatorOf(ctx: SessionContext, capabilities: readonly string[]): Coordinator {
  let bySession = coordinators.get(ctx.session);
  if (bySession === undefined) coordinators.set(ctx.session, (bySession = new Map()));
  const key = capabilities.join(' ');
  let c = bySession.get(key);
  if (c === undefined || c.gone) {
    c = new Coordinator(ctx, capabilities);
    bySession.set(key, c);
  }
  return c;
}

/**
 * One session's control link to the peer's coordinator: it writes declares and discharges as the
 * coordinator gives credit (in order; more wait here), hands each outcome to whoever asked, and
 * when the link, its session or the connection ends, tells every request and transaction how.
 */
class Coordinator {
  readonly link: SenderLink;
  gone = false;
  private attached = false;
  private readonly waiting: ControlRequest[] = [];
  /** Control messages written and not answered yet. */
  private readonly sent = new Set<ControlRequest>();
  private readonly transactions = new Set<AmqpTransaction>();
  private readonly offLink: () => void;
  private readonly offConnection: () => void;

  constructor(readonly ctx: SessionContext, readonly capabilities: readonly string[]) {
    const symbols = capabilities.map((c) => symbol(c).value);
    this.link = ctx.session.attachSender({
      name: linkName('coordinator', 'txn'),
      // The coordinator answers a refused declare or discharge with `rejected` only if the source
      // says it takes that outcome; otherwise it would detach the control link.
      source: { kind: 'source', outcomes: ['amqp:accepted:list', 'amqp:rejected:list'] },
      target: { kind: 'coordinator', capabilities: symbols },
      sndSettleMode: 'unsettled', rcvSettleMode: 'first',
    });
    this.offLink = ctx.driver.onLink(this.link, (e) => {
      switch (e.type) {
        case 'link-attach':
          // A refusal is an attach with a null target, then the detach carrying the reason.
          if (e.link.remote?.target === undefined) return;
          this.attached = true;
          return this.pump();
        case 'link-flow':
          return this.pump();
        case 'delivery-update':
          return this.answered(e.delivery);
        case 'link-detach':
          return this.end(e.error, 'the coordinator link was detached');
        default:
          return;
      }
    });
    // A lost connection reports nothing on its links: the connection's end says it.
    this.offConnection = ctx.driver.onConnection((e) => {
      if (e.type === 'connection-close') this.end(e.error, 'the connection was closed');
      else if (e.type === 'connection-error') this.end(e.error instanceof AmqpError ? e.error : undefined, `the connection was lost (${e.error.message})`);
    });
    ctx.driver.flushSoon();
  }

  declare(answer: ControlAnswer): void {
    this.request({ body: { kind: 'declare' }, answer, op: 'declare', txnId: undefined });
  }

  discharge(txnId: Uint8Array, fail: boolean, answer: ControlAnswer): void {
    this.request({ body: { kind: 'discharge', txnId: { type: 'binary', value: txnId }, fail }, answer, op: fail ? 'rollback' : 'commit', txnId });
  }

  adopt(t: AmqpTransaction): void {
    this.transactions.add(t);
  }

  forget(t: AmqpTransaction): void {
    this.transactions.delete(t);
  }

  private request(r: ControlRequest): void {
    if (this.gone) return r.answer(new TransactionLostError(r.txnId, false, 'its coordinator link is gone (nothing was sent)'));
    this.waiting.push(r);
    this.pump();
  }

  /** Write what waits while the coordinator gives credit. */
  private pump(): void {
    if (!this.attached || this.gone) return;
    let wrote = false;
    while (this.waiting.length > 0 && this.link.sendable) {
      const r = this.waiting.shift() as ControlRequest;
      // Settlements queued in the transaction go out before its discharge.
      this.ctx.driver.engine.flushDispositions();
      this.sent.add(r);
      this.link.send(encodeSections({ body: { kind: 'value', value: compositeToValue(r.body) } }), { settled: false, context: r });
      wrote = true;
    }
    if (wrote) this.ctx.driver.flushSoon();
  }

  /** The coordinator's outcome for a control message (section 4.2: declared; 4.3: accepted; or rejected). */
  private answered(d: OutgoingDelivery): void {
    if (!d.settled) return;
    const r = d.context as ControlRequest;
    if (!this.sent.delete(r)) return;
    const s = d.remoteState;
    if (r.op === 'declare' && s?.kind === 'declared') {
      const id = s.txnId;
      if (id.type === 'binary') return r.answer(undefined, id.value);
      return r.answer(new TransactionError('declare', undefined, 'amqp:decode-error', `the coordinator declared a txn-id that is not binary (${id.type})`));
    }
    if (r.op !== 'declare' && s?.kind === 'accepted') return r.answer(undefined);
    if (s?.kind === 'rejected') {
      const e = s.error;
      return r.answer(new TransactionError(r.op, r.txnId, e?.condition ?? 'amqp:internal-error', e === undefined ? 'the coordinator rejected it without an error' : e.description, 'delivery', e?.info));
    }
    r.answer(new TransactionError(r.op, r.txnId, 'amqp:internal-error', `the coordinator answered with ${s?.kind ?? 'no outcome'}`));
  }

  /** The link, session or connection ended: every request and transaction learns how. */
  private end(error: AmqpError | undefined, why: string): void {
    if (this.gone) return;
    this.gone = true;
    this.offLink();
    this.offConnection();
    const bySession = coordinators.get(this.ctx.session);
    const key = this.capabilities.join(' ');
    if (bySession?.get(key) === this) bySession.delete(key);
    const refused = !this.attached;
    const reason = error === undefined || why.includes(error.condition) ? why : `${why} (${error.condition})`;
    const unsent = new Set(this.waiting.splice(0));
    const requests = [...unsent, ...this.sent];
    this.sent.clear();
    for (const r of requests) {
      if (refused) r.answer(new TransactionsUnsupportedError(error?.condition, error?.description, error?.scope));
      else if (error !== undefined && error.condition.startsWith('amqp:transaction:')) {
        // A coordinator that cannot answer with `rejected` detaches with the transaction error.
        r.answer(new TransactionError(r.op, r.txnId, error.condition, error.description, error.scope, error.info));
      } else if (r.op === 'declare' || unsent.has(r)) {
        // Never written (or a declare): nothing about it is in doubt.
        r.answer(new TransactionLostError(r.txnId, false, reason, error));
      }
      // A discharge written and not answered: losing its transaction (below) rejects its promise,
      // in doubt if it was a commit.
    }
    const txs = [...this.transactions];
    this.transactions.clear();
    for (const t of txs) t.lose(reason, error);
  }
}

/**
 * The transaction Observable on one session: declares on subscribe, emits the transaction,
 * completes when it is discharged (commit or rollback, refused or not: the transaction is over),
 * errors with {@link TransactionLostError} when the connection, session or coordinator link ends
 * first, and with {@link TransactionsUnsupportedError} / {@link TransactionError} when it cannot
 * be declared. Unsubscribing an undischarged transaction rolls it back.
 */
export function transaction(ctx: SessionContext, opts: TransactionOptions = {}): Observable<AmqpTransaction> {
  return new Observable<AmqpTransaction>((subscriber) => {
    let coordinator: Coordinator;
    try {
      if (ctx.closed()) throw new TransactionLostError(undefined, false, 'the session is closed');
      const refusal = knownWithoutCoordinator(ctx);
      if (refusal !== undefined) throw new TransactionsUnsupportedError('amqp:not-implemented', refusal, 'link');
      coordinator = coordinatorOf(ctx, opts.capabilities ?? ['amqp:local-transactions']);
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    let tx: AmqpTransaction | undefined;
    let unsubscribed = false;
    coordinator.declare((outcome, id) => {
      if (outcome !== undefined) {
        if (!unsubscribed) subscriber.error(outcome);
        return;
      }
      const declared = new AmqpTransaction(id as Uint8Array, coordinator, (error) => {
        if (unsubscribed) return;
        if (error !== undefined) subscriber.error(error);
        else subscriber.complete();
      });
      if (unsubscribed) {
        // Unsubscribed while the declare was on its way: nothing may stay open on the peer.
        coordinator.adopt(declared);
        declared.abandon();
        return;
      }
      tx = declared;
      coordinator.adopt(declared);
      subscriber.next(declared);
    });
    return () => {
      unsubscribed = true;
      if (tx !== undefined && !ctx.closed()) tx.abandon();
    };
  });
}
