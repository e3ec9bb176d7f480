/** What the Rx pieces of one session share: the driver, the engine session, and liveness. */
import type { Session } from '../engine/session.js';
import type { ConnectionDriver } from './driver.js';

export interface SessionContext {
  readonly driver: ConnectionDriver;
  readonly session: Session;
  /** True once the session or its connection is gone (nothing may be written any more). */
  closed(): boolean;
}

/**
 * Detach `link` (closing it, unless `closed` is false: a durable subscription's detach, which the
 * peer keeps for the next attach) unless it is already going or gone, or its session or
 * connection is closed: every Rx piece ends its link this way on completion and on unsubscribe.
 */
export function detachLink(ctx: SessionContext, link: { readonly state: string; detach(error?: undefined, closed?: boolean): void }, closed = true): void {
  if (link.state === 'closed' || link.state === 'detach-sent' || ctx.closed()) return;
  link.detach(undefined, closed);
  ctx.driver.flushSoon();
}
