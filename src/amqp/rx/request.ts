/**
 * Request/reply: one reply receiver per session and reply address (created on first use), one
 * sender per request target, correlation of each reply to its request by correlation-id (else
 * message-id) = the request's message-id. Many requests can be in flight on the same links.
 *
 * The reply address is a dynamic node by default (the peer makes one for the receiver), or a fixed
 * address (`RequestOptions.replyTo`), for peers without dynamic nodes (RabbitMQ 3.x: a reply queue)
 * and for management nodes (`$cbs`, `$management`), where the receiver reads from the node and
 * names the reply address as its link name and target, which is where such nodes send replies.
 */
import { Observable } from 'rxjs';
import { string as amqpString } from '../codec/values.js';
import type { ReceiverLink, SenderLink } from '../engine/link.js';
import { TimeoutError } from '../../errors.js';
import { IllegalStateError, SessionEndedError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import { dynamicRefusal } from './dynamic-node.js';
import { linkName, linkObservable } from './link-observable.js';
import { encodeMessage, type InboundMessage, type Message } from './message.js';
import { DEFAULT_MAX_MESSAGE_SIZE, receivedMessage, ReceivedMessage } from './receiver.js';

/** Options of `request()`. */
export interface RequestOptions {
  /** Milliseconds to wait for the reply (default 10000). */
  readonly timeout?: number;
  /**
   * A fixed reply address instead of a dynamic node: each request's reply-to is this address and
   * a receiver on it (one per session and address, shared by the requests) takes the replies. A
   * string is an address to read replies from as well (a reply queue: RabbitMQ 3.x has no dynamic
   * nodes); see {@link FixedReplyTo} for management nodes. Replies that match no waiting request
   * (a late reply to a request that timed out) are accepted and dropped, so the address should be
   * this requester's alone.
   */
  readonly replyTo?: string | FixedReplyTo;
}

/** A fixed reply address read through another node: the management pattern of `$cbs` and `$management`. */
export interface FixedReplyTo {
  /** The reply-to of each request; also the reply receiver's link name and target address. */
  readonly address: string;
  /** The address the reply receiver attaches to (its source): `$cbs`, `$management`... Default: `address`. */
  readonly source?: string;
}

/** Where one session's replies of one kind come from. */
interface ReplyRoute {
  /** undefined: a dynamic node. */
  readonly fixed: { readonly address: string; readonly source: string; readonly linkName: string | undefined } | undefined;
  readonly key: string;
}

function replyRoute(o: RequestOptions): ReplyRoute {
  const r = o.replyTo;
  if (r === undefined) return { fixed: undefined, key: '' };
  const address = typeof r === 'string' ? r : r.address;
  if (typeof address !== 'string' || address === '') throw new TypeError('request(): replyTo needs an address');
  const source = typeof r === 'string' ? r : r.source ?? r.address;
  // Management nodes send replies to the link named by the reply-to; a reply queue needs no such name.
  const linkName = typeof r === 'string' || r.source === undefined ? undefined : address;
  return { fixed: { address, source, linkName }, key: `${address}\u0000${source}` };
}

interface Pending {
  /** Where the request went: a failure of that target's link fails it. */
  readonly target: string;
  /** Its reply route's key: a failure of that reply link fails it. */
  readonly reply: string;
  readonly resolve: (m: InboundMessage) => void;
  /** The request cannot get its reply: a link it needs ended. */
  readonly reject: (e: unknown) => void;
}

/** A request sender's link and the requests waiting for its credit. */
interface RequestSender {
  link: SenderLink | undefined;
  readonly queue: Uint8Array[];
}

/** The reply links and request senders of one session; they live as long as the session. */
class Requester {
  /** The reply address of each reply route in use (by ReplyRoute.key), once its receiver is attached. */
  private readonly replyAddresses = new Map<string, Promise<string>>();
  private readonly senders = new Map<string, RequestSender>();
  readonly pending = new Map<string, Pending>();

  constructor(private readonly ctx: SessionContext) {}

  /** The route's reply address, attaching its reply receiver on first use. */
  address(route: ReplyRoute): Promise<string> {
    const known = this.replyAddresses.get(route.key);
    if (known !== undefined) return known;
    // RabbitMQ 3.x would end the whole session (and every link of it) for a dynamic source.
    const refusal = dynamicRefusal(this.ctx, route.fixed === undefined);
    if (refusal !== undefined) {
      refusal.message += ': give request() a fixed replyTo (a reply queue)';
      return Promise.reject(refusal);
    }
    const address = new Promise<string>((resolve, reject) => {
      // The reply link only ends with an error; the next request then attaches a new one.
      this.replies(route, resolve).subscribe({
        error: (e: unknown) => {
          if (this.replyAddresses.get(route.key) === address) this.replyAddresses.delete(route.key);
          reject(e);
          // No reply can arrive any more: every request waiting for one fails now, not at its
          // timeout. When the session ended for the sake of a request link's attach, that link's
          // detach comes after this one in the same dispatch: its requests get its own error first.
          const mine = (p: Pending): boolean => p.reply === route.key;
          if (e instanceof SessionEndedError) queueMicrotask(() => this.fail(mine, e));
          else this.fail(mine, e);
        },
      });
    });
    this.replyAddresses.set(route.key, address);
    return address;
  }

  /** The reply receiver of `route`; `found` gets the reply address; replies go to their requests. */
  private replies(route: ReplyRoute, found: (address: string) => void): Observable<never> {
    const ctx = this.ctx;
    const fixed = route.fixed;
    return linkObservable<ReceiverLink, never>(ctx, (session) => session.attachReceiver(fixed === undefined
      ? {
        name: linkName('replies', undefined), source: { kind: 'source', dynamic: true, expiryPolicy: 'link-detach' },
        target: { kind: 'target' }, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
      }
      : {
        name: fixed.linkName ?? linkName('replies', fixed.address), source: { kind: 'source', address: amqpString(fixed.source) },
        target: { kind: 'target', address: amqpString(fixed.address) }, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
      }), ({ link, end }) => ({
      attached: () => {
        const src = link.remote?.source as { kind?: string; address?: { type: string; value: unknown } } | undefined;
        const addr = fixed !== undefined ? fixed.address
          : src?.kind === 'source' && src.address !== undefined ? String(src.address.value) : undefined;
        // The peer accepted the link but ignored `dynamic` (Qpid Proton's example broker does):
        // there is no reply address, so fail now rather than at the timeout.
        if (addr === undefined) return end(new IllegalStateError('the peer did not create a dynamic reply-to node: request/reply needs dynamic node support (or give request() a fixed replyTo)'));
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
        // The link may have closed in the same read (a transfer past the over-credit limit).
        if (link.credit.credit < 50 && link.state === 'attached') link.flow(100);
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
    let route: ReplyRoute;
    try {
      route = replyRoute(opts);
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
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
      reply: route.key,
      resolve: (m) => {
        clearTimeout(timer);
        subscriber.next(m);
        subscriber.complete();
      },
      reject: (e) => subscriber.error(e),
    });
    requester.address(route).then(
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
