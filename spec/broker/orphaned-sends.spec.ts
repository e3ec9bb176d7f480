/**
 * SENDs parked for a full queue that outlive their connection (src/broker/orphaned-sends.ts):
 * stored in order as room appears, and the broker-wide budget given back exactly once, however
 * often room is announced (it was given back once per announcement: the budget went negative,
 * which made it no bound at all, and the STOMP fuzz run grew to 2.8 GiB).
 */
import { expect } from 'chai';
import type { StoredMessage } from '../../src/broker/message.js';
import { NodeRegistry } from '../../src/broker/nodes.js';
import { OrphanedSends, type OrphanBudget } from '../../src/broker/orphaned-sends.js';
import type { QueueConsumer } from '../../src/broker/queue.js';
import type { ServerSendEvent } from '../../src/stomp/engine/server-events.js';

const send = (body: string): ServerSendEvent =>
  ({ type: 'send', destination: '/queue/o', headers: [['destination', '/queue/o']], body: new TextEncoder().encode(body) }) as unknown as ServerSendEvent;

/** Takes one message at a time and holds it until told to accept. */
class Taker implements QueueConsumer {
  readonly got: StoredMessage[] = [];
  credit = 0;
  readonly presettled = false;
  deliver(m: StoredMessage): boolean { this.got.push(m); this.credit--; return true; }
  idle(): void {}
}

describe('broker: orphaned STOMP SENDs', () => {
  it('are stored in order as room appears, and give the budget back once', async () => {
    const registry = new NodeRegistry({ maxQueueDepth: 2 });
    const queue = registry.queue('o');
    const filler = new Uint8Array([0x00, 0x53, 0x77, 0x40]);
    registry.publish({ kind: 'queue', queue }, filler);
    registry.publish({ kind: 'queue', queue }, filler); // full
    const budget: OrphanBudget = { used: 0, max: 1 << 20 };
    new OrphanedSends([send('a'), send('b')], registry, budget, 500, undefined);
    expect(budget.used).to.equal(500);
    const t = new Taker();
    queue.addConsumer(t);
    t.credit = 2;
    queue.pump();
    // Two settles in one turn: room is announced twice before the holder's turn comes.
    queue.settle(t.got[0], { kind: 'accepted' }, t);
    queue.settle(t.got[1], { kind: 'accepted' }, t);
    await new Promise((r) => setImmediate(r));
    expect(queue.readyCount).to.equal(2); // a and b, in order
    expect(budget.used).to.equal(0);
    t.credit = 2;
    queue.pump();
    expect(t.got.slice(2).map((m) => new TextDecoder().decode(m.payload.subarray(m.payload.length - 1)))).to.deep.equal(['a', 'b']);
    queue.settle(t.got[2], { kind: 'accepted' }, t);
    queue.settle(t.got[3], { kind: 'accepted' }, t);
    await new Promise((r) => setImmediate(r));
    expect(budget.used).to.equal(0);
  });
});
