/**
 * Link handles for callers who want the link itself: its credit, delivery-count and available,
 * explicit `addCredit` and `drain`. Subscribing attaches; unsubscribing detaches.
 */
import { Observable, Subject } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import { IllegalStateError } from '../engine/errors.js';
import type { LinkState, ReceiverLink, SenderLink } from '../engine/link.js';
import { detachLink, type SessionContext } from './context.js';
import { linkName, linkObservable } from './link-observable.js';
import { encodeMessage, type Message } from './message.js';
import { DEFAULT_MAX_MESSAGE_SIZE, undecodable, receivedMessage, ReceivedMessage, releaseHeld, sourceOf, type SourceSpec } from './receiver.js';
import { outcomeOf, type Outcome } from './send-options.js';

/** A receiver link you drive yourself (from `attachReceiver()`): grant credit, drain, settle. */
export interface ReceiverHandle {
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

/** A sender link you drive yourself (from `attachSender()`): watch credit, send one message at a time. */
export interface SenderHandle {
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
  /** Send one message at-least-once; resolves with its outcome. Needs credit (check `sendable`). */
  send(message: Message): Promise<Outcome>;
}

/** The Observable behind `AmqpSession.attachReceiver`: emits the handle once attached. */
export function attachReceiver(ctx: SessionContext, source: SourceSpec, opts: { readonly name?: string } = {}): Observable<ReceiverHandle> {
  const address = typeof source === 'string' ? source : source.address;
  return linkObservable<ReceiverLink, ReceiverHandle>(ctx, (session) => session.attachReceiver({
    name: opts.name ?? linkName('receiver', address), source: sourceOf(source), target: { kind: 'target' },
    maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  }), (run) => {
    const { link } = run;
    const messages = new Subject<ReceivedMessage>();
    /** Messages handed out and not settled: released when the handle's subscription ends. */
    const held = new Set<ReceivedMessage>();
    let drainWaiters: (() => void)[] = [];
    const handle: ReceiverHandle = {
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
    };
    return {
      attached: () => run.subscriber.next(handle),
      delivery: (d) => {
        const m = receivedMessage(d, link, (settled) => held.delete(settled));
        if (m instanceof ReceivedMessage) {
          held.add(m);
          messages.next(m);
        } else if (undecodable(ctx, m, 'reject')) messages.error(m);
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
        detachLink(ctx, link);
      },
    };
  });
}

/** The Observable behind `AmqpSession.attachSender`: emits the handle once attached. */
export function attachSender(ctx: SessionContext, target: string | null, opts: { readonly name?: string } = {}): Observable<SenderHandle> {
  return linkObservable<SenderLink, SenderHandle>(ctx, (session) => session.attachSender({
    name: opts.name ?? linkName('sender', target ?? 'anonymous'), source: { kind: 'source' },
    target: { kind: 'target', address: target === null ? undefined : amqpString(target) },
  }), (run) => {
    const { link } = run;
    const credit$ = new Subject<number>();
    const pending = new Map<number, { resolve: (o: Outcome) => void; reject: (e: Error) => void; message: Message }>();
    const handle: SenderHandle = {
      name: link.name,
      get state() { return link.state; },
      get credit() { return link.credit.credit; },
      get deliveryCount() { return link.credit.deliveryCount; },
      get sendable() { return link.sendable; },
      credit$: credit$.asObservable(),
      send: (message) => new Promise<Outcome>((resolve, reject) => {
        if (!link.sendable) return reject(new IllegalStateError(`link ${link.name} has no credit (state ${link.state})`));
        const d = link.send(encodeMessage(message));
        pending.set(d.id, { resolve, reject, message });
        ctx.driver.flushSoon();
      }),
    };
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
