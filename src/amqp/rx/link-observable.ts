/**
 * The one skeleton of every link-backed Observable (receive, fetch, the link handles, a send
 * pump's link, request's links): attach on subscribe, route the link's engine events to the few
 * callbacks a user describes, map the peer's detach to error or completion, and detach on
 * teardown. What differs between users is only their {@link LinkScript}; the order of things that
 * must not differ (listen before the attach goes out, detach before telling downstream that the
 * stream ended, stop listening on teardown) lives here once.
 */
import { Observable, type Subscriber } from 'rxjs';
import { NullTerminusError, SessionEndedError, type AmqpError } from '../engine/errors.js';
import { AttachTimeoutError } from '../../errors.js';
import type { Link } from '../engine/link-base.js';
import type { IncomingDelivery } from '../engine/receiver-link.js';
import type { OutgoingDelivery } from '../engine/sender-link.js';
import type { Session } from '../engine/session.js';
import { detachLink, linkConnections, type SessionContext } from './context.js';

let linkCounter = 0;
const INSTANCE = Math.random().toString(36).slice(2, 8);
/** Link names unique across processes: brokers key links (and durable state) by name. */
export const linkName = (role: string, address: string | undefined): string =>
  `rx-mq-${role}-${address ?? 'dynamic'}-${INSTANCE}-${++linkCounter}`;

/** How long a null-terminus answer waits for the peer's detach with the reason (ms). */
const REFUSAL_REASON_GRACE_MS = 250;

/** What a link-backed Observable does at each event of its link; every callback is optional. */
export interface LinkScript {
  /** The peer answered the attach with a terminus (a refusal is not reported: its detach follows). */
  attached?(): void;
  /** Flow state changed: credit or a drain request arrived (sender), the sender's state (receiver). */
  flow?(): void;
  /** A message arrived (receivers). */
  delivery?(d: IncomingDelivery): void;
  /** The peer's state or settlement of one of our deliveries changed (senders). */
  update?(d: OutgoingDelivery): void;
  /** The link detached under us. Default: `end(error)`, i.e. error with its error, else complete. */
  detached?(error: AmqpError | undefined): void;
  /** Cleanup of the script's own (timers, inner subscriptions), on teardown before the detach. */
  teardown?(): void;
  /** How the link is detached at the end. Default: `detachLink` (unless already going or gone). */
  detach?(): void;
}

/** What a script can use: the link, its session, downstream, and the one way to end. */
export interface LinkRun<L extends Link, T> {
  readonly link: L;
  readonly ctx: SessionContext;
  readonly subscriber: Subscriber<T>;
  /** True once the stream ended or was unsubscribed: nothing more may be granted or emitted. */
  readonly ended: boolean;
  /**
   * End the stream once: detach first (downstream may close the session or the connection as soon
   * as it hears of the end), then error with `error`, or complete without one.
   */
  end(error?: unknown): void;
}

/**
 * The error a link ends with when it detaches with `error`: a session's error reaching a link that
 * was attached and working is about the session (or another of its links), which
 * {@link SessionEndedError} says; a link whose attach was still unanswered is the likely cause of
 * the session's end (RabbitMQ ends the session to refuse an attach) and gets the error as it is.
 */
function bystander(attached: boolean, error: AmqpError | undefined): AmqpError | undefined {
  return attached && error !== undefined && error.scope === 'session' && !(error instanceof SessionEndedError) ? new SessionEndedError(error) : error;
}

/**
 * A cold Observable over one link: `attach` makes it (on subscribe, in the context's session) and
 * `script` describes what to do with it.
 */
export function linkObservable<L extends Link, T>(
  ctx: SessionContext,
  attach: (session: Session) => L,
  script: (run: LinkRun<L, T>) => LinkScript,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    let link: L;
    try {
      link = attach(ctx.session);
      linkConnections.set(link, ctx.driver);
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    let ended = false;
    /** The peer answered our attach with a terminus: from then on the link works. */
    let attached = false;
    let s: LinkScript = {};
    const detach = (): void => {
      if (s.detach !== undefined) s.detach();
      else detachLink(ctx, link);
    };
    const run: LinkRun<L, T> = {
      link, ctx, subscriber,
      get ended() { return ended; },
      end(error?: unknown): void {
        if (ended) return;
        ended = true;
        detach();
        if (error !== undefined) subscriber.error(error);
        else subscriber.complete();
      },
    };
    s = script(run);
    /**
     * The peer answered with a null terminus. Its detach, with the reason, normally follows at
     * once (in the same read, or the next: rhea writes the two separately); give it a short grace,
     * then error: rhea's default server never sends that detach, and waiting would hang the stream.
     */
    let refusalTimer: ReturnType<typeof setTimeout> | undefined;
    const refusedWithoutReason = (): void => {
      refusalTimer = setTimeout(() => {
        refusalTimer = undefined;
        if (!ended) run.end(new NullTerminusError(link.name, link.role === 'receiver' ? 'source' : 'target'));
      }, REFUSAL_REASON_GRACE_MS);
    };
    /**
     * The peer's answer to the attach is awaited for the connection's responseTimeout. A connection
     * on which nothing arrives fails as a whole by then (ResponseTimeoutError); one that goes on
     * working while this attach gets no answer is a peer ignoring this link: the stream ends with
     * AttachTimeoutError and the link is detached, the rest of the connection untouched.
     */
    const attachWait = ctx.driver.engine.responseTimeout;
    let attachTimer: ReturnType<typeof setTimeout> | undefined = attachWait > 0 ? setTimeout(() => {
      attachTimer = undefined;
      if (!ended && link.state === 'attach-sent' && !ctx.closed()) run.end(new AttachTimeoutError(link.name, attachWait));
    }, attachWait) : undefined;
    const attachAnswered = (): void => {
      if (attachTimer !== undefined) clearTimeout(attachTimer);
      attachTimer = undefined;
    };
    const off = ctx.driver.onLink(link, (e) => {
      switch (e.type) {
        case 'link-attach':
          attachAnswered();
          // A refusal comes as an attach with a null terminus, then the detach with the reason:
          // when that detach is not in the same read, the stream errors at once (see below).
          if ((link.role === 'receiver' ? e.link.remote?.source : e.link.remote?.target) === undefined) return refusedWithoutReason();
          // The peer took the link on: a session end from now on is about something else.
          attached = true;
          // Events of one read are handed over after the read: a detach, end or close (or a
          // transfer past the over-credit limit) in the same read has closed the link already.
          // Its link-detach (or the connection's end) follows and ends the stream; granting
          // credit on it now would throw out of the socket's callback.
          if (link.state !== 'attached') return;
          return s.attached?.();
        case 'link-flow':
          return s.flow?.();
        case 'delivery':
          return s.delivery?.(e.delivery);
        case 'delivery-update':
          return s.update?.(e.delivery);
        case 'link-detach': {
          const error = bystander(attached, e.error);
          if (s.detached !== undefined) return s.detached(error);
          return run.end(error);
        }
        default:
          return;
      }
    });
    ctx.driver.flushSoon();
    return () => {
      ended = true;
      attachAnswered();
      if (refusalTimer !== undefined) clearTimeout(refusalTimer);
      s.teardown?.();
      off();
      detach();
    };
  });
}
