/**
 * Request/reply: one dynamic reply-to receiver per session (created on first use), one sender per
 * request target, correlation by message-id. Many requests can be in flight on the same links.
 */
import { Observable } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import type { ReceiverLink, SenderLink } from '../engine/link.js';
import { TimeoutError } from '../../errors.js';
import { IllegalStateError, SessionEndedError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import { linkName, linkObservable } from './link-observable.js';
import { encodeMessage, type InboundMessage, type Message } from './message.js';
import { receivedMessage, ReceivedMessage } from './receiver.js';

/** Options of `request()`. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply (default 10000). */
  readonly timeout?: number;
}

interface Pending {
  /** Where the request went: a failure of that target's link fails it. */
  readonly target: string;
  readonly resolve: (m: InboundMessage) => void;
  /** The request cannot get its reply: a link it needs ended. */
  readonly reject: (e: unknown) => void;
}

/** A request sender's link and the requests waiting for its credit. */
interface RequestSender {
  link: SenderLink | undefined;
  readonly queue: Uint8Array[];
}

/** The reply-to link and request senders of one session; they live as long as the session. */
class Requester {
  private replyAddress: Promise<string> | undefined;
  private readonly senders = new Map<string, RequestSender>();
  readonly pending = new Map<string, Pending>();

  constructor(private readonly ctx: SessionContext) {}

  /** The dynamic node's address, attaching the reply receiver on first use. */
  address(): Promise<string> {
    if (this.replyAddress !== undefined) return this.replyAddress;
    const address = new Promise<string>((resolve, reject) => {
      // The reply link only ends with an error; the next request then attaches a new one.
      this.replies(resolve).subscribe({
        error: (e: unknown) => {
          if (this.replyAddress === address) this.replyAddress = undefined;
          reject(e);
          // No reply can arrive any more: every request waiting for one fails now, not at its
          // timeout. When the session ended for the sake of a request link's attach, that link's
          // detach comes after this one in the same dispatch: its requests get its own error first.
          if (e instanceof SessionEndedError) queueMicrotask(() => this.fail(() => true, e));
          else this.fail(() => true, e);
        },
      });
    });
    this.replyAddress = address;
    return address;
  }

  /** The reply receiver: a dynamic node; `found` gets its address; replies go to their requests. */
  private replies(found: (address: string) => void): Observable<never> {
    const ctx = this.ctx;
    return linkObservable<ReceiverLink, never>(ctx, (session) => session.attachReceiver({
      name: linkName('replies', undefined), source: { kind: 'source', dynamic: true, expiryPolicy: 'link-detach' },
      target: { kind: 'target' },
    }), ({ link, end }) => ({
      attached: () => {
        const src = link.remote?.source as { kind?: string; address?: { type: string; value: unknown } } | undefined;
        const addr = src?.kind === 'source' && src.address !== undefined ? String(src.address.value) : undefined;
        // The peer accepted the link but ignored `dynamic` (Qpid Proton's example broker does):
        // there is no reply address, so fail now rather than at the timeout.
        if (addr === undefined) return end(new IllegalStateError('the peer did not create a dynamic reply-to node: request/reply needs dynamic node support'));
        link.flow(100);
        ctx.driver.flushSoon();
        found(addr);
      },
      delivery: (d) => {
        // A reply that does not decode is rejected to its sender; no request can be matched to it.
        const m = receivedMessage(d, link, () => {});
        if (!(m instanceof ReceivedMessage)) return;
        const key = m.correlationId ?? m.messageId;
        if (!m.settled) m.accept();
        if (link.credit.credit < 50) link.flow(100);
        ctx.driver.flushSoon();
        const p = key === undefined ? undefined : this.pending.get(String(key));
        if (p !== undefined) {
          this.pending.delete(String(key));
          p.resolve(m);
        }
      },
      detached: (error) => end(error ?? new IllegalStateError('the peer detached the reply link')),
    }));
  }

  send(target: string, bytes: Uint8Array): void {
    let s = this.senders.get(target);
    if (s === undefined) {
      const entry: RequestSender = { link: undefined, queue: [] };
      s = entry;
      this.senders.set(target, entry);
      let attaching = true;
      let refused: { error: unknown } | undefined;
      linkObservable<SenderLink, never>(this.ctx, (session) => session.attachSender({
        name: linkName('requests', target), source: { kind: 'source' }, target: { kind: 'target', address: amqpString(target) },
      }), ({ link }) => {
        // Written to once it has credit, whatever terminus the peer's attach names (see pumpLink).
        entry.link = link;
        return { attached: () => this.pump(entry), flow: () => this.pump(entry) };
      }).subscribe({
        // Gone: the next request to `target` attaches a new link. An attach that throws fails this request.
        error: (error: unknown) => {
          if (this.senders.get(target) === entry) this.senders.delete(target);
          if (attaching) refused = { error };
          // Requests queued on it, or sent and waiting for their reply, fail with the link's error
          // (the peer refused the target, or the session ended under it).
          else this.fail((p) => p.target === target, error);
        },
      });
      attaching = false;
      if (refused !== undefined) throw refused.error;
    }
    s.queue.push(bytes);
    this.pump(s);
  }

  /** Fail (and forget) every pending request `which` selects. */
  private fail(which: (p: Pending) => boolean, error: unknown): void {
    for (const [id, p] of [...this.pending]) {
      if (!which(p)) continue;
      this.pending.delete(id);
      p.reject(error);
    }
  }

  private pump(s: RequestSender): void {
    const link = s.link;
    if (link === undefined) return;
    while (s.queue.length > 0 && link.sendable) link.send(s.queue.shift() as Uint8Array);
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
      target,
      resolve: (m) => {
        clearTimeout(timer);
        subscriber.next(m);
        subscriber.complete();
      },
      reject: (e) => subscriber.error(e),
    });
    requester.address().then(
      (replyTo) => {
        if (subscriber.closed) return;
        try {
          // Object.assign, not a spread with fields added: V8 makes a new map per such object.
          requester.send(target, encodeMessage(Object.assign({}, message, { messageId: id, replyTo })));
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
