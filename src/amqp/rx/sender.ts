/**
 * `send()`: an operator mapping messages to their settlement outcomes. It attaches on subscribe,
 * transmits only with link credit, buffers at most `bufferSize` messages (overflow is a typed
 * error, never silent growth), completes once the upstream completed and every outcome is in, and
 * detaches on unsubscribe. Rejected, released and modified are values, not errors.
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { toNative, type NativeValue } from '../codec/native.js';
import { string as amqpString } from '../codec/values.js';
import { AmqpError, IllegalStateError, MessageSizeExceededError } from '../engine/errors.js';
import type { OutgoingDelivery, SenderLink } from '../engine/link.js';
import type { Target } from '../frames/definitions.generated.js';
import { RxMqError } from '../../errors.js';
import { detachLink, type SessionContext } from './context.js';
import { encodeMessageParts, type Message } from './message.js';
import { Fifo } from './fifo.js';
import { linkName } from './receiver.js';

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

const SEND_OPTIONS: { settled: boolean; context: unknown } = { settled: false, context: undefined };

/**
 * `link.send`, with the one refusal that concerns the message alone: a message over the
 * receiver's max-message-size is returned as the MessageSizeExceededError (nothing was written,
 * no credit or delivery-id used) so that the caller reports it as a local 'rejected' outcome and
 * goes on with the rest. Any other error throws.
 */
export function sendOrRefuse(link: SenderLink, bytes: Uint8Array | Uint8Array[], settled: boolean, context: unknown): OutgoingDelivery | MessageSizeExceededError {
  // One options object for every send: `link.send` reads it before it returns.
  SEND_OPTIONS.settled = settled;
  SEND_OPTIONS.context = context;
  try {
    return link.send(bytes, SEND_OPTIONS);
  } catch (e) {
    if (e instanceof MessageSizeExceededError) return e;
    throw e;
  } finally {
    SEND_OPTIONS.context = undefined; // keeps no message alive between sends
  }
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

/**
 * @param target the address to send to, or null for the peer's anonymous relay, where each
 *   message's `to` names its destination (see {@link SendOptions.routeByTo} for both at once).
 */
export function send(ctx: () => Observable<SessionContext>, target: string | null, opts: SendOptions = {}): OperatorFunction<Message, Outcome> {
  const bufferSize = opts.bufferSize ?? 1000;
  const mode = opts.delivery ?? 'at-least-once';
  const sndSettleMode = typeof mode === 'function' ? 'mixed' : mode === 'at-most-once' ? 'settled' : 'unsettled';
  return (source) => new Observable<Outcome>((subscriber) => {
    let link: SenderLink | undefined;
    let context: SessionContext | undefined;
    let upstream: Subscription | undefined;
    let off: (() => void) | undefined;
    const queue = new Fifo<Message>();
    let upstreamDone = false;
    let inFlight = 0;
    let finished = false;

    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      // Detach before telling downstream, which may close the session or connection right away.
      detach();
      if (err !== undefined) subscriber.error(err);
      else subscriber.complete();
    };
    const detach = (): void => {
      if (link !== undefined && context !== undefined) detachLink(context, link);
    };
    const maybeComplete = (): void => {
      if (upstreamDone && queue.length === 0 && inFlight === 0) finish();
    };
    const pump = (): void => {
      if (link === undefined || context === undefined || finished) return;
      let sent = false;
      while (queue.length > 0 && link.sendable) {
        const m = queue.shift() as Message; // O(1): see Fifo
        const presettled = (typeof mode === 'function' ? mode(m) : mode) === 'at-most-once';
        let bytes: Uint8Array | Uint8Array[];
        try {
          bytes = encodeMessageParts(m);
        } catch (e) {
          return finish(e);
        }
        let d: OutgoingDelivery | MessageSizeExceededError;
        try {
          d = sendOrRefuse(link, bytes, presettled, m);
        } catch (e) {
          return finish(e);
        }
        if (d instanceof MessageSizeExceededError) {
          subscriber.next({ state: 'rejected', message: m, error: d });
          if (finished) return; // downstream may have stopped at this outcome
          continue;
        }
        sent = true;
        // The negotiated settle mode has the last word (a receiver may ask for pre-settled).
        if (d.presettled) subscriber.next({ state: 'sent', message: m });
        else inFlight++;
      }
      if (link.drainRequested && queue.length === 0) {
        link.drained();
        sent = true;
      }
      if (sent) context.driver.flushSoon();
      maybeComplete();
    };

    const sessionSub = ctx().subscribe({
      next: (c) => {
        if (context !== undefined) return;
        context = c;
        const address = linkTargetOf(target, opts);
        const t: Target = { kind: 'target', address: address === undefined ? undefined : amqpString(address) };
        try {
          link = c.session.attachSender({
            name: opts.name ?? linkName('sender', address ?? 'anonymous'), source: { kind: 'source' }, target: t,
            sndSettleMode, rcvSettleMode: 'first',
          });
        } catch (e) {
          return finish(e);
        }
        const l = link;
        off = c.driver.onLink(l, (e) => {
          switch (e.type) {
            case 'link-attach':
              if (e.link.remote?.target === undefined) return; // refused: the detach follows
              return pump();
            case 'link-flow':
              return pump();
            case 'delivery-update':
              if (!e.delivery.settled) return;
              inFlight--;
              subscriber.next(outcomeOf(e.delivery, e.delivery.context as Message));
              return maybeComplete();
            case 'link-detach':
              return finish(e.error ?? new IllegalStateError(`link ${l.name} to ${target ?? 'anonymous relay'} was detached by the peer`));
            default:
              return;
          }
        });
        c.driver.flushSoon();
        upstream = source.subscribe({
          next: (m) => {
            if (queue.length >= bufferSize) return finish(new SendBufferOverflowError(bufferSize));
            let ready: Message;
            try {
              ready = withDefaults(addressed(m, target, opts), opts);
            } catch (e) {
              return finish(e);
            }
            queue.push(ready);
            pump();
          },
          error: (e) => finish(e),
          complete: () => { upstreamDone = true; maybeComplete(); },
        });
      },
      error: (e) => finish(e),
      complete: () => { if (!finished) finish(new IllegalStateError('the session ended before the sender finished')); },
    });

    return () => {
      finished = true;
      upstream?.unsubscribe();
      off?.();
      detach();
      sessionSub.unsubscribe();
    };
  });
}
