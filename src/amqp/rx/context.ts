/** What the Rx pieces of one session share: the driver, the engine session, and liveness. */
import type { Session } from '../engine/session.js';
import type { ConnectionDriver } from './driver.js';

export interface SessionContext {
  readonly driver: ConnectionDriver;
  readonly session: Session;
  /** True once the session or its connection is gone (nothing may be written any more). */
  closed(): boolean;
}
