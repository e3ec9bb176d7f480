/**
 * Detaching a receiving link without stranding what the peer has in flight to it.
 *
 * RabbitMQ 3.x's AMQP 1.0 plugin moves messages from the queue towards the link ahead of their
 * transfer frames (the same pipeline as in honoursOverlappingFlows). A detach that reaches it while
 * some are on the way leaves those unacknowledged for as long as the session lives: measured on
 * 3.10, a manual receive that ended with credit outstanding stranded 7 of 50 messages in about 3% of
 * runs while its connection stayed open (a retry on the same connection then waited for them for
 * ever). On such a peer a receiver with credit outstanding first takes its credit back (a flow with
 * link-credit 0) and waits for the peer's answering flow: the queue has stopped by then, and what
 * it had already sent is ahead of that answer. What arrived meanwhile is released, then the link
 * detaches. The wait is bounded: a peer that does not answer is detached from after
 * QUIESCE_TIMEOUT_MS, as before.
 */
import type { ReceiverLink } from '../engine/link.js';
import { RELEASED } from '../frames/fast-performatives.js';
import { detachLink, type SessionContext } from './context.js';
import { strandsInFlightOnDetach } from './peer-quirks.js';

/** The longest a detach waits for the peer to answer the credit taken back (ms). */
export const QUIESCE_TIMEOUT_MS = 1000;

/** Links taking their credit back before their detach (a second detach request is then a no-op). */
const quiescing = new WeakSet<ReceiverLink>();

/**
 * Detach a receiving link (see detachLink), first taking its credit back where the peer would
 * otherwise strand deliveries in flight (see the module comment). Nothing the link took stays
 * unsettled: call it after the stream has released what it held (releaseHeld).
 */
export function detachReceiver(ctx: SessionContext, link: ReceiverLink, closed: boolean): void {
  if (quiescing.has(link)) return;
  if (link.state !== 'attached' || ctx.closed() || link.credit.credit === 0 || !strandsInFlightOnDetach(ctx)) {
    detachLink(ctx, link, closed);
    return;
  }
  quiescing.add(link);
  const finish = (): void => {
    clearTimeout(timer);
    off();
    if (ctx.closed() || link.state !== 'attached') return;
    link.settleAllUnsettled(RELEASED);
    detachLink(ctx, link, closed);
  };
  const timer = setTimeout(finish, QUIESCE_TIMEOUT_MS);
  // The stream has stopped listening: from here on the link's events are ours.
  const off = ctx.driver.onLink(link, (e) => {
    if (e.type === 'link-flow') finish();
    else if (e.type === 'link-detach') { clearTimeout(timer); off(); }
  });
  link.flow(0);
  ctx.driver.flushSoon();
}
