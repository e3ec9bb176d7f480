/**
 * What a send is asked to do and what becomes of each message: the options of the send operators
 * (`send()` and the reconnecting client's), the Outcome they emit and its mapping from a
 * delivery's settlement, the overflow error, and the defaults and addressing applied to each
 * message before it is queued.
 */
import { toNative, type NativeValue } from '../codec/native.js';
import { AmqpError, IllegalStateError } from '../engine/errors.js';
import type { OutgoingDelivery } from '../engine/sender-link.js';
import type { DeliveryState } from '../frames/definitions.generated.js';
import { RxMqError } from '../../errors.js';
import type { BodyInput, Message } from './message.js';
import type { AmqpTransaction } from './transaction.js';
import type { LinkDetailOptions, ReceiverSettleMode } from './link-details.js';

/** at-least-once: unsettled, the outcome comes from the receiver; at-most-once: pre-settled. */
export type Delivery = 'at-least-once' | 'at-most-once';

/** Options of the `send()` operator: settlement mode, buffer bound, message defaults, link name. */
export interface SendOptions<B = BodyInput> extends LinkDetailOptions {
  /**
   * A fixed mode, or a choice per message (the link then negotiates 'mixed'). Default at-least-once.
   * The function sees the message with the operator's defaults but not yet its generated
   * message-id, which is made when the message is written (outcomes carry it).
   */
  readonly delivery?: Delivery | ((m: Message<B>) => Delivery);
  /**
   * Most bytes of encoded messages waiting for link credit before the operator errors with
   * {@link SendBufferOverflowError} (default 64 MiB). The operator cannot slow its upstream: a
   * synchronous source (an array, `range`) hands it everything at once, so everything that fits in
   * memory should fit here. One message is always taken into an empty buffer, whatever its size.
   */
  readonly bufferBytes?: number;
  /** Most messages waiting for link credit before the operator errors (default: no count bound). */
  readonly bufferSize?: number;
  /**
   * Give messages without a messageId a random uuid string (default true), made when the message
   * is first written and kept for any re-send; the outcome's `message` has it.
   */
  readonly messageIds?: boolean;
  /** Defaults applied to messages that do not set them. */
  readonly durable?: boolean;
  /** Default time to live in ms, for messages without `ttl`. */
  readonly ttl?: number;
  /** Default priority (0-9; 4 is AMQP's default), for messages without `priority`. */
  readonly priority?: number;
  /** Link name (default: generated). */
  readonly name?: string;
  /**
   * The transfer's message-format for every message (a uint; default 0, the standard AMQP
   * message). Vendor formats put the vendor's 24-bit id in the high bytes and its version in the
   * low byte, e.g. 0x80013700 for Azure's batch of messages.
   */
  readonly messageFormat?: number;
  /** Capabilities of the target node to ask for (e.g. `queue`, `topic`, as the peer names them). */
  readonly targetCapabilities?: readonly string[];
  /**
   * The receiver settle mode to ask for: 'second' asks the receiver to settle only after we
   * settled its outcome (the outcome is reported when it arrives, as with 'first').
   */
  readonly rcvSettleMode?: ReceiverSettleMode;
  /** Fail the link with SettleModeError when the peer does not grant the modes asked for. */
  readonly requireSettleModes?: boolean;
  /**
   * Route by each message's `to` (default false). The link is then attached to the peer's
   * anonymous relay (a null target, which needs a peer offering `ANONYMOUS-RELAY`): a message
   * with `to` goes to that address, and one without goes to `target`, its `to` set to it (the
   * outcome's message shows it). One link for both keeps their order; two links would not.
   * With `target` null every message needs its own `to`.
   */
  readonly routeByTo?: boolean;
  /**
   * Send inside this transaction (from `transaction()` on the same connection): each transfer
   * carries its transactional-state, the peer stores the messages only when the transaction is
   * committed and discards them on rollback, and each outcome is the one the peer reports within
   * the transaction. A message offered once the transaction is over fails the operator with
   * `TransactionEndedError` (or `TransactionLostError` if its connection went away).
   */
  readonly transaction?: AmqpTransaction;
}

/** The `state` of an {@link Outcome}: a receiver's outcome, or 'sent' for an at-most-once message. */
export type OutcomeState = Outcome['state'];

/**
 * What became of a message: a union discriminated by `state`, so that a `switch` on it (or an
 * `if`) gives each case exactly its fields. `B` is the message body's type, as sent.
 */
export type Outcome<B = BodyInput> =
  | AcceptedOutcome<B> | RejectedOutcome<B> | ReleasedOutcome<B> | ModifiedOutcome<B> | SentOutcome<B>;

interface OutcomeOf<S extends string, B> {
  readonly state: S;
  /** The message this outcome is for, as sent (with any defaults and generated messageId). */
  readonly message: Message<B>;
}

/** The receiver took the message. */
export type AcceptedOutcome<B = BodyInput> = OutcomeOf<'accepted', B>;
/** The receiver gave the message back unprocessed (also a receiver settling without an outcome). */
export type ReleasedOutcome<B = BodyInput> = OutcomeOf<'released', B>;
/** At-most-once (pre-settled): written to the link; no outcome comes back. */
export type SentOutcome<B = BodyInput> = OutcomeOf<'sent', B>;

/** The receiver refused the message as invalid. */
export interface RejectedOutcome<B = BodyInput> extends OutcomeOf<'rejected', B> {
  /**
   * The receiver's error; undefined when it rejected without one. A message larger than the
   * receiver's max-message-size is never sent: it gets a 'rejected' outcome whose error is a
   * `MessageSizeExceededError` (`local` true), and the messages around it are sent as usual.
   */
  readonly error: AmqpError | undefined;
}

/** The receiver gave the message back, changed (see the `modified` outcome of AMQP 1.0). */
export interface ModifiedOutcome<B = BodyInput> extends OutcomeOf<'modified', B> {
  /** The receiver counts this as a failed delivery attempt. */
  readonly deliveryFailed: boolean;
  /** The receiver asks not to get this message again. */
  readonly undeliverableHere: boolean;
  /** Annotations the receiver wants merged into the message, if any. */
  readonly messageAnnotations: { readonly [key: string]: NativeValue } | undefined;
}

/** Which bound a {@link SendBufferOverflowError} is about. */
export type SendBufferUnit = 'bytes' | 'messages';

/**
 * More arrived than the send buffer holds while waiting for link credit: `limit` is the option
 * that was exceeded (`bufferBytes` for unit 'bytes', `bufferSize` for 'messages').
 */
export class SendBufferOverflowError extends RxMqError {
  /** The bound that was exceeded. */
  readonly unit: SendBufferUnit;
  /** Its value: `bufferBytes` or `bufferSize`. */
  readonly limit: number;
  /** Encoded bytes waiting for credit when the message that did not fit arrived. */
  readonly bufferedBytes: number;
  /** Messages waiting for credit then. */
  readonly bufferedMessages: number;

  constructor(unit: SendBufferUnit, limit: number, bufferedBytes: number, bufferedMessages: number) {
    const what = unit === 'bytes'
      ? `${bufferedBytes} bytes of encoded messages (${bufferedMessages} messages) are waiting for link credit and the next does not fit in bufferBytes (${limit})`
      : `${bufferedMessages} messages (${bufferedBytes} bytes encoded) are waiting for link credit, the bufferSize`;
    // The operator cannot slow its upstream (operators in between, concatMap included, do not
    // either): the producer must wait for outcomes itself, or the buffer must hold everything.
    super(`send buffer full: ${what}. A source faster than the peer's credit must be paced by its outcomes ` +
      `(emit the next message when an earlier one's outcome arrives, keeping a bounded number without one), ` +
      `or, if everything fits in memory, raise ${unit === 'bytes' ? 'bufferBytes' : 'bufferSize'}`);
    this.unit = unit;
    this.limit = limit;
    this.bufferedBytes = bufferedBytes;
    this.bufferedMessages = bufferedMessages;
  }
}


/**
 * The message with the operator's defaults applied (durable, ttl, priority): `m` itself when none
 * applies, else a copy with only the fields that were missing and have a default. A generated
 * message-id is not one of them: it is made when the message is first written (see
 * generatesMessageId and the send pump), so that messages waiting in the send buffer carry no copy
 * and no id string through the garbage collector's young generation. The copy is made by
 * `Object.assign` and then assigned to, never as `{ ...m, field }`: V8 gives every object made by a
 * spread followed by more properties a map of its own, so the default path made every message a
 * new shape and every function reading messages after it megamorphic (27 us a message against 2
 * with ids off, null-sink send).
 */
export function withDefaults<B>(m: Message<B>, o: SendOptions<B>): Message<B> {
  const durable = m.durable === undefined ? o.durable : undefined;
  const ttl = m.ttl === undefined ? o.ttl : undefined;
  const priority = m.priority === undefined ? o.priority : undefined;
  if (durable === undefined && ttl === undefined && priority === undefined) return m;
  const out: Mutable<Message<B>> = Object.assign({}, m);
  if (durable !== undefined) out.durable = durable;
  if (ttl !== undefined) out.ttl = ttl;
  if (priority !== undefined) out.priority = priority;
  return out;
}

/** Whether the operator gives `m` a generated message-id (the default, unless it has one). */
export function generatesMessageId<B>(m: Message<B>, o: SendOptions<B>): boolean {
  return (o.messageIds ?? true) && m.messageId === undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The address the send link attaches to: `target`, or undefined (the anonymous relay) when
 * `target` is null or the operator routes by `to`.
 */
export function linkTargetOf(target: string | null, o: { readonly routeByTo?: boolean }): string | undefined {
  return target === null || o.routeByTo === true ? undefined : target;
}

/**
 * `m` as it goes on a link to {@link linkTargetOf}: on the anonymous relay a message without `to`
 * is addressed to `target`; with no `target` either, it cannot be routed and this throws
 * IllegalStateError (a relay would reject it, or worse, drop it).
 */
export function addressed<B>(m: Message<B>, target: string | null, o: SendOptions<B>): Message<B> {
  if (m.to !== undefined || linkTargetOf(target, o) !== undefined) return m;
  if (target === null) throw new IllegalStateError('a message sent through the anonymous relay needs `to`');
  // Object.assign, not a spread with `to` added: see withDefaults.
  const out: Mutable<Message<B>> = Object.assign({}, m);
  out.to = target;
  return out;
}

/** The Outcome value for a settled delivery of `message`. */
export function outcomeOf<B>(d: OutgoingDelivery, message: Message<B>): Outcome<B> {
  const state = d.remoteState;
  // A message posted in a transaction gets its outcome inside a transactional-state (section 4.4.1).
  const s = state?.kind === 'transactional-state' ? state.outcome as DeliveryState | undefined : state;
  switch (s?.kind) {
    case 'accepted': return { state: 'accepted', message };
    case 'rejected':
      return {
        state: 'rejected', message,
        error: s.error === undefined ? undefined : AmqpError.fromRemote(s.error, 'delivery'),
      };
    case 'modified':
      return {
        // Absent flags are false (the modified outcome's defaults, AMQP 1.0 section 3.4.5).
        state: 'modified', message, deliveryFailed: s.deliveryFailed ?? false, undeliverableHere: s.undeliverableHere ?? false,
        messageAnnotations: s.messageAnnotations === undefined ? undefined : toNative(s.messageAnnotations) as { [key: string]: NativeValue },
      };
    // A receiver that settles without a state leaves the outcome to the default: released.
    default: return { state: 'released', message };
  }
}
