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

export class AmqpError extends RxMqError {
  /** The error condition symbol, e.g. `amqp:not-found` or `amqp:connection:forced`. */
  readonly condition: string;
  readonly description: string | undefined;
  readonly info: AmqpMap | undefined;
  readonly scope: AmqpErrorScope;
  /** True when this side detected the problem (and told the peer); false when the peer sent it. */
  readonly local: boolean;

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
  constructor(ms: number) {
    super('amqp:resource-limit-exceeded', `peer silent for more than ${ms} ms (idle-time-out)`, 'connection', true);
  }
}

/** Misuse of the API: sending without credit, settling twice, using a closed link... */
export class IllegalStateError extends RxMqError {}
