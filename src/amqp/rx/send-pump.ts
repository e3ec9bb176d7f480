/**
 * The send pump: what a send operator keeps from the first message to the last outcome, whatever
 * link it writes on. It takes upstream messages into a buffer of at most `bufferSize` (overflow is
 * a typed error), writes them while its link has credit, answers drain, turns each settlement
 * into an Outcome, and says when everything is done. `send()` binds it to one link for its whole
 * life; the reconnecting client binds it to a new link on each connection and, with `requeue()`,
 * sends again first what a lost link left without an outcome.
 */
import type { Observable } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import { IllegalStateError, MessageSizeExceededError } from '../engine/errors.js';
import type { OutgoingDelivery, SenderLink } from '../engine/sender-link.js';
import type { SessionContext } from './context.js';
import { Fifo } from './fifo.js';
import { linkName, linkObservable } from './link-observable.js';
import { encodeMessageParts, type Message } from './message.js';
import {
  addressed, linkTargetOf, outcomeOf, SendBufferOverflowError, withDefaults, type Delivery, type Outcome, type SendOptions,
} from './send-options.js';

/** Whom a pump reports to: the operator that owns it. */
export interface PumpOwner {
  /** One message's outcome, for downstream. */
  next(outcome: Outcome): void;
  /**
   * The pump is done: every message has its outcome and upstream completed (no error), or it
   * cannot go on (buffer overflow, a message that cannot be addressed or encoded, a failed write).
   */
  finish(error?: unknown): void;
}

/** One upstream message, from its arrival until its outcome. `seq` is its identity and its order. */
interface Entry {
  readonly seq: number;
  readonly message: Message;
  readonly presettled: boolean;
}

export class SendPump {
  readonly bufferSize: number;
  private readonly mode: Delivery | ((m: Message) => Delivery);
  /** Upstream messages not yet written. */
  private readonly queue = new Fifo<Entry>();
  /** Messages written on a lost link without an outcome: they go out again before the queue. */
  private resend: Entry[] = [];
  /** Messages written and awaiting their outcome, by `seq`. */
  private readonly unconfirmed = new Map<number, Entry>();
  private seq = 0;
  private upstreamDone = false;
  private stopped = false;
  private link: SenderLink | undefined;
  private ctx: SessionContext | undefined;
  /** This pump's options for `link.send`, filled in for each message (read before send returns). */
  private readonly linkSend: { settled: boolean; context: unknown } = { settled: false, context: undefined };

  /**
   * @param target the address, or null for the peer's anonymous relay (see SendOptions.routeByTo).
   */
  constructor(readonly target: string | null, readonly options: SendOptions, private readonly owner: PumpOwner) {
    this.bufferSize = options.bufferSize ?? 1000;
    this.mode = options.delivery ?? 'at-least-once';
  }

  /** The sender settle mode to attach with: a choice per message needs 'mixed'. */
  get sndSettleMode(): 'mixed' | 'settled' | 'unsettled' {
    const m = this.mode;
    return typeof m === 'function' ? 'mixed' : m === 'at-most-once' ? 'settled' : 'unsettled';
  }

  /** Messages without an outcome: queued, to be sent again, or awaiting one. */
  get unconfirmedCount(): number {
    return this.unconfirmed.size + this.resend.length + this.queue.length;
  }

  /** One upstream message: defaults applied, buffered, written if there is credit. */
  push(m: Message): void {
    if (this.stopped) return;
    if (this.queue.length >= this.bufferSize) return this.owner.finish(new SendBufferOverflowError(this.bufferSize));
    let message: Message;
    try {
      message = withDefaults(addressed(m, this.target, this.options), this.options);
    } catch (e) {
      return this.owner.finish(e);
    }
    const mode = this.mode;
    const presettled = (typeof mode === 'function' ? mode(message) : mode) === 'at-most-once';
    this.queue.push({ seq: this.seq++, message, presettled });
    this.pump();
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
    this.pump();
  }

  /** The link is gone: hold messages until the next `bind`. */
  unbind(): void {
    this.link = undefined;
    this.ctx = undefined;
  }

  /** The connection was lost: every message without an outcome goes out again, in its first order. */
  requeue(): void {
    if (this.unconfirmed.size === 0) return;
    this.resend = [...this.resend, ...this.unconfirmed.values()].sort((a, b) => a.seq - b.seq);
    this.unconfirmed.clear();
  }

  /** A delivery of the bound link changed: a settled one has its outcome. */
  settled(d: OutgoingDelivery): void {
    if (!d.settled) return;
    const entry = d.context as Entry;
    if (this.unconfirmed.get(entry.seq) !== entry) return;
    this.unconfirmed.delete(entry.seq);
    this.owner.next(outcomeOf(d, entry.message));
    this.maybeComplete();
  }

  /** Write while there is credit (messages to send again first), then answer a drain. */
  pump(): void {
    const link = this.link;
    const ctx = this.ctx;
    if (link === undefined || ctx === undefined || this.stopped) return;
    let wrote = false;
    while (!this.stopped && link.sendable && (this.resend.length > 0 || this.queue.length > 0)) {
      const entry = (this.resend.length > 0 ? this.resend.shift() : this.queue.shift()) as Entry; // O(1): see Fifo
      let d: OutgoingDelivery | MessageSizeExceededError;
      try {
        d = this.write(link, entry);
      } catch (e) {
        return this.owner.finish(e);
      }
      if (d instanceof MessageSizeExceededError) {
        this.owner.next({ state: 'rejected', message: entry.message, error: d });
        continue;
      }
      wrote = true;
      // The negotiated settle mode has the last word (a receiver may ask for pre-settled).
      if (d.presettled) this.owner.next({ state: 'sent', message: entry.message });
      else this.unconfirmed.set(entry.seq, entry);
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
  private write(link: SenderLink, entry: Entry): OutgoingDelivery | MessageSizeExceededError {
    const bytes = encodeMessageParts(entry.message);
    const o = this.linkSend;
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
    if (!this.stopped && this.upstreamDone && this.queue.length === 0 && this.resend.length === 0 && this.unconfirmed.size === 0) {
      this.owner.finish();
    }
  }
}

/**
 * The pump's link on one session, as a link-backed Observable: attached on subscribe (and bound
 * to the pump), detached on unsubscribe. It never emits; it errors when the
 * link ends under it (a sender has no clean end of its own: messages could be left unsent).
 */
export function pumpLink(ctx: SessionContext, pump: SendPump): Observable<never> {
  const address = linkTargetOf(pump.target, pump.options);
  return linkObservable<SenderLink, never>(ctx, (session) => session.attachSender({
    name: pump.options.name ?? linkName('sender', address ?? 'anonymous'), source: { kind: 'source' },
    target: { kind: 'target', address: address === undefined ? undefined : amqpString(address) },
    sndSettleMode: pump.sndSettleMode, rcvSettleMode: 'first',
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
