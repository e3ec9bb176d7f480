/**
 * The errors of AMQP transactions (AMQP 1.0 part 4), each saying what a caller can still rely on:
 * a refused declare or discharge (`TransactionError`, the coordinator's condition), a peer without
 * a coordinator (`TransactionsUnsupportedError`), a transaction whose connection, session or
 * control link went away before it was discharged (`TransactionLostError`, with `inDoubt` when a
 * commit was on its way), and work offered to a transaction that is over (`TransactionEndedError`).
 */
import { RxMqError } from '../../errors.js';
import { AmqpError, IllegalStateError, type AmqpErrorScope } from '../engine/errors.js';
import type { AmqpMap } from '../codec/types.js';

/** What was asked of the coordinator when it answered with an error. */
export type TransactionOperation = 'declare' | 'commit' | 'rollback';

/** Where a transaction stands; see {@link AmqpTransaction.state}. */
export type TransactionState = 'active' | 'committing' | 'rolling-back' | 'committed' | 'rolled-back' | 'failed' | 'lost';

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '?' : Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''));

/** A transaction id as text, for messages and logs. */
export function txnIdText(id: Uint8Array | undefined): string {
  return hex(id);
}

/**
 * The coordinator refused a declare or a discharge: `condition` is its error, e.g.
 * `amqp:transaction:rollback` (the commit failed and the transaction was rolled back instead),
 * `amqp:transaction:unknown-id`, `amqp:transaction:timeout`, or `amqp:resource-limit-exceeded`
 * (too many open transactions). After a refused discharge the transaction is over either way.
 */
export class TransactionError extends AmqpError {
  /** What was refused. */
  readonly operation: TransactionOperation;
  /** The transaction's id; undefined for a refused declare. */
  readonly txnId: Uint8Array | undefined;

  constructor(operation: TransactionOperation, txnId: Uint8Array | undefined, condition: string, description: string | undefined, scope: AmqpErrorScope = 'delivery', info?: AmqpMap) {
    super(condition, description, scope, false, info);
    this.operation = operation;
    this.txnId = txnId;
    this.message = `${operation} of transaction ${operation === 'declare' ? '' : `${hex(txnId)} `}refused: ${condition}${description ? `: ${description}` : ''}`;
  }
}

/**
 * The peer has no transaction coordinator, or refused to attach to it (RabbitMQ 3.10 does).
 * `condition` and `description` are the peer's when it gave them, else `amqp:not-implemented`.
 */
export class TransactionsUnsupportedError extends AmqpError {
  constructor(condition: string | undefined, description: string | undefined, scope: AmqpErrorScope = 'link') {
    super(condition ?? 'amqp:not-implemented', description ?? 'the peer refused to attach a transaction coordinator', scope, false);
    this.message = `transactions are not supported by the peer: ${this.condition}${this.description ? `: ${this.description}` : ''}`;
  }
}

/**
 * A transaction's connection, session or control link ended before it was discharged. A peer
 * rolls back what such a transaction held (the specification and every broker do), so nothing of
 * it took effect, unless `inDoubt`: a commit had been sent and its answer did not arrive, so the
 * peer may have committed. Transactions never survive a reconnect: `amqpClient` reports this
 * error rather than carry on in a new connection that knows nothing of the transaction.
 */
export class TransactionLostError extends RxMqError {
  /** The transaction's id (undefined when it was lost while being declared). */
  readonly txnId: Uint8Array | undefined;
  /** A commit was on its way: the peer may or may not have committed. */
  readonly inDoubt: boolean;

  constructor(txnId: Uint8Array | undefined, inDoubt: boolean, why: string, cause?: unknown) {
    super(`transaction ${hex(txnId)} lost: ${why}; ${inDoubt
      ? 'a commit was sent and its outcome is unknown (the peer may have committed)'
      : 'the peer rolls back what it held'}`, { cause });
    this.txnId = txnId;
    this.inDoubt = inDoubt;
  }
}

/** Work offered to a transaction that is no longer active (committed, rolled back, lost). */
export class TransactionEndedError extends IllegalStateError {
  readonly txnId: Uint8Array;
  readonly state: TransactionState;

  constructor(txnId: Uint8Array, state: TransactionState, what: string) {
    super(`${what}: transaction ${hex(txnId)} is ${state}`);
    this.txnId = txnId;
    this.state = state;
  }
}
