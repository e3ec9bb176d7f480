/**
 * What a send is asked to do and what becomes of each message: the options of the send operators
 * (`send()` and the reconnecting client's), the Outcome they emit and its mapping from a
 * delivery's settlement, the overflow error, and the defaults and addressing applied to each
 * message before it is queued.
 */
import { toNative, type NativeValue } from '../codec/native.js';
import { AmqpError, IllegalStateError } from '../engine/errors.js';
import type { OutgoingDelivery } from '../engine/sender-link.js';
import { RxMqError } from '../../errors.js';
import type { Message } from './message.js';

/** at-least-once: unsettled, the outcome comes from the receiver; at-most-once: pre-settled. */
export type Delivery = 'at-least-once' | 'at-most-once';

/** Options of the `send()` operator: settlement mode, buffer bound, message defaults, link name. */
export interface SendOptions {
  /** A fixed mode, or a choice per message (the link then negotiates 'mixed'). Default at-least-once. */
  readonly delivery?: Delivery | ((m: Message) => Delivery);
  /** Most messages waiting for credit before the operator errors (default 1000). */
  readonly bufferSize?: number;
  /** Give messages without a messageId a random uuid string (default true). */
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
   * Route by each message's `to` (default false). The link is then attached to the peer's
   * anonymous relay (a null target, which needs a peer offering `ANONYMOUS-RELAY`): a message
   * with `to` goes to that address, and one without goes to `target`, its `to` set to it (the
   * outcome's message shows it). One link for both keeps their order; two links would not.
   * With `target` null every message needs its own `to`.
   */
  readonly routeByTo?: boolean;
}

/** The `state` of an {@link Outcome}: a receiver's outcome, or 'sent' for an at-most-once message. */
export type OutcomeState = 'accepted' | 'rejected' | 'released' | 'modified' | 'sent';

/** What became of a message. */
export interface Outcome {
  /** accepted, rejected, released, modified, or sent (pre-settled: no outcome comes back). */
  readonly state: OutcomeState;
  /** The message this outcome is for, as sent (with any defaults and generated messageId). */
  readonly message: Message;
  /**
   * rejected: the receiver's error. A message larger than the receiver's max-message-size is
   * never sent: it gets a 'rejected' outcome whose error is a `MessageSizeExceededError`
   * (`local` true), and the messages around it are sent as usual.
   */
  readonly error?: AmqpError;
  /** modified: the receiver counts this as a failed delivery attempt. */
  readonly deliveryFailed?: boolean;
  /** modified: the receiver asks not to get this message again. */
  readonly undeliverableHere?: boolean;
  /** modified: annotations the receiver wants merged into the message. */
  readonly messageAnnotations?: { readonly [key: string]: NativeValue };
}

/** More messages arrived than the send buffer holds while waiting for credit. */
export class SendBufferOverflowError extends RxMqError {
  /** The `bufferSize` option that was exceeded. */
  readonly bufferSize: number;

  /** @param bufferSize the `bufferSize` option that was exceeded. */
  constructor(bufferSize: number) {
    super(`send buffer full: ${bufferSize} messages are waiting for link credit; slow the producer (e.g. concatMap) or raise bufferSize`);
    this.bufferSize = bufferSize;
  }
}

const uuid = (): string => globalThis.crypto.randomUUID();

/** The message with the operator's defaults applied (generated id, durable, ttl, priority). */
export function withDefaults(m: Message, o: SendOptions): Message {
  const needsId = (o.messageIds ?? true) && m.messageId === undefined;
  if (!needsId && o.durable === undefined && o.ttl === undefined && o.priority === undefined) return m;
  return {
    ...m,
    messageId: m.messageId ?? (needsId ? uuid() : undefined),
    durable: m.durable ?? o.durable,
    ttl: m.ttl ?? o.ttl,
    priority: m.priority ?? o.priority,
  };
}

/**
 * The address the send link attaches to: `target`, or undefined (the anonymous relay) when
 * `target` is null or the operator routes by `to`.
 */
export function linkTargetOf(target: string | null, o: SendOptions): string | undefined {
  return target === null || o.routeByTo === true ? undefined : target;
}

/**
 * `m` as it goes on a link to {@link linkTargetOf}: on the anonymous relay a message without `to`
 * is addressed to `target`; with no `target` either, it cannot be routed and this throws
 * IllegalStateError (a relay would reject it, or worse, drop it).
 */
export function addressed(m: Message, target: string | null, o: SendOptions): Message {
  if (m.to !== undefined || linkTargetOf(target, o) !== undefined) return m;
  if (target === null) throw new IllegalStateError('a message sent through the anonymous relay needs `to`');
  return { ...m, to: target };
}

/** The Outcome value for a settled delivery of `message`. */
export function outcomeOf(d: OutgoingDelivery, message: Message): Outcome {
  const s = d.remoteState;
  switch (s?.kind) {
    case 'accepted': return { state: 'accepted', message };
    case 'rejected':
      return {
        state: 'rejected', message,
        error: s.error === undefined ? undefined : AmqpError.fromRemote(s.error, 'delivery'),
      };
    case 'modified':
      return {
        state: 'modified', message, deliveryFailed: s.deliveryFailed, undeliverableHere: s.undeliverableHere,
        messageAnnotations: s.messageAnnotations === undefined ? undefined : toNative(s.messageAnnotations) as { [key: string]: NativeValue },
      };
    // A receiver that settles without a state leaves the outcome to the default: released.
    default: return { state: 'released', message };
  }
}
