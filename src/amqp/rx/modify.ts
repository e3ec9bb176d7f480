/**
 * What `modify()` puts on the wire when the peer does not take the `modified` outcome.
 *
 * A sending peer lists the outcomes it supports in its source's `outcomes` field (section 3.5.3).
 * RabbitMQ 3.x lists accepted, rejected and released, and ends the whole session when it gets a
 * `modified` disposition (`amqp:invalid-field: Unrecognised state v1_0.modified`), taking every
 * link of the session with it. So when the list is there and `amqp:modified:list` is not in it:
 *
 * - what `released` means too is sent as `released`: no flags, or `deliveryFailed` alone (the
 *   message goes back to the queue for redelivery; the delivery-count increment that
 *   `deliveryFailed` asks for is the broker's business: RabbitMQ's quorum queues count every
 *   return, classic queues count nothing);
 * - `undeliverableHere` or `messageAnnotations` are refused with an {@link UnsupportedOutcomeError}
 *   before anything is sent, and the message stays unsettled: `released` would hand it straight
 *   back to the link that said it cannot take it, and `rejected` dead-letters it (or, without a
 *   dead-letter exchange, drops it). Only the caller can choose between those: `release()` or
 *   `reject()`.
 *
 * A peer that lists no outcomes is taken at its word that it supports them all (the default).
 */
import { fromNative } from '../codec/native.js';
import { symbol } from '../codec/values.js';
import { RxMqError } from '../../errors.js';
import type { ReceiverLink } from '../engine/link.js';
import type { DeliveryState } from '../frames/definitions.generated.js';
import { RELEASED } from '../frames/fast-performatives.js';
import type { PropertyMap } from './message.js';
import type { AmqpTransaction } from './transaction.js';

/** Options of every settlement (`accept`, `reject`, `release`, `modify`). */
export interface SettleOptions {
  /**
   * Settle inside this transaction (from `transaction()` on the message's connection): the
   * disposition carries a transactional-state, and the outcome takes effect only when the
   * transaction commits; on rollback it is undone (an accepted message becomes available again).
   */
  readonly transaction?: AmqpTransaction;
}

const MODIFIED = 'amqp:modified:list';
const RELEASED_OUTCOME = 'amqp:released:list';

/** Options of `modify()`: the `modified` outcome (section 3.4.5), optionally in a transaction. */
export interface ModifyOptions extends SettleOptions {
  /** Count this as a failed delivery attempt (the broker increments delivery-count). */
  readonly deliveryFailed?: boolean;
  /** Do not deliver this message to this link again. */
  readonly undeliverableHere?: boolean;
  /** Annotations for the broker to merge into the message's message-annotations. */
  readonly messageAnnotations?: PropertyMap;
}

/**
 * `modify()` asked for what the sending peer cannot do (see the module comment). Nothing was sent;
 * the message is still unsettled: settle it with `release()` or `reject()`.
 */
export class UnsupportedOutcomeError extends RxMqError {
  /** The outcomes the peer's source lists. */
  readonly supported: readonly string[];
  constructor(message: string, supported: readonly string[]) {
    super(message);
    this.supported = supported;
  }
}

/** The outcomes the sending peer's source lists on `link`; undefined when it lists none. */
export function offeredOutcomes(link: ReceiverLink): readonly string[] | undefined {
  const source = link.remote?.source;
  // A source the decoder did not recognise is a plain AMQP value, which lists nothing.
  return source !== undefined && 'kind' in source && source.kind === 'source' ? source.outcomes : undefined;
}

/**
 * The disposition state for `modify(o)` on a link whose peer source lists `offered` outcomes
 * (undefined: no list, every outcome allowed).
 * @throws UnsupportedOutcomeError when the peer does not take `modified` and the options ask for
 *   more than `released` gives.
 */
export function modifiedState(o: ModifyOptions, offered: readonly string[] | undefined): DeliveryState {
  const annotations = o.messageAnnotations === undefined ? undefined
    : { type: 'map' as const, value: Object.entries(o.messageAnnotations).map(([k, v]) => [symbol(k), fromNative(v)] as const) };
  if (offered === undefined || offered.includes(MODIFIED)) {
    return { kind: 'modified', deliveryFailed: o.deliveryFailed, undeliverableHere: o.undeliverableHere, messageAnnotations: annotations };
  }
  const lost = [
    ...(o.undeliverableHere === true ? ['undeliverableHere'] : []),
    ...(o.messageAnnotations !== undefined && Object.keys(o.messageAnnotations).length > 0 ? ['messageAnnotations'] : []),
  ];
  if (lost.length === 0 && offered.includes(RELEASED_OUTCOME)) return RELEASED;
  throw new UnsupportedOutcomeError(
    `the peer does not support the modified outcome (its source offers ${offered.join(', ') || 'none'}), ` +
    (lost.length > 0 ? `and ${lost.join(' and ')} cannot be expressed otherwise` : 'nor released') +
    ': nothing was sent; settle the message with release() (redelivered, possibly to this link) or reject() (dead-lettered or dropped)',
    offered,
  );
}
