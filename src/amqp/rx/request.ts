/**
 * Request/reply: one dynamic reply-to receiver per session (created on first use), one sender per
 * request target, correlation by message-id. Many requests can be in flight on the same links.
 */
import { Observable } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import type { ReceiverLink, SenderLink } from '../engine/link.js';
import { TimeoutError } from '../../errors.js';
import { IllegalStateError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import { encodeMessage, type InboundMessage, type Message } from './message.js';
import { linkName, receivedMessage, ReceivedMessage } from './receiver.js';

/** Options of `request()`. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply (default 10000). */
  readonly timeout?: number;
}

interface Pending {
  readonly resolve: (m: InboundMessage) => void;
}

/** The reply-to link and request senders of one session. */
class Requester {
  private replyLink: ReceiverLink | undefined;
  private replyAddress: Promise<string> | undefined;
  private readonly senders = new Map<string, { link: SenderLink; queue: Uint8Array[] }>();
  readonly pending = new Map<string, Pending>();

  constructor(private readonly ctx: SessionContext) {}

  /** The dynamic node's address, attaching the reply receiver on first use. */
  address(): Promise<string> {
    if (this.replyAddress !== undefined) return this.replyAddress;
    this.replyAddress = new Promise<string>((resolve, reject) => {
      const link = this.ctx.session.attachReceiver({
        name: linkName('replies', undefined), source: { kind: 'source', dynamic: true, expiryPolicy: 'link-detach' },
        target: { kind: 'target' },
      });
      this.replyLink = link;
      this.ctx.driver.onLink(link, (e) => {
        switch (e.type) {
          case 'link-attach': {
            const src = e.link.remote?.source as { kind?: string; address?: { type: string; value: unknown } } | undefined;
            const addr = src?.kind === 'source' && src.address !== undefined ? String(src.address.value) : undefined;
            if (e.link.remote?.source === undefined) return; // refused: the detach carries the reason
            if (addr === undefined) {
              // The peer accepted the link but ignored `dynamic` (Qpid Proton's example broker
              // does): there is no reply address, so fail now rather than at the timeout.
              link.detach();
              this.ctx.driver.flushSoon();
              this.replyAddress = undefined;
              reject(new IllegalStateError('the peer did not create a dynamic reply-to node: request/reply needs dynamic node support'));
              return;
            }
            link.flow(100);
            this.ctx.driver.flushSoon();
            resolve(addr);
            return;
          }
          case 'delivery': {
            // A reply that does not decode is rejected to its sender; no request can be matched to it.
            const m = receivedMessage(e.delivery, link, () => {});
            if (!(m instanceof ReceivedMessage)) return;
            const key = m.correlationId ?? m.messageId;
            if (!m.settled) m.accept();
            if (link.credit.credit < 50) link.flow(100);
            this.ctx.driver.flushSoon();
            const p = key === undefined ? undefined : this.pending.get(String(key));
            if (p !== undefined) {
              this.pending.delete(String(key));
              p.resolve(m);
            }
            return;
          }
          case 'link-detach':
            this.replyAddress = undefined;
            reject(e.error ?? new Error('reply link detached'));
            return;
          default:
            return;
        }
      });
      this.ctx.driver.flushSoon();
    });
    return this.replyAddress;
  }

  send(target: string, bytes: Uint8Array): void {
    let s = this.senders.get(target);
    if (s === undefined) {
      const link = this.ctx.session.attachSender({
        name: linkName('requests', target), source: { kind: 'source' }, target: { kind: 'target', address: amqpString(target) },
      });
      const entry = { link, queue: [] as Uint8Array[] };
      s = entry;
      this.senders.set(target, entry);
      this.ctx.driver.onLink(link, (e) => {
        if (e.type === 'link-flow' || e.type === 'link-attach') this.pump(entry);
        if (e.type === 'link-detach') this.senders.delete(target);
      });
    }
    s.queue.push(bytes);
    this.pump(s);
  }

  private pump(s: { link: SenderLink; queue: Uint8Array[] }): void {
    while (s.queue.length > 0 && s.link.sendable) s.link.send(s.queue.shift() as Uint8Array);
    this.ctx.driver.flushSoon();
  }
}

const requesters = new WeakMap<SessionContext, Requester>();

/** The request Observable behind `AmqpSession.request`: one request, one reply (see the module comment). */
export function request(ctx: SessionContext, target: string, message: Message, opts: RequestOptions = {}): Observable<InboundMessage> {
  return new Observable<InboundMessage>((subscriber) => {
    let r = requesters.get(ctx);
    if (r === undefined) {
      r = new Requester(ctx);
      requesters.set(ctx, r);
    }
    const requester = r;
    const id = typeof message.messageId === 'string' ? message.messageId : globalThis.crypto.randomUUID();
    const timer = setTimeout(() => {
      requester.pending.delete(id);
      subscriber.error(new TimeoutError(`no reply from ${target} within ${opts.timeout ?? 10_000} ms`));
    }, opts.timeout ?? 10_000);
    requester.pending.set(id, {
      resolve: (m) => {
        clearTimeout(timer);
        subscriber.next(m);
        subscriber.complete();
      },
    });
    requester.address().then(
      (replyTo) => {
        if (subscriber.closed) return;
        try {
          requester.send(target, encodeMessage({ ...message, messageId: id, replyTo }));
        } catch (e) {
          subscriber.error(e);
        }
      },
      (err: unknown) => subscriber.error(err),
    );
    return () => {
      clearTimeout(timer);
      requester.pending.delete(id);
    };
  });
}
