/**
 * Link handles for callers who want the link itself: its credit, delivery-count and available,
 * explicit `addCredit` and `drain`. Subscribing attaches; unsubscribing detaches.
 */
import { Observable, Subject } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import { IllegalStateError } from '../engine/errors.js';
import type { LinkState, ReceiverLink, SenderLink } from '../engine/link.js';
import { detachLink, type SessionContext } from './context.js';
import { encodeMessage, type Message } from './message.js';
import { linkName, receivedMessage, ReceivedMessage, sourceOf, type SourceSpec } from './receiver.js';
import type { Outcome } from './sender.js';
import { AmqpError } from '../engine/errors.js';

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
  return new Observable<ReceiverHandle>((subscriber) => {
    const address = typeof source === 'string' ? source : source.address;
    const link: ReceiverLink = ctx.session.attachReceiver({
      name: opts.name ?? linkName('receiver', address), source: sourceOf(source), target: { kind: 'target' },
    });
    const messages = new Subject<ReceivedMessage>();
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
    const off = ctx.driver.onLink(link, (e) => {
      switch (e.type) {
        case 'link-attach':
          if (e.link.remote?.source !== undefined) subscriber.next(handle);
          return;
        case 'delivery': {
          const m = receivedMessage(e.delivery, link, () => {});
          if (m instanceof ReceivedMessage) messages.next(m);
          else messages.error(m);
          return;
        }
        case 'link-flow':
          if (link.credit.credit === 0 && drainWaiters.length > 0) {
            const w = drainWaiters;
            drainWaiters = [];
            w.forEach((f) => f());
          }
          return;
        case 'link-detach':
          messages.complete();
          if (e.error !== undefined) subscriber.error(e.error);
          else subscriber.complete();
          return;
        default:
          return;
      }
    });
    ctx.driver.flushSoon();
    return () => {
      off();
      messages.complete();
      detachLink(ctx, link);
    };
  });
}

/** The Observable behind `AmqpSession.attachSender`: emits the handle once attached. */
export function attachSender(ctx: SessionContext, target: string | null, opts: { readonly name?: string } = {}): Observable<SenderHandle> {
  return new Observable<SenderHandle>((subscriber) => {
    const link: SenderLink = ctx.session.attachSender({
      name: opts.name ?? linkName('sender', target ?? 'anonymous'), source: { kind: 'source' },
      target: { kind: 'target', address: target === null ? undefined : amqpString(target) },
    });
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
    const off = ctx.driver.onLink(link, (e) => {
      switch (e.type) {
        case 'link-attach':
          if (e.link.remote?.target !== undefined) subscriber.next(handle);
          return;
        case 'link-flow':
          credit$.next(link.credit.credit);
          return;
        case 'delivery-update': {
          const p = pending.get(e.delivery.id);
          if (p === undefined || !e.delivery.settled) return;
          pending.delete(e.delivery.id);
          const s = e.delivery.remoteState;
          p.resolve(s?.kind === 'rejected'
            ? { state: 'rejected', message: p.message, error: s.error === undefined ? undefined : AmqpError.fromRemote(s.error, 'delivery') }
            : { state: s?.kind === 'accepted' ? 'accepted' : s?.kind === 'modified' ? 'modified' : 'released', message: p.message });
          return;
        }
        case 'link-detach': {
          const err = e.error ?? new IllegalStateError(`link ${link.name} detached before the outcome arrived`);
          for (const p of pending.values()) p.reject(err);
          pending.clear();
          credit$.complete();
          if (e.error !== undefined) subscriber.error(e.error);
          else subscriber.complete();
          return;
        }
        default:
          return;
      }
    });
    ctx.driver.flushSoon();
    return () => {
      off();
      credit$.complete();
      detachLink(ctx, link);
    };
  });
}
