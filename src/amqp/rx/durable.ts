/**
 * Ending a durable subscription for good. A receiver on a durable source detaches with
 * closed=false, so the peer keeps the subscription (and what is published meanwhile) for the
 * next attach by the same container-id and link name. Ending it takes that attach once more,
 * with no credit (nothing is taken from it), and a detach with closed=true, which tells the peer
 * to delete the terminus (AMQP 1.0 section 2.6.6).
 */
import type { Observable } from 'rxjs';
import type { ReceiverLink } from '../engine/link.js';
import type { SessionContext } from './context.js';
import { linkObservable } from './link-observable.js';
import { isDurable, sourceOf, type SourceOptions } from './receiver.js';

/** Options of `unsubscribeDurable()`. */
export interface UnsubscribeDurableOptions {
  /** The link name the subscription was made with (`receive(source, { name })`). */
  readonly name: string;
}

/**
 * The Observable behind `unsubscribeDurable`: attaches a receiver with the subscription's name
 * and source, detaches it with closed=true as soon as the peer answers, emits once (undefined)
 * when the peer has answered that detach, and completes. A peer refusing the attach, or
 * detaching with an error, makes it error with that error.
 */
export function unsubscribeDurable(ctx: SessionContext, source: SourceOptions, opts: UnsubscribeDurableOptions): Observable<void> {
  if (!isDurable(source)) throw new RangeError("unsubscribeDurable needs the durable source the subscription was made with (durable: 'configuration' or 'unsettled-state')");
  if (typeof opts.name !== 'string' || opts.name === '') throw new RangeError('unsubscribeDurable needs the subscription\'s link `name`');
  return linkObservable<ReceiverLink, void>(ctx, (session) => session.attachReceiver({
    name: opts.name, source: sourceOf(source), target: { kind: 'target' }, sndSettleMode: 'unsettled', rcvSettleMode: 'first',
  }), (run) => ({
    attached: () => {
      run.link.detach(undefined, true);
      ctx.driver.flushSoon();
    },
    detached: (error) => {
      if (error !== undefined) return run.subscriber.error(error);
      run.subscriber.next();
      run.subscriber.complete();
    },
  }));
}
