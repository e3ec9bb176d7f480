/**
 * `send()`: an operator mapping messages to their settlement outcomes. It attaches on subscribe,
 * transmits only with link credit, buffers at most `bufferSize` messages (overflow is a typed
 * error, never silent growth), completes once the upstream completed and every outcome is in, and
 * detaches on unsubscribe. Rejected, released and modified are values, not errors. The buffering,
 * writing and outcome mapping are the send pump's (send-pump.ts), shared with the reconnecting
 * client; this operator binds one pump to one link.
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { IllegalStateError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import type { Message } from './message.js';
import type { Outcome, SendOptions } from './send-options.js';
import { pumpLink, SendPump } from './send-pump.js';

export { SendBufferOverflowError } from './send-options.js';
export type { Delivery, Outcome, OutcomeState, SendOptions } from './send-options.js';

/**
 * @param ctx$ the session to attach in: its first value is used.
 * @param target the address to send to, or null for the peer's anonymous relay, where each
 *   message's `to` names its destination (see {@link SendOptions.routeByTo} for both at once).
 */
export function send(ctx$: () => Observable<SessionContext>, target: string | null, opts: SendOptions = {}): OperatorFunction<Message, Outcome> {
  return (source) => new Observable<Outcome>((subscriber) => {
    let upstream: Subscription | undefined;
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
    const pump = new SendPump(target, opts, { next: (o) => subscriber.next(o), finish });

    const sessionSub = ctx$().subscribe({
      next: (c) => {
        if (started) return;
        started = true;
        link = pumpLink(c, pump).subscribe({ error: finish });
        if (finished) return; // the attach failed
        upstream = source.subscribe({ next: (m) => pump.push(m), error: finish, complete: () => pump.end() });
      },
      error: finish,
      // Once attached, the session's end reaches us as the link's detach.
      complete: () => { if (!started) finish(new IllegalStateError('the session ended before the sender finished')); },
    });

    return () => {
      finished = true;
      pump.stop();
      upstream?.unsubscribe();
      link?.unsubscribe();
      sessionSub.unsubscribe();
    };
  });
}
