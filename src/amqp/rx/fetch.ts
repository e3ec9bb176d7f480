/**
 * `fetch()`: pull exactly `count` messages. Grants exactly `count` credit, emits what arrives
 * (accepting each after `next`), completes after `count` messages. On timeout it takes the credit
 * back and completes with whatever arrived, leaving no credit on the link:
 * - where the peer honours drain, with a flow drain=true and the sender's answering flow;
 * - where it does not (RabbitMQ 3.10 answers a drain with credit still outstanding and then ends
 *   the session; Qpid Proton's example broker never answers), or when the answer does not come
 *   within `drainTimeout`, by detaching the link: messages in flight are then released by the
 *   peer, not lost and not counted as ours;
 * - where a detach would strand messages in flight (RabbitMQ 3.x, see quiesce.ts), by a flow with
 *   link-credit 0 first: what arrives before the peer's answer is still fetched, then the link
 *   detaches with nothing on its way.
 */
import { Observable } from 'rxjs';
import type { ReceiverLink } from '../engine/link.js';
import type { SessionContext } from './context.js';
import { honoursDrain, strandsInFlightOnDetach } from './peer-quirks.js';
import { detachReceiver } from './quiesce.js';
import { linkName, linkObservable } from './link-observable.js';
import { checkDecodeErrorMode, isDurable, MessageDecodeError, receiveLimit, receivedMessage, undecodable, ReceivedMessage, releaseHeld, sourceOf, type DecodeErrorMode, type SourceSpec } from './receiver.js';

/** Options of `fetch()`: how many messages, how long to wait, and how unused credit is taken back. */
export interface FetchOptions {
  /** How many messages to fetch: exactly this much credit is granted (a positive integer). */
  readonly count: number;
  /** Milliseconds to wait for `count` messages (default 1000). */
  readonly timeout?: number;
  /** How to take unused credit back: 'auto' (drain unless the peer is known not to honour it), or force. */
  readonly drain?: 'auto' | 'always' | 'never';
  /** How long to wait for a drain answer before detaching instead (default 1000 ms). */
  readonly drainTimeout?: number;
  /** 'auto' accepts each message after `next`; 'manual' leaves settlement to the subscriber. */
  readonly settle?: 'auto' | 'manual';
  /**
   * Link name (default: generated). A durable source needs the subscription's name: the fetch
   * then takes messages from that subscription and detaches with closed=false, keeping it.
   */
  readonly name?: string;
  /** The largest message accepted, in bytes (default 64 MiB; 0 = no limit): see ReceiveOptions.maxMessageSize. */
  readonly maxMessageSize?: number;
  /** What an undecodable message does: 'reject' (default) or 'error'; see ReceiveOptions.onDecodeError. */
  readonly onDecodeError?: DecodeErrorMode;
}


/** The fetch Observable behind `AmqpSession.fetch` (see the module comment). */
export function fetch(ctx: SessionContext, source: SourceSpec, opts: FetchOptions): Observable<ReceivedMessage> {
  const { count } = opts;
  if (!Number.isInteger(count) || count < 1) throw new RangeError('fetch count must be a positive integer');
  checkDecodeErrorMode(opts.onDecodeError);
  const timeout = opts.timeout ?? 1000;
  const drainTimeout = opts.drainTimeout ?? 1000;
  const manual = (opts.settle ?? 'auto') === 'manual';
  const address = typeof source === 'string' ? source : source.address;
  // A durable subscription's fetch keeps the subscription: its detaches carry closed=false.
  const durable = isDurable(source);
  if (durable && opts.name === undefined) throw new RangeError('a fetch from a durable source needs the subscription\'s link `name`');
  const closeOnDetach = !durable;
  return linkObservable<ReceiverLink, ReceivedMessage>(ctx, (session) => session.attachReceiver({
    name: opts.name ?? linkName('fetch', address), source: sourceOf(source), target: { kind: 'target' },
    sndSettleMode: 'unsettled', rcvSettleMode: 'first', maxMessageSize: receiveLimit(opts.maxMessageSize),
  }), (run) => {
    const { link, subscriber } = run;
    let received = 0;
    let phase: 'waiting' | 'draining' | 'detaching' | 'done' = 'waiting';
    // Manual settlement: messages stay settleable after completion, so the link is detached only
    // once every one of them is settled.
    let awaitingSettle = 0;
    let detachWhenSettled = false;
    /** Messages handed out and not settled: released if the fetch ends before completing. */
    const held = new Set<ReceivedMessage>();
    let completed = false;
    /** The message whose `next` is running (auto mode accepts it even when `next` ends the fetch). */
    let inHand: ReceivedMessage | undefined;
    const finalDetach = (): void => {
      if (manual && awaitingSettle > 0) { detachWhenSettled = true; return; }
      detachReceiver(ctx, link, closeOnDetach);
    };
    const onSettled = (m: ReceivedMessage): void => {
      held.delete(m);
      awaitingSettle--;
      if (detachWhenSettled && awaitingSettle === 0) { detachWhenSettled = false; finalDetach(); }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const setTimer = (ms: number, f: () => void): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(f, ms);
    };
    /** The end, whichever way it comes: no timer left, the link detached (see finalDetach), downstream told. */
    const done = (err?: unknown): void => {
      phase = 'done';
      completed = err === undefined;
      if (timer !== undefined) clearTimeout(timer);
      run.end(err);
    };
    const detach = (): void => {
      phase = 'detaching';
      link.detach(undefined, closeOnDetach);
      ctx.driver.flushSoon();
      // The peer's detach answer completes us; do not wait forever for it either.
      setTimer(drainTimeout, done);
    };
    const onTimeout = (): void => {
      if (phase !== 'waiting') return;
      const mode = opts.drain ?? 'auto';
      if (mode === 'always' || (mode === 'auto' && honoursDrain(ctx))) {
        phase = 'draining';
        link.flow(count - received, true);
        ctx.driver.flushSoon();
        setTimer(drainTimeout, () => { if (phase === 'draining') detach(); });
      } else if (strandsInFlightOnDetach(ctx)) {
        // Not a drain (the peer mishandles those): the credit taken back; the answer ends the fetch.
        phase = 'draining';
        link.flow(0);
        ctx.driver.flushSoon();
        setTimer(drainTimeout, () => { if (phase === 'draining') detach(); });
      } else {
        detach();
      }
    };
    return {
      attached: () => {
        link.flow(count);
        setTimer(timeout, onTimeout);
      },
      delivery: (d) => {
        // After we detached, arrivals are not ours: the peer releases them on the detach.
        if (phase === 'detaching' || phase === 'done') return;
        received++;
        const m = receivedMessage(d, link, onSettled);
        if (m instanceof MessageDecodeError) {
          if (undecodable(ctx, m, opts.onDecodeError)) return done(m);
          // Rejected, and it used one of the credits: the fetch is over if it was the last.
          if (received >= count) done();
          return;
        }
        awaitingSettle++;
        held.add(m);
        inHand = m;
        subscriber.next(m);
        inHand = undefined;
        if (!manual && !m.settled && !run.ended) m.accept();
        // All credit used: nothing is left on the link. Close it and complete.
        if (received >= count) done();
      },
      flow: () => {
        if (phase === 'draining' && link.credit.credit === 0) done();
      },
      // Our own detach answered (or already done) completes; any other detach ends with its error.
      detached: (error) => done(phase === 'detaching' || phase === 'done' ? undefined : error),
      teardown: () => {
        if (timer !== undefined) clearTimeout(timer);
        // Auto mode accepts what it delivered, the message that ended the fetch too.
        if (!manual && inHand !== undefined && !inHand.settled && link.state !== 'closed' && !ctx.closed()) inHand.accept();
      },
      // A completed fetch leaves its messages settleable (the link waits for them, finalDetach);
      // one that errored or was unsubscribed first releases what is unsettled, then detaches.
      detach: () => {
        if (completed) return finalDetach();
        detachWhenSettled = false;
        releaseHeld(ctx, link, held);
        detachReceiver(ctx, link, closeOnDetach);
      },
    };
  });
}
