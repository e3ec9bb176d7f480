/**
 * AmqpError: an error condition carried by close, end, detach or a rejected outcome, or one our
 * engine raised itself when the peer broke a protocol rule (then `local` is true and the same
 * condition was sent to the peer).
 */
import type { AmqpMap } from '../codec/types.js';
import type { ErrorInfo } from '../frames/definitions.generated.js';
import { RxMqError } from '../../errors.js';

/** Where the error ended things: the whole connection, one session, or one link. */
export type AmqpErrorScope = 'connection' | 'session' | 'link' | 'delivery';

/**
 * An AMQP error condition: from the peer (a close, end or detach with an error, or a rejected
 * outcome), or raised by this side on a protocol violation (`local`). See the module comment.
 */
export class AmqpError extends RxMqError {
  /** The error condition symbol, e.g. `amqp:not-found` or `amqp:connection:forced`. */
  readonly condition: string;
  /** The peer's (or our) human-readable explanation, if any. */
  readonly description: string | undefined;
  /** The error's info map, as sent (AMQP values). */
  readonly info: AmqpMap | undefined;
  /** What the error ended: the connection, a session, a link, or (rejected) one delivery. */
  readonly scope: AmqpErrorScope;
  /** True when this side detected the problem (and told the peer); false when the peer sent it. */
  readonly local: boolean;

  /** Usually made by the library; `fromRemote` builds one from a received error composite. */
  constructor(condition: string, description: string | undefined, scope: AmqpErrorScope, local: boolean, info?: AmqpMap) {
    super(`${local ? '' : `${scope} closed by peer: `}${condition}${description ? `: ${description}` : ''}`);
    this.condition = condition;
    this.description = description;
    this.info = info;
    this.scope = scope;
    this.local = local;
  }

  /** From an error composite the peer sent. */
  static fromRemote(e: ErrorInfo, scope: AmqpErrorScope): AmqpError {
    return new AmqpError(e.condition, e.description, scope, false, e.info);
  }

  /** The composite to send for this error. */
  toErrorInfo(): ErrorInfo {
    return { kind: 'error', condition: this.condition, description: this.description, info: this.info };
  }
}

/** The peer stopped sending anything (not even heartbeats) for longer than our idle-time-out. */
export class IdleTimeoutError extends AmqpError {
  /** @param ms the idle-time-out that passed without a frame from the peer. */
  constructor(ms: number) {
    super('amqp:resource-limit-exceeded', `peer silent for more than ${ms} ms (idle-time-out)`, 'connection', true);
  }
}

/**
 * The session ended with an error while this link was attached and working: the error is about
 * the session (most often about another link: RabbitMQ ends the whole session when one attach
 * names an unknown address), not about this link. `condition`, `description` and `info` are the
 * session's; `cause` is the session's own error. `amqpClient` attaches such a link again on a new
 * session instead of ending the stream; on a plain connection the stream ends with it.
 */
export class SessionEndedError extends AmqpError {
  /** The error the session ended with. */
  readonly sessionError: AmqpError;

  /** @param sessionError the error the session ended with */
  constructor(sessionError: AmqpError) {
    super(sessionError.condition, sessionError.description, 'session', sessionError.local, sessionError.info);
    this.sessionError = sessionError;
    this.message = `the link's session ended: ${sessionError.message}`;
  }
}

/** Misuse of the API: sending without credit, settling twice, using a closed link... */
export class IllegalStateError extends RxMqError {}

/**
 * Why a received delivery could not be settled: the application settled it before
 * ('already-settled'), or its link is gone ('link-closed': detached by either end, its session
 * ended, its connection closed or was lost, or the stream that delivered it ended and released
 * it before detaching).
 */
export type SettleFailure = 'already-settled' | 'link-closed';

/**
 * `accept()`, `reject()`, `release()` or `modify()` could not do what it says. For
 * `link-closed` the caller's outcome did not reach the broker: it holds the message (still, or
 * again after the stream's release) and redelivers it (to this application after a reconnect or
 * a retry, or to another consumer), so the work may be seen twice.
 */
export class SettleError extends IllegalStateError {
  constructor(
    readonly reason: SettleFailure,
    readonly deliveryId: number,
    readonly linkName: string,
    detail: string,
  ) {
    super(`delivery ${deliveryId} on link ${linkName} ${detail}`);
  }
}

/**
 * No handle is free within the handle-max of both ends: ours, and the peer's from its begin (a
 * peer must close the connection with framing-error when it sees a handle beyond its handle-max,
 * so we refuse to attach instead of sending one).
 */
export class HandleMaxError extends IllegalStateError {
  /** The smaller of our handle-max and the peer's. */
  readonly handleMax: number;

  /** @param handleMax the smaller of our handle-max and the peer's. */
  constructor(handleMax: number) {
    super(`no free link handle: all handles up to handle-max ${handleMax} are in use on this session`);
    this.handleMax = handleMax;
  }
}

/**
 * A message larger than the receiver's max-message-size (from its attach). Raised before anything
 * is written or any credit is used, so the link and every other message are unaffected.
 */
export class MessageSizeExceededError extends AmqpError {
  /** The encoded message size in bytes. */
  readonly size: number;
  /** The receiver's limit. */
  readonly maxMessageSize: number;

  /**
   * @param size the encoded message size in bytes
   * @param maxMessageSize the receiver's limit
   */
  constructor(size: number, maxMessageSize: number) {
    super(
      'amqp:link:message-size-exceeded',
      `message of ${size} bytes exceeds the receiver's max-message-size ${maxMessageSize}`,
      'delivery',
      true,
    );
    this.size = size;
    this.maxMessageSize = maxMessageSize;
  }
}

/**
 * The peer's attach did not grant the settle modes a link required (`LinkOptions.requireSettleModes`).
 * The link is detached with this error (condition amqp:precondition-failed).
 */
export class SettleModeError extends AmqpError {
  /** Which of the two modes was not granted. */
  readonly mode: 'snd-settle-mode' | 'rcv-settle-mode';
  /** The mode we asked for. */
  readonly requested: string;
  /** The mode the peer's attach gave. */
  readonly answered: string;

  constructor(mode: 'snd-settle-mode' | 'rcv-settle-mode', requested: string, answered: string) {
    super('amqp:precondition-failed', `${mode} ${requested} required, peer answered ${answered}`, 'link', true);
    this.mode = mode;
    this.requested = requested;
    this.answered = answered;
  }
}

/**
 * A sender kept transferring with no credit outstanding beyond the link's `overCreditLimit`: the
 * link is detached with amqp:link:transfer-limit-exceeded so that unsettled state stays bounded.
 */
export class TransferLimitError extends AmqpError {
  /** The over-credit transfers tolerated since our last credit grant. */
  readonly limit: number;

  /** @param limit the over-credit transfers tolerated since our last credit grant */
  constructor(limit: number) {
    super('amqp:link:transfer-limit-exceeded', `more than ${limit} transfers arrived without credit`, 'link', true);
    this.limit = limit;
  }
}

/**
 * The peer answered our attach with a null terminus (no source for a receiver, no target for a
 * sender) and did not detach saying why in the same read. By the specification a null terminus
 * refuses the link and a detach with the reason follows, but some peers (rhea's default server)
 * never send it: the stream would hang. It errors at once instead, as Qpid Proton does, and we
 * detach the link. Condition amqp:not-found; scope 'link'.
 */
export class NullTerminusError extends AmqpError {
  /** The link whose attach was answered so. */
  readonly linkName: string;
  /** Which terminus was missing. */
  readonly terminus: 'source' | 'target';

  constructor(linkName: string, terminus: 'source' | 'target') {
    super('amqp:not-found', `the peer answered the attach of ${linkName} without a ${terminus} (a refusal) and gave no reason`, 'link', true);
    this.linkName = linkName;
    this.terminus = terminus;
  }
}
