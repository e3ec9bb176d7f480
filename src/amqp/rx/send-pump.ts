/**
 * The send pump: what a send operator keeps from the first message to the last outcome, whatever
 * link it writes on. It takes every upstream message, from the operator's subscription on (before
 * any link exists), into a buffer bounded by the encoded bytes it holds, `bufferBytes`, and
 * optionally by a count, `bufferSize` (overflow is a typed error), writes them while its link has
 * credit, answers drain, turns each settlement into an Outcome, and says when everything is done. `send()` binds it to one link for its whole
 * life; the reconnecting client binds it to a new link on each connection and, with `requeue()`,
 * sends again first what a lost link left without an outcome.
 */
import type { Observable } from 'rxjs';
import { IllegalStateError, MessageSizeExceededError } from '../engine/errors.js';
import { PAYLOAD_BY_REFERENCE_MIN } from '../engine/output.js';
import { payloadLength, type Payload } from '../engine/payload.js';
import type { OutgoingDelivery, SenderLink } from '../engine/sender-link.js';
import type { TransactionalState } from '../frames/definitions.generated.js';
import type { SessionContext } from './context.js';
import type { AmqpTransaction } from './transaction.js';
import { Fifo } from './fifo.js';
import { linkName, linkObservable } from './link-observable.js';
import { linkOptionsOf, targetOf } from './link-details.js';
import { encodeMessageParts, withMessageId, type BodyInput, type Message } from './message.js';
import { randomUuid } from './message-ids.js';
import {
  addressed, generatesMessageId, linkTargetOf, outcomeOf, SendBufferOverflowError, withDefaults, type Delivery, type Outcome, type SendOptions,
} from './send-options.js';

/** Default of SendOptions.bufferBytes: generous, since a synchronous source cannot be paced. */
export const DEFAULT_BUFFER_BYTES = 64 * 1024 * 1024;

/** Whom a pump reports to: the operator that owns it. */
export interface PumpOwner<B> {
  /** One message's outcome, for downstream. */
  next(outcome: Outcome<B>): void;
  /**
   * The pump is done: every message has its outcome and upstream completed (no error), or it
   * cannot go on (buffer overflow, a message that cannot be addressed or encoded, a failed write).
   */
  finish(error?: unknown): void;
}

/** One upstream message, from its arrival until its outcome. `seq` is its identity and its order. */
interface Entry<B> {
  readonly seq: number;
  /** The message with the operator's defaults, but not its generated id (see `id`). */
  readonly message: Message<B>;
  readonly presettled: boolean;
  /** The message gets a generated message-id (SendOptions.messageIds). */
  readonly needsId: boolean;
  /**
   * Its generated message-id, made when it is first written (or encoded to be kept) and kept for
   * any re-send: a message waiting in the buffer holds no id string and no copy of itself.
   */
  id: string | undefined;
  /**
   * A large message's encoding while it waits in the queue (the encoder's own arrays, the body by
   * reference), dropped once written. A small one is encoded again when written (see push).
   */
  parts: Payload | undefined;
  /** Encoded bytes it counts in the queue (0 when written at once). */
  size: number;
  /** Written and awaiting its outcome: linked into the pump's list of such entries. */
  awaiting: boolean;
  prev: Entry<B> | undefined;
  next: Entry<B> | undefined;
}

export class SendPump<B = BodyInput> {
  /** Bound on the queue's encoded bytes. */
  readonly bufferBytes: number;
  /** Bound on the queue's messages (Infinity: none). */
  readonly bufferSize: number;
  private readonly mode: Delivery | ((m: Message<B>) => Delivery);
  /** Upstream messages not yet written. */
  private readonly queue = new Fifo<Entry<B>>();
  /** Encoded bytes in `queue`. */
  private queuedBytes = 0;
  /** Messages written on a lost link without an outcome: they go out again before the queue. */
  private resend: Entry<B>[] = [];
  /**
   * Messages written and awaiting their outcome, as a list linked through the entries in write
   * order: added and removed in O(1) with no hashing per message (a Map keyed by seq cost a
   * measurable part of the send path), and walked only when a lost link's messages go again.
   */
  private awaitingHead: Entry<B> | undefined;
  private awaitingTail: Entry<B> | undefined;
  private awaitingCount = 0;
  private seq = 0;
  private upstreamDone = false;
  private stopped = false;
  private link: SenderLink | undefined;
  private ctx: SessionContext | undefined;
  /** This pump's options for `link.send`, filled in for each message (read before send returns). */
  private readonly linkSend: { settled: boolean; context: unknown; readonly messageFormat: number; state: TransactionalState | undefined };

  /**
   * @param target the address, or null for the peer's anonymous relay (see SendOptions.routeByTo).
   */
  constructor(readonly target: string | null, readonly options: SendOptions<B>, private readonly owner: PumpOwner<B>) {
    this.bufferBytes = bound(options.bufferBytes, 'bufferBytes') ?? DEFAULT_BUFFER_BYTES;
    this.bufferSize = bound(options.bufferSize, 'bufferSize') ?? Infinity;
    this.mode = options.delivery ?? 'at-least-once';
    const messageFormat = options.messageFormat ?? 0;
    if (!Number.isInteger(messageFormat) || messageFormat < 0 || messageFormat > 0xffffffff) throw new RangeError(`messageFormat must be a uint, got ${messageFormat}`);
    this.linkSend = { settled: false, context: undefined, messageFormat, state: undefined };
  }

  /** The sender settle mode to attach with: a choice per message needs 'mixed'. */
  get sndSettleMode(): 'mixed' | 'settled' | 'unsettled' {
    const m = this.mode;
    return typeof m === 'function' ? 'mixed' : m === 'at-most-once' ? 'settled' : 'unsettled';
  }

  /** Messages without an outcome: queued, to be sent again, or awaiting one. */
  get unconfirmedCount(): number {
    return this.awaitingCount + this.resend.length + this.queue.length;
  }

  /**
   * One upstream message: defaults applied, then written at once if nothing waits and the link
   * has credit, else encoded and queued (past a bound, the operator fails with
   * SendBufferOverflowError).
   */
  push(m: Message<B>): void {
    if (this.stopped) return;
    let message: Message<B>;
    try {
      message = withDefaults(addressed(m, this.target, this.options), this.options);
    } catch (e) {
      return this.owner.finish(e);
    }
    const mode = this.mode;
    const presettled = (typeof mode === 'function' ? mode(message) : mode) === 'at-most-once';
    const needsId = generatesMessageId(message, this.options);
    const entry: Entry<B> = { seq: this.seq++, message, presettled, needsId, id: undefined, parts: undefined, size: 0, awaiting: false, prev: undefined, next: undefined };
    if (this.queue.length === 0 && this.resend.length === 0 && this.link?.sendable === true) {
      // The common case once attached: no copy of the encoding, no accounting.
      this.queue.push(entry);
      return this.pump();
    }
    if (this.queue.length >= this.bufferSize) return this.overflow('messages');
    let bytes: Payload;
    try {
      // Measured with an id of the generated ids' length; an encoding that is kept (below) is
      // made again with the real id, which the message then has from now on.
      bytes = encodeMessageParts(message, needsId ? ID_OF_GENERATED_LENGTH : undefined);
      if (needsId && isKept(bytes)) {
        entry.id = randomUuid();
        bytes = encodeMessageParts(message, entry.id);
      }
    } catch (e) {
      return this.owner.finish(e);
    }
    const size = payloadLength(bytes);
    // One message always fits an empty buffer: its size alone must not decide whether it is sent.
    if (this.queue.length > 0 && this.queuedBytes + size > this.bufferBytes) return this.overflow('bytes');
    // A small encoding is a view of the encoder's reused buffer: it is measured and let go, and
    // encoded again when written, which measured no slower than keeping a copy of each waiting
    // message in shared chunks. A large one is the encoder's own (fresh arrays, the body by
    // reference) and is kept.
    if (isKept(bytes)) entry.parts = bytes;
    entry.size = size;
    this.queuedBytes += size;
    this.queue.push(entry);
    this.pump();
  }

  private overflow(unit: 'bytes' | 'messages'): void {
    const limit = unit === 'bytes' ? this.bufferBytes : this.bufferSize;
    this.owner.finish(new SendBufferOverflowError(unit, limit, this.queuedBytes, this.queue.length));
  }

  /** Upstream completed: finish once every outcome is in. */
  end(): void {
    this.upstreamDone = true;
    this.maybeComplete();
  }

  /** The operator ended: nothing more is written or reported. */
  stop(): void {
    this.stopped = true;
  }

  /** Write on `link` from now on (as soon as it is attached and has credit). */
  bind(link: SenderLink, ctx: SessionContext): void {
    this.link = link;
    this.ctx = ctx;
    const tx = this.options.transaction;
    if (tx !== undefined) {
      // Transactional work goes over the transaction's own connection, or nowhere.
      try {
        tx.checkUsable(ctx.driver, 'cannot send');
      } catch (e) {
        return this.owner.finish(e);
      }
      this.linkSend.state = tx.postState;
    }
    this.pump();
  }

  /** The link is gone: hold messages until the next `bind`. */
  unbind(): void {
    this.link = undefined;
    this.ctx = undefined;
  }

  /** The connection was lost: every message without an outcome goes out again, in its first order. */
  requeue(): void {
    if (this.awaitingCount === 0) return;
    const lost: Entry<B>[] = [];
    for (let e = this.awaitingHead; e !== undefined; e = e.next) lost.push(e);
    for (const e of lost) this.unlinkAwaiting(e);
    this.resend = [...this.resend, ...lost].sort((a, b) => a.seq - b.seq);
  }

  /** A delivery of the bound link changed: a settled one has its outcome. */
  settled(d: OutgoingDelivery): void {
    if (!d.settled) return;
    const entry = d.context as Entry<B>;
    // Not awaiting: its link was lost and it went back to be sent again (requeue).
    if (!this.unlinkAwaiting(entry)) return;
    this.owner.next(outcomeOf(d, sentMessage(entry)));
    this.maybeComplete();
  }

  /** Write while there is credit (messages to send again first), then answer a drain. */
  pump(): void {
    const link = this.link;
    const ctx = this.ctx;
    if (link === undefined || ctx === undefined || this.stopped) return;
    let wrote = false;
    while (!this.stopped && link.sendable && (this.resend.length > 0 || this.queue.length > 0)) {
      let entry: Entry<B>;
      if (this.resend.length > 0) entry = this.resend.shift() as Entry<B>;
      else {
        entry = this.queue.shift() as Entry<B>; // O(1): see Fifo
        this.queuedBytes -= entry.size;
      }
      let d: OutgoingDelivery | MessageSizeExceededError;
      try {
        d = this.write(link, entry);
      } catch (e) {
        return this.owner.finish(e);
      }
      if (d instanceof MessageSizeExceededError) {
        this.owner.next({ state: 'rejected', message: sentMessage(entry), error: d });
        continue;
      }
      wrote = true;
      // The negotiated settle mode has the last word (a receiver may ask for pre-settled).
      if (d.presettled) this.owner.next({ state: 'sent', message: sentMessage(entry) });
      else this.linkAwaiting(entry);
    }
    if (this.stopped) return; // downstream stopped at an outcome: its link is going
    if (link.drainRequested && this.resend.length === 0 && this.queue.length === 0) {
      link.drained();
      wrote = true;
    }
    if (wrote) ctx.driver.flushSoon();
    this.maybeComplete();
  }

  /**
   * `link.send` of one message, with the one refusal that concerns the message alone: a message
   * over the receiver's max-message-size is returned as the MessageSizeExceededError (nothing was
   * written, no credit or delivery-id used), to be reported as a local 'rejected' outcome while
   * the rest go on. Anything else throws.
   */
  private write(link: SenderLink, entry: Entry<B>): OutgoingDelivery | MessageSizeExceededError {
    if (entry.needsId && entry.id === undefined) entry.id = randomUuid();
    const bytes = entry.parts ?? encodeMessageParts(entry.message, entry.id);
    entry.parts = undefined; // the entry may wait for its outcome a while: it keeps no bytes alive
    const o = this.linkSend;
    // A transaction that ended (committed, rolled back, lost) takes no more work.
    if (o.state !== undefined) (this.options.transaction as AmqpTransaction).checkUsable((this.ctx as SessionContext).driver, 'cannot send');
    o.settled = entry.presettled;
    o.context = entry;
    try {
      return link.send(bytes, o);
    } catch (e) {
      if (e instanceof MessageSizeExceededError) return e;
      throw e;
    } finally {
      o.context = undefined; // keeps no message alive between sends
    }
  }

  private maybeComplete(): void {
    if (!this.stopped && this.upstreamDone && this.queue.length === 0 && this.resend.length === 0 && this.awaitingCount === 0) {
      this.owner.finish();
    }
  }

  private linkAwaiting(e: Entry<B>): void {
    e.awaiting = true;
    e.prev = this.awaitingTail;
    e.next = undefined;
    if (this.awaitingTail === undefined) this.awaitingHead = e;
    else this.awaitingTail.next = e;
    this.awaitingTail = e;
    this.awaitingCount++;
  }

  /** Take `e` off the awaiting list; false when it was not on it. */
  private unlinkAwaiting(e: Entry<B>): boolean {
    if (!e.awaiting) return false;
    e.awaiting = false;
    if (e.prev === undefined) this.awaitingHead = e.next;
    else e.prev.next = e.next;
    if (e.next === undefined) this.awaitingTail = e.prev;
    else e.next.prev = e.prev;
    e.prev = undefined;
    e.next = undefined;
    this.awaitingCount--;
    return true;
  }
}

/**
 * The pump's link on one session, as a link-backed Observable: attached on subscribe (and bound
 * to the pump), detached on unsubscribe. It never emits; it errors when the
 * link ends under it (a sender has no clean end of its own: messages could be left unsent).
 */
export function pumpLink<B>(ctx: SessionContext, pump: SendPump<B>): Observable<never> {
  const address = linkTargetOf(pump.target, pump.options);
  return linkObservable<SenderLink, never>(ctx, (session) => session.attachSender({
    name: pump.options.name ?? linkName('sender', address ?? 'anonymous'), source: { kind: 'source' },
    sndSettleMode: pump.sndSettleMode, rcvSettleMode: pump.options.rcvSettleMode ?? 'first',
    ...linkOptionsOf(pump.options),
    target: targetOf(address === undefined ? {} : { address, capabilities: pump.options.targetCapabilities }),
  }), (run) => {
    // Bound at once, not at the peer's attach: a peer that answers with a null target and then
    // gives credit anyway (rhea's server does) is written to; the link sends only once attached.
    pump.bind(run.link, ctx);
    return {
      attached: () => pump.pump(),
      flow: () => pump.pump(),
      update: (d) => pump.settled(d),
      detached: (error) => run.end(error ?? new IllegalStateError(`link ${run.link.name} to ${pump.target ?? 'anonymous relay'} was detached by the peer`)),
      teardown: () => pump.unbind(),
    };
  });
}

/** A bound option: undefined, or a positive number (Infinity allowed); anything else is a RangeError. */
function bound(n: number | undefined, name: string): number | undefined {
  if (n === undefined) return undefined;
  if (!(n > 0)) throw new RangeError(`${name} must be a positive number, got ${n}`);
  return n;
}

/** A placeholder of a generated id's length (36 ASCII characters): a queued message's size is measured with it. */
const ID_OF_GENERATED_LENGTH = '00000000-0000-4000-8000-000000000000';

/** The message as it went out, generated id included: what outcomes carry. */
function sentMessage<B>(entry: Entry<B>): Message<B> {
  return withMessageId(entry.message, entry.id);
}

/** Whether a queued message's encoding is kept until written: a large one (the encoder's own arrays), not a view of its buffer. */
function isKept(bytes: Payload): boolean {
  return !(bytes instanceof Uint8Array) || bytes.length >= PAYLOAD_BY_REFERENCE_MIN;
}
