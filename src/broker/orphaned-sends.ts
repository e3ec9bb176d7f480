/**
 * STOMP SENDs that were parked for a full queue (maxQueueDepth) when their connection ended. The
 * broker read them, so they are stored once there is room, in order; they are held here, apart
 * from the connection, so that the connection itself (its decoder, engine and buffers) is freed
 * at once. What they hold counts against the broker-wide budget (limit maxOrphanedSendBytes),
 * given back when the last is stored or they are dropped.
 */
import type { ServerSendEvent } from '../stomp/engine/server-events.js';
import { resolveAddress } from './address.js';
import { report } from './boundary.js';
import type { Node, NodeRegistry } from './nodes.js';
import { stompToAmqp } from './stomp-mapping.js';

/** Bytes held by orphaned SENDs, broker-wide (limit maxOrphanedSendBytes). */
export interface OrphanBudget {
  used: number;
  readonly max: number;
}

/** What one orphaned SEND costs: its body and about what its headers take. */
export const orphanBytes = (e: ServerSendEvent): number => e.body.length + 256;

export class OrphanedSends {
  private next = 0;
  private stopWaiting: (() => void) | undefined;
  /** A store() is queued (room announced): one is enough however often room is announced. */
  private scheduled = false;
  private done = false;

  constructor(
    private readonly sends: readonly ServerSendEvent[],
    private readonly registry: NodeRegistry,
    private readonly budget: OrphanBudget | undefined,
    /** What they take from the budget. */
    private readonly cost: number,
    private readonly onError: ((error: Error) => void) | undefined,
  ) {
    if (budget !== undefined) budget.used += cost;
    this.store();
  }

  /** Store what there is room for; wait for room at the next one's node, or finish. */
  private store(): void {
    if (this.done) return;
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    try {
      while (this.next < this.sends.length) {
        const e = this.sends[this.next];
        const node: Node = this.registry.node(resolveAddress(e.destination) ?? { kind: 'queue', name: e.destination });
        if (this.registry.room(node) <= 0) {
          // Deferred: room is announced from inside another connection's settle().
          this.stopWaiting = this.registry.onRoom(node, () => {
            if (this.scheduled) return;
            this.scheduled = true;
            queueMicrotask(() => { this.scheduled = false; this.store(); });
          });
          return;
        }
        this.registry.publish(node, stompToAmqp(e.headers, e.body));
        this.next++;
      }
    } catch (err) {
      // A node that cannot be made any more (maxQueues) or a message that cannot be encoded:
      // the rest cannot be stored in order, so none of it is.
      report(this.onError, err instanceof Error ? err : new Error(String(err)));
    }
    // Once: the budget is given back exactly once, whatever called store() last.
    this.done = true;
    this.next = this.sends.length;
    if (this.budget !== undefined) this.budget.used -= this.cost;
  }
}
