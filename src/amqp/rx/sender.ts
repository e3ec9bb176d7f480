/**
 * `send()`: an operator mapping messages to their settlement outcomes. It subscribes to its
 * upstream and attaches on subscribe, transmits only with link credit, buffers what waits for
 * credit up to `bufferBytes` of encoded messages (overflow is a typed error, never silent growth),
 * completes once the upstream completed and every outcome is in, and detaches on unsubscribe. Rejected, released and modified are values, not errors. The buffering,
 * writing and outcome mapping are the send pump's (send-pump.ts), shared with the reconnecting
 * client; this operator binds one pump to one link.
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { IllegalStateError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import type { BodyInput, Message } from './message.js';
import type { Outcome, SendOptions } from './send-options.js';
import { pumpLink, SendPump } from './send-pump.js';

export { SendBufferOverflowError } from './send-options.js';
export type {
  AcceptedOutcome, Delivery, ModifiedOutcome, Outcome, OutcomeState, RejectedOutcome, ReleasedOutcome, SendBufferUnit, SendOptions, SentOutcome,
} from './send-options.js';

/**
 * A send operator for bodies of type `B`. `B` is never inferred from the upstream (it would be,
 * through the expected type of a `pipe` argument, and a union of message shapes would then make
 * an impossible intersection of their bodies): it is the default `BodyInput`, or what the caller
 * names, `send<Order>(q)`.
 */
export type SendOperator<B = BodyInput> = OperatorFunction<Message<NoInfer<B>>, Outcome<NoInfer<B>>>;

/**
 * @param ctx$ the session to attach in: its first value is used.
 * @param target the address to send to, or null for the peer's anonymous relay, where each
 *   message's `to` names its destination (see {@link SendOptions.routeByTo} for both at once).
 */
export function send<B extends BodyInput = BodyInput>(
  ctx$: () => Observable<SessionContext>, target: string | null, opts: SendOptions<B> = {},
): SendOperator<B> {
  return (source) => new Observable<Outcome<B>>((subscriber) => {
    let sessionSub: Subscription | undefined;
    let link: Subscription | undefined;
    let started = false;
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      pump.stop();
      // Detach before telling downstream, which may close the session or connection right away.
      link?.unsubscribe();
      if (err !== undefined) subscriber.error(err);
      else subscriber.complete();
    };
    const pump = new SendPump<B>(target, opts, { next: (o) => subscriber.next(o), finish });

    // Upstream first: a hot source may emit as soon as we subscribe, long before the link is
    // attached, and the pump holds what it gets until then (it was dropped when the operator
    // subscribed upstream only once attached).
    const upstream = source.subscribe({ next: (m) => pump.push(m), error: finish, complete: () => pump.end() });
    if (!finished) {
      sessionSub = ctx$().subscribe({
        next: (c) => {
          if (started) return;
          started = true;
          link = pumpLink(c, pump).subscribe({ error: finish });
        },
        error: finish,
        // Once attached, the session's end reaches us as the link's detach.
        complete: () => { if (!started) finish(new IllegalStateError('the session ended before the sender finished')); },
      });
    }

    return () => {
      finished = true;
      pump.stop();
      upstream.unsubscribe();
      link?.unsubscribe();
      sessionSub?.unsubscribe();
    };
  });
}
