/**
 * Link handles for callers who want the link itself: its credit, delivery-count and available,
 * explicit `addCredit` and `drain`, the settle modes in use and the peer's answering attach
 * (link-details.ts). Subscribing attaches; unsubscribing detaches (with closed=false for a
 * durable source: the peer keeps the subscription).
 */
import { Observable, Subject } from 'rxjs';
import { IllegalStateError } from '../engine/errors.js';
import type { Link, LinkState, ReceiverLink, SenderLink } from '../engine/link.js';
import { detachLink, type SessionContext } from './context.js';
import { linkName, linkObservable } from './link-observable.js';
import { linkDetails, linkOptionsOf, targetOf, type LinkDetailOptions, type LinkDetails, type LinkSettleOptions, type TargetSpec } from './link-details.js';
import { encodeMessage, type Message } from './message.js';
import { isDurable, receivedMessage, ReceivedMessage, receiverName, releaseHeld, sourceOf, type SourceSpec } from './receiver.js';
import { outcomeOf, type Outcome } from './send-options.js';

/** Options of `attachReceiver()`: the link name, its settle modes and details. */
export interface AttachReceiverOptions extends LinkSettleOptions, LinkDetailOptions {
  /** Link name (default: generated; a durable source needs one). */
  readonly name?: string;
  /** Refuse messages larger than this many bytes (the link detaches with message-size-exceeded). */
  readonly maxMessageSize?: number;
}

/** Options of `attachSender()`: the link name, its settle modes and details. */
export interface AttachSenderOptions extends LinkSettleOptions, LinkDetailOptions {
  /** Link name (default: generated). */
  readonly name?: string;
}

/** Per-message options of `SenderHandle.send`. */
export interface HandleSendOptions {
  /** The transfer's message-format (default 0; e.g. 0x80013700 for a batch). */
  readonly messageFormat?: number;
}

/**
 * A receiver link you drive yourself (from `attachReceiver()`): grant credit, drain, settle; its
 * settle modes in use and the peer's source (the filters it applied) are its {@link LinkDetails}.
 */
export interface ReceiverHandle extends LinkDetails {
  /** The link name. */
  readonly name: string;
  /** The link's state: attached until a detach is sent or received. */
  readonly state: LinkState;
  /** Credit outstanding (granted and not yet used). */
  readonly credit: number;
  /** The link's delivery-count (section 2.6.7): transfers so far, as the credit arithmetic counts them. */
  readonly deliveryCount: number;
  /** What the sender last said it could send. */
  readonly available: number;
  /** Every message arriving on this link; settle them yourself. */
  readonly messages$: Observable<ReceivedMessage>;
  /** Grant `n` more credit (on top of what is outstanding). */
  addCredit(n: number): void;
  /** Ask the sender to use or return all credit; resolves when it has answered. */
  drain(): Promise<void>;
}

/**
 * A sender link you drive yourself (from `attachSender()`): watch credit, send one message at a
 * time; the peer's target (a dynamic node's address) is among its {@link LinkDetails}.
 */
export interface SenderHandle extends LinkDetails {
  /** The link name. */
  readonly name: string;
  /** The link's state: attached until a detach is sent or received. */
  readonly state: LinkState;
  /** Credit the receiver has granted and we have not used. */
  readonly credit: number;
  /** The link's delivery-count (section 2.6.7): messages sent so far, as the credit arithmetic counts them. */
  readonly deliveryCount: number;
  /** Whether a message can be sent right now (attached, with credit). */
  readonly sendable: boolean;
  /** Changes of credit: emits after each flow from the receiver. */
  readonly credit$: Observable<number>;
  /**
   * Send one message; resolves with its outcome ('sent' at once when the link's snd-settle-mode is
   * 'settled'). Needs credit (check `sendable`).
   */
  send(message: Message, opts?: HandleSendOptions): Promise<Outcome>;
}

/** The Observable behind `AmqpSession.attachReceiver`: emits the handle once attached. */
export function attachReceiver(ctx: SessionContext, source: SourceSpec, opts: AttachReceiverOptions = {}): Observable<ReceiverHandle> {
  const closeOnDetach = !isDurable(source);
  return linkObservable<ReceiverLink, ReceiverHandle>(ctx, (session) => session.attachReceiver({
    name: receiverName(source, opts.name), source: sourceOf(source), target: { kind: 'target' },
    sndSettleMode: opts.sndSettleMode, rcvSettleMode: opts.rcvSettleMode, maxMessageSize: opts.maxMessageSize,
    ...linkOptionsOf(opts),
  }), (run) => {
    const { link } = run;
    const messages = new Subject<ReceivedMessage>();
    /** Messages handed out and not settled: released when the handle's subscription ends. */
    const held = new Set<ReceivedMessage>();
    let drainWaiters: (() => void)[] = [];
    const handle: ReceiverHandle = withDetails(link, {
      name: link.name,
      get state() { return link.state; },
      get credit() { return link.credit.credit; },
      get deliveryCount() { return link.credit.deliveryCount; },
      get available() { return link.credit.available; },
      messages$: messages.asObservable(),
      addCredit: (n) => { link.addCredit(n); ctx.driver.flushSoon(); },
      drain: () => new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        link.flow(link.credit.credit, true);
        ctx.driver.flushSoon();
      }),
    });
    return {
      attached: () => run.subscriber.next(handle),
      delivery: (d) => {
        const m = receivedMessage(d, link, (settled) => held.delete(settled));
        if (m instanceof ReceivedMessage) {
          held.add(m);
          messages.next(m);
        } else messages.error(m);
      },
      flow: () => {
        if (link.credit.credit !== 0 || drainWaiters.length === 0) return;
        const w = drainWaiters;
        drainWaiters = [];
        w.forEach((f) => f());
      },
      detached: (error) => {
        messages.complete();
        run.end(error);
      },
      teardown: () => messages.complete(),
      detach: () => {
        releaseHeld(ctx, link, held);
        detachLink(ctx, link, closeOnDetach);
      },
    };
  });
}

/** The Observable behind `AmqpSession.attachSender`: emits the handle once attached. */
export function attachSender(ctx: SessionContext, target: TargetSpec, opts: AttachSenderOptions = {}): Observable<SenderHandle> {
  const address = target === null ? undefined : typeof target === 'string' ? target : target.address;
  return linkObservable<SenderLink, SenderHandle>(ctx, (session) => session.attachSender({
    name: opts.name ?? linkName('sender', address ?? (target !== null && typeof target === 'object' && target.dynamic ? 'dynamic' : 'anonymous')),
    source: { kind: 'source' }, target: targetOf(target),
    sndSettleMode: opts.sndSettleMode, rcvSettleMode: opts.rcvSettleMode,
    ...linkOptionsOf(opts),
  }), (run) => {
    const { link } = run;
    const credit$ = new Subject<number>();
    const pending = new Map<number, { resolve: (o: Outcome) => void; reject: (e: Error) => void; message: Message }>();
    const handle: SenderHandle = withDetails(link, {
      name: link.name,
      get state() { return link.state; },
      get credit() { return link.credit.credit; },
      get deliveryCount() { return link.credit.deliveryCount; },
      get sendable() { return link.sendable; },
      credit$: credit$.asObservable(),
      send: (message, o) => new Promise<Outcome>((resolve, reject) => {
        if (!link.sendable) return reject(new IllegalStateError(`link ${link.name} has no credit (state ${link.state})`));
        const d = link.send(encodeMessage(message), { messageFormat: o?.messageFormat });
        ctx.driver.flushSoon();
        if (d.presettled) return resolve({ state: 'sent', message });
        pending.set(d.id, { resolve, reject, message });
      }),
    });
    return {
      attached: () => run.subscriber.next(handle),
      flow: () => credit$.next(link.credit.credit),
      update: (d) => {
        const p = pending.get(d.id);
        if (p === undefined || !d.settled) return;
        pending.delete(d.id);
        p.resolve(outcomeOf(d, p.message));
      },
      detached: (error) => {
        const err = error ?? new IllegalStateError(`link ${link.name} detached before the outcome arrived`);
        for (const p of pending.values()) p.reject(err);
        pending.clear();
        credit$.complete();
        run.end(error);
      },
      teardown: () => credit$.complete(),
    };
  });
}

/** `handle` with the {@link LinkDetails} of `link` as getters (read when asked: they change when the peer answers). */
function withDetails<H extends object>(link: Link, handle: Omit<H, keyof LinkDetails>): H {
  const details = linkDetails(link);
  for (const key of Object.keys(details) as (keyof LinkDetails)[]) {
    Object.defineProperty(handle, key, { get: () => details[key], enumerable: true });
  }
  return handle as H;
}
