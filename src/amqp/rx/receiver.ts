/**
 * `receive()`: an Observable of messages whose backpressure is AMQP link credit.
 *
 * - settle 'auto': each message is accepted right after the subscriber's `next` returns; credit is
 *   topped back up to `credit` when it falls to `creditThreshold`.
 * - settle 'manual': the subscriber settles. Credit is only given back as messages are settled, so
 *   delivered-but-unsettled messages never exceed `credit`: a slow subscriber stops the broker.
 * - `demand$`: pull mode; each number emitted grants that much credit, nothing else does.
 */
import { Observable, throwError, type Subscription } from 'rxjs';
import type { NativeValue } from '../codec/native.js';
import type { AmqpMap } from '../codec/types.js';
import { string as amqpString } from '../codec/values.js';
import { DecodeError } from '../../errors.js';
import { AmqpError, SettleError } from '../engine/errors.js';
import type { IncomingDelivery, ReceiverLink } from '../engine/link.js';
import type { DeliveryState, Source } from '../frames/definitions.generated.js';
import { ACCEPTED, RELEASED } from '../frames/fast-performatives.js';
import { InboundMessageView } from './message.js';
import { linkConnections, type SessionContext } from './context.js';
import { detachReceiver } from './quiesce.js';
import type { AmqpTransaction } from './transaction.js';
import { linkName, linkObservable } from './link-observable.js';
import { honoursOverlappingFlows } from './peer-quirks.js';
import { MessageDecodeError } from './message-decode-error.js';
import { undecodableWarning } from './warnings.js';
import { modifiedState, offeredOutcomes, type ModifyOptions, type SettleOptions } from './modify.js';
import { dynamicRefusal } from './dynamic-node.js';
import { linkDetails, linkOptionsOf, type LinkDetails, type LinkDetailOptions, type LinkSettleOptions, type TerminusDurability, type TerminusExpiryPolicy } from './link-details.js';

/**
 * How received messages are settled: 'auto' accepts each one after the subscriber's `next`
 * returns; 'manual' leaves accept/reject/release/modify to you, and credit follows settlement.
 */
export type SettleMode = 'auto' | 'manual';

/** Where to receive from: an address, or a full source description. */
export type SourceSpec = string | SourceOptions;

/** A source terminus (AMQP 1.0 section 3.5.3) beyond a bare address: dynamic nodes, filters, durability. */
export interface SourceOptions {
  /** The node to receive from, in the peer's syntax (RabbitMQ: `/queue/NAME`, `/exchange/X/KEY`...). */
  readonly address?: string;
  /** Ask the peer to create a node (reply-to queues); its address arrives in the attach. */
  readonly dynamic?: boolean;
  /**
   * The source's filter-set, sent as is in the attach: a map from filter names (symbols) to
   * described filter values, built with the typed constructors of `rx-mq/amqp`, e.g. a JMS selector:
   * `map([[symbol('selector'), described(symbol('apache.org:selector-filter:string'), string("color = 'red'"))]])`.
   * The peer's attach answers with the filters it applied (`remote.source.filter`).
   */
  readonly filter?: AmqpMap;
  /**
   * What of the terminus survives a detach or restart (terminus-durability). 'configuration' or
   * 'unsettled-state' makes the link a durable subscription: it needs a stable link `name` (and
   * the connection a stable `containerId`), unsubscribing detaches it with closed=false (the peer
   * keeps the subscription and its messages), attaching again with the same container-id and
   * name resumes it, and `unsubscribeDurable()` ends it for good. See docs/DURABLE.md.
   */
  readonly durable?: TerminusDurability;
  /**
   * When the terminus' clock to expire starts (terminus-expiry-policy). Default: the
   * specification's 'session-end', except for a durable source: 'never', since a durable
   * subscription that ends with its session would not outlive anything.
   */
  readonly expiryPolicy?: TerminusExpiryPolicy;
  /** Seconds the terminus is kept once its expiry policy's event happened (default 0). */
  readonly timeout?: number;
  /** 'copy' browses a queue instead of consuming it. */
  readonly distributionMode?: 'move' | 'copy';
  /** Source capabilities to ask for (e.g. `queue`, `topic`, as the peer names them). */
  readonly capabilities?: readonly string[];
}

/**
 * Options of `receive()`: the credit window, how messages are settled, pull mode, and the link's
 * settle modes and details (`sndSettleMode: 'settled'` is receive-and-delete).
 */
export interface ReceiveOptions extends LinkSettleOptions, LinkDetailOptions {
  /** Credit window (default 100). */
  readonly credit?: number;
  /** Top up when outstanding credit falls to this (auto mode; default credit / 2). */
  readonly creditThreshold?: number;
  /** 'auto' (default) or 'manual'; see {@link SettleMode}. */
  readonly settle?: SettleMode;
  /** Pull mode: each value grants that much credit. */
  readonly demand$?: Observable<number>;
  /** Link name (default: generated). Durable subscriptions need one: it is how they are resumed. */
  readonly name?: string;
  /**
   * The largest message accepted, in bytes (default 64 MiB; 0 = no limit). Stated in the attach
   * (max-message-size), so a well-behaved sender refuses larger messages itself; a larger one
   * that arrives anyway detaches the link with amqp:link:message-size-exceeded and the stream
   * errors with `MessageSizeExceededError`, before more than the limit is held in memory.
   */
  readonly maxMessageSize?: number;
  /**
   * Called each time the link is attached (with `amqpClient`, again after every reconnect) with
   * the peer's answer: e.g. the address of the dynamic node it created (`remoteSource.address`),
   * the filters it applied. Called before any message of that link; an exception ends the stream.
   */
  readonly onAttach?: (link: LinkDetails) => void;
  /**
   * What a message whose bytes do not decode does to the stream. Either way it is rejected to the
   * sender with amqp:decode-error (a broker does not redeliver it; most dead-letter it).
   * 'reject' (default): it is reported through the connection's `onWarning` (code
   * `undecodable-message`, with the MessageDecodeError) and the stream goes on with the next
   * message. 'error': the stream errors with the MessageDecodeError (and a reconnecting client's
   * receive ends).
   */
  readonly onDecodeError?: DecodeErrorMode;
}

/** See {@link ReceiveOptions.onDecodeError}. */
export type DecodeErrorMode = 'reject' | 'error';

export type { ModifyOptions, SettleOptions } from './modify.js';

/** Error details for `reject()`. */
export interface RejectError {
  /** The error condition symbol, e.g. `amqp:internal-error` or an application-defined one. */
  readonly condition: string;
  /** A human-readable reason. */
  readonly description?: string;
}

/**
 * A received message plus its settlement. `accept`/`reject`/`release`/`modify` settle it once;
 * for a message the sender pre-settled (at-most-once) nothing goes on the wire, but the call still
 * marks it processed, which is what returns its credit in manual mode.
 */
export class ReceivedMessage<B = NativeValue> extends InboundMessageView<B> {
  private done = false;
  /** Set when the library gave the message back because its stream ended (see releaseOnEnd). */
  private givenBack = false;

  /** Made by the library for each delivery; applications receive instances, they do not create them. */
  constructor(
    private readonly delivery: IncomingDelivery,
    private readonly link: ReceiverLink,
    private readonly onSettled: (m: ReceivedMessage) => void,
  ) {
    super(delivery.payloadBuffer, delivery.payloadStart, delivery.payloadEnd);
  }

  /** The link this message arrived on. */
  get linkName(): string { return this.link.name; }
  /** The session's delivery-id of this transfer. */
  get deliveryId(): number { return this.delivery.id; }
  /** The sender's delivery-tag of this transfer. */
  get deliveryTag(): Uint8Array { return this.delivery.tag; }
  /** Whether the application (or auto mode) has settled it. */
  get settled(): boolean { return this.done; }
  /**
   * The sender settled it before sending (at-most-once, or receive-and-delete): no outcome is
   * expected, and accept/reject/release/modify send nothing (they only mark it processed, which
   * returns its credit in manual mode): the sender has already forgotten it.
   */
  get presettled(): boolean { return this.delivery.remoteSettled; }
  /** The message-format of its transfer (0 for a standard AMQP message; e.g. 0x80013700 for a batch). */
  get messageFormat(): number { return this.delivery.messageFormat; }

  /**
   * Accept: processed; the broker forgets the message. With `{ transaction }`, only once the
   * transaction commits (see {@link SettleOptions}).
   */
  accept(opts?: SettleOptions): void { this.settle(ACCEPTED, opts?.transaction); }
  /** Reject: the message is invalid and must not be redelivered (dead-lettered by most brokers). */
  reject(error?: RejectError, opts?: SettleOptions): void {
    this.settle({ kind: 'rejected', error: error === undefined ? undefined : { kind: 'error', condition: error.condition, description: error.description } }, opts?.transaction);
  }
  /** Release: not processed; the broker may redeliver it, to us or another consumer. */
  release(opts?: SettleOptions): void { this.settle(RELEASED, opts?.transaction); }
  /**
   * Modify: not processed, with hints for redelivery; see {@link ModifyOptions}. Where the peer's
   * source does not offer `modified` (RabbitMQ 3.x, which ends the session on it), it is sent as
   * `released` when that means the same, else refused with UnsupportedOutcomeError and the
   * message left unsettled (see modify.ts).
   */
  modify(o: ModifyOptions = {}): void {
    // An already settled or pre-settled message sends nothing: only the settle checks apply.
    const offered = this.done || this.delivery.remoteSettled ? undefined : offeredOutcomes(this.link);
    this.settle(modifiedState(o, offered), o.transaction);
  }

  /**
   * @internal The stream that delivered this message ended (error, unsubscribe, take(n)...) with
   * the message unsettled: release it now, before the link's detach, so that the broker delivers it
   * again instead of holding it (RabbitMQ 3.10 keeps a detached link's unsettled messages for as
   * long as the session lives). Settling it afterwards throws SettleError('link-closed').
   */
  /** @internal settled with an outcome that returns it to the broker for redelivery */
  givenBackToBroker = false;

  releaseOnEnd(): void {
    if (this.done || this.givenBack || this.delivery.remoteSettled) return;
    this.givenBack = true;
    if (!this.delivery.settled && this.link.state !== 'closed') this.link.settle(this.delivery, RELEASED);
  }

  private settle(state: DeliveryState, transaction: AmqpTransaction | undefined): void {
    if (this.done) throw new SettleError('already-settled', this.delivery.id, this.link.name, 'is already settled');
    if (this.givenBack) {
      throw new SettleError('link-closed', this.delivery.id, this.link.name, 'was released when the stream that delivered it ended; the broker delivers it again');
    }
    // In a transaction: one that is active and of this message's connection, or the message stays
    // unsettled and the caller hears why (TransactionEndedError, TransactionLostError).
    let wire = state;
    if (transaction !== undefined) {
      const driver = linkConnections.get(this.link);
      if (driver !== undefined) transaction.checkUsable(driver, `cannot settle message ${this.delivery.id} in it`);
      wire = transaction.settleState(state);
    }
    // Throws SettleError('link-closed') when no outcome can reach the broker; the message then
    // stays unsettled, as it is.
    if (!this.delivery.settled) this.link.settle(this.delivery, wire);
    this.done = true;
    this.givenBackToBroker = state.kind === 'released' || state.kind === 'modified';
    this.onSettled(this as ReceivedMessage<unknown> as ReceivedMessage);
  }
}

export { MessageDecodeError };

/**
 * The message of a delivery, or, when its bytes do not decode, the error to fail the stream
 * with, the delivery rejected (see MessageDecodeError). Every receiving stream makes its
 * messages here, so that a malformed message from a peer never throws out of the socket's read.
 */
export function receivedMessage(
  delivery: IncomingDelivery, link: ReceiverLink, onSettled: (m: ReceivedMessage) => void,
): ReceivedMessage | MessageDecodeError {
  try {
    return new ReceivedMessage(delivery, link, onSettled);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const reject = !delivery.settled && link.state === 'attached';
    if (reject) {
      link.settle(delivery, { kind: 'rejected', error: { kind: 'error', condition: 'amqp:decode-error', description: e.message } });
    }
    return new MessageDecodeError(e, delivery.id, link.name, reject);
  }
}

/**
 * A delivery did not decode (it was rejected already, see receivedMessage): with
 * `onDecodeError: 'error'` the stream ends with `e` (true returned); by default the connection's
 * warning handler hears of it and the stream goes on (false).
 */
export function undecodable(ctx: SessionContext, e: MessageDecodeError, mode: DecodeErrorMode | undefined): boolean {
  if (mode === 'error') return true;
  ctx.driver.onWarning(undecodableWarning(e));
  ctx.driver.flushSoon();
  return false;
}

/**
 * A receiving stream ended: release every message of `held` (handed to the subscriber and still
 * unsettled, see ReceivedMessage.releaseOnEnd) and every delivery the link took that never reached
 * the subscriber (those arriving in the same read as the message that ended the stream), so that
 * nothing stays with the link when it detaches. Each receiving stream does this just before
 * detaching.
 */
export function releaseHeld(ctx: SessionContext, link: ReceiverLink, held: Set<ReceivedMessage>): void {
  if (!ctx.closed()) {
    for (const m of held) m.releaseOnEnd();
    link.settleAllUnsettled(RELEASED);
    ctx.driver.flushSoon();
  }
  held.clear();
}

/** Whether `spec` asks for a durable source (a subscription that outlives its link). */
export function isDurable(spec: SourceSpec): boolean {
  return typeof spec !== 'string' && spec.durable !== undefined && spec.durable !== 'none';
}

/**
 * The link name of a link to `spec`: the one given, or a generated one, which a durable source
 * cannot have (it could never be resumed): RangeError.
 */
export function receiverName(spec: SourceSpec, name: string | undefined): string {
  if (name !== undefined) return name;
  if (isDurable(spec)) throw new RangeError('a durable source needs a stable link name: pass `name` (the peer keys the subscription by container-id and link name)');
  return linkName('receiver', typeof spec === 'string' ? spec : spec.address);
}

/** A RangeError for an `onDecodeError` that is neither 'reject' nor 'error'. */
export function checkDecodeErrorMode(mode: unknown): void {
  if (mode !== undefined && mode !== 'reject' && mode !== 'error') throw new RangeError(`onDecodeError must be 'reject' or 'error', got ${String(mode)}`);
}

/** The default of `ReceiveOptions.maxMessageSize`: no peer grows us by more than this per message. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

/** The max-message-size a receiving link states: the option (0: none), else the default. */
export function receiveLimit(max: number | undefined): number | undefined {
  if (max === undefined) return DEFAULT_MAX_MESSAGE_SIZE;
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxMessageSize must be a non-negative integer, got ${String(max)}`);
  return max === 0 ? undefined : max;
}

/** The source terminus a {@link SourceSpec} describes. */
export function sourceOf(spec: SourceSpec): Source {
  const o: SourceOptions = typeof spec === 'string' ? { address: spec } : spec;
  return {
    kind: 'source',
    address: o.address === undefined ? undefined : amqpString(o.address),
    dynamic: o.dynamic,
    filter: o.filter,
    durable: o.durable,
    expiryPolicy: o.expiryPolicy ?? (isDurable(o) ? 'never' : undefined),
    timeout: o.timeout,
    distributionMode: o.distributionMode,
    capabilities: o.capabilities,
  };
}

/**
 * The receive Observable. Attaches on subscribe, detaches on unsubscribe; a remote detach with an
 * error becomes an error notification, a clean one completes.
 */
export function receive(ctx: SessionContext, source: SourceSpec, opts: ReceiveOptions = {}): Observable<ReceivedMessage> {
  const credit = opts.credit ?? 100;
  const threshold = opts.creditThreshold ?? Math.floor(credit / 2);
  const settleMode = opts.settle ?? 'auto';
  const demand$ = opts.demand$;
  if (!Number.isInteger(credit) || credit < 1) throw new RangeError('credit must be a positive integer');
  // A durable subscription detaches with closed=false: the peer keeps it for the next attach.
  const closeOnDetach = !isDurable(source);
  const refusal = dynamicRefusal(ctx, typeof source === 'string' ? undefined : source.dynamic);
  if (refusal !== undefined) return throwError(() => refusal);
  checkDecodeErrorMode(opts.onDecodeError);
  return linkObservable<ReceiverLink, ReceivedMessage>(ctx, (session) => session.attachReceiver({
    name: receiverName(source, opts.name), source: sourceOf(source), target: { kind: 'target' },
    sndSettleMode: opts.sndSettleMode ?? 'unsettled', rcvSettleMode: opts.rcvSettleMode ?? 'first', maxMessageSize: receiveLimit(opts.maxMessageSize),
    ...linkOptionsOf(opts),
  }), (run) => {
    const { link, subscriber } = run;
    let unsettled = 0;
    /** Messages handed to the subscriber and not settled yet: released when the stream ends. */
    const held = new Set<ReceivedMessage>();
    let demandSub: Subscription | undefined;
    // The message whose `next` is running: `take(n)` downstream tears us down from inside it.
    let inHand: ReceivedMessage | undefined;

    // Manual mode: credit + unsettled never exceeds `credit`. On a peer that over-delivers when
    // flows overlap (see peer-quirks.ts), credit is topped up only when none is outstanding: the
    // last delivery of a grant calls refill too.
    const exactOnlyAtZero = settleMode === 'manual' && !honoursOverlappingFlows(ctx);
    if (exactOnlyAtZero) link.credit.adoptsSenderCount = false;
    // A message was given back to the broker since the last grant (see below).
    let givenBack = false;
    const refill = (): void => {
      if (run.ended || demand$ !== undefined || link.state !== 'attached') return;
      const window = credit - unsettled;
      const current = link.credit.credit;
      if (settleMode === 'auto') {
        if (current <= threshold) link.flow(credit);
      } else if (exactOnlyAtZero && current > 0) {
        // RabbitMQ does not redeliver a message given back (released, modified) on credit that is
        // already out (measured: one attempt, never a second), so that needs a grant now. Granting
        // the window less what is outstanding keeps the bound: the peer takes the figure as its
        // new credit, and at most what is outstanding can still be on its way.
        if (!givenBack || window - current < 1) return;
        givenBack = false;
        link.flow(window - current);
      } else if (window - current >= Math.max(1, credit - threshold) || (window > 0 && current === 0 && unsettled === 0)) {
        givenBack = false;
        link.flow(window);
      }
      ctx.driver.flushSoon();
    };
    // Refills run after the batch of events being dispatched: the engine has already counted
    // every delivery of a read, and `unsettled` counts only those handed to the subscriber so far,
    // so a window computed in the middle of a batch would grant credit for deliveries that are
    // about to be handed over (measured on RabbitMQ: 26 unsettled with credit 20).
    let refillQueued = false;
    const refillSoon = (): void => {
      if (refillQueued) return;
      refillQueued = true;
      queueMicrotask(() => {
        refillQueued = false;
        refill();
      });
    };
    const onSettled = (m: ReceivedMessage): void => {
      held.delete(m);
      unsettled--;
      if (m.givenBackToBroker) givenBack = true;
      refillSoon();
    };
    return {
      attached: () => {
        if (opts.onAttach !== undefined) {
          try {
            opts.onAttach(linkDetails(link));
          } catch (e) {
            return run.end(e);
          }
        }
        if (demand$ === undefined) return link.flow(credit);
        demandSub = demand$.subscribe({
          next: (n) => { if (link.state === 'attached' && n > 0) { link.addCredit(n); ctx.driver.flushSoon(); } },
          error: (err) => run.end(err),
        });
      },
      delivery: (d) => {
        const m = receivedMessage(d, link, onSettled);
        if (m instanceof MessageDecodeError) {
          if (undecodable(ctx, m, opts.onDecodeError)) return run.end(m);
          // Rejected: its credit is given back like a settled message's.
          return refillSoon();
        }
        // Counted until the application settles it, pre-settled or not: that is the bound.
        unsettled++;
        held.add(m);
        inHand = m;
        subscriber.next(m);
        inHand = undefined;
        // A stream torn down inside `next` has settled it in its teardown (accepted, see below).
        if (settleMode === 'auto' && !m.settled && !run.ended && link.state !== 'closed') m.accept();
        else if (exactOnlyAtZero && link.credit.credit === 0) refillSoon();
      },
      teardown: () => {
        demandSub?.unsubscribe();
        // Auto mode promises to accept what it delivered: the message that ended the stream too,
        // before the detach (the session flushes dispositions ahead of it).
        if (settleMode === 'auto' && inHand !== undefined && !inHand.settled && link.state === 'attached' && !ctx.closed()) {
          inHand.accept();
        }
      },
      // Whatever ended the stream, nothing it took stays with it: the rest is released first.
      detach: () => {
        releaseHeld(ctx, link, held);
        detachReceiver(ctx, link, closeOnDetach);
      },
    };
  });
}

export { AmqpError };
