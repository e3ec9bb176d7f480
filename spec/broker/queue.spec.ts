/** Unit tests of the broker's queue store and addressing, without sockets. */
import { expect } from 'chai';
import { resolveAddress } from '../../src/broker/address.js';
import type { StoredMessage } from '../../src/broker/message.js';
import { NodeRegistry } from '../../src/broker/nodes.js';
import { Queue, type QueueConsumer } from '../../src/broker/queue.js';

class FakeConsumer implements QueueConsumer {
  readonly got: StoredMessage[] = [];
  idles = 0;
  constructor(public credit: number, readonly presettled = false) {}
  deliver(m: StoredMessage): boolean {
    this.credit--;
    this.got.push(m);
    return true;
  }
  idle(): void { this.idles++; }
}

const msg = (seq: number): StoredMessage => ({ seq, payload: Uint8Array.of(seq), deliveryCount: 0 });

describe('broker: queue store', () => {
  const hooks = { rejected: () => {} };

  it('serves competing consumers round-robin within their credit', () => {
    const q = new Queue('q', Infinity, hooks);
    const a = new FakeConsumer(2);
    const b = new FakeConsumer(1);
    q.addConsumer(a);
    q.addConsumer(b);
    for (let i = 1; i <= 5; i++) q.enqueue(msg(i));
    expect(a.got.map((m) => m.seq)).to.deep.equal([1, 3]);
    expect(b.got.map((m) => m.seq)).to.deep.equal([2]);
    expect(q.readyCount).to.equal(2);
    expect(q.depth).to.equal(5);
  });

  it('requeues released messages in arrival order and forgets accepted ones', () => {
    const q = new Queue('q', Infinity, hooks);
    const c = new FakeConsumer(2);
    q.addConsumer(c);
    for (let i = 1; i <= 3; i++) q.enqueue(msg(i));
    q.settle(c.got[0], { kind: 'accepted' }, c);
    q.settle(c.got[1], { kind: 'released' }, c);
    expect(q.depth).to.equal(2);
    c.credit = 1;
    q.pump();
    expect(c.got[2].seq).to.equal(2);
  });

  it('never offers a message again to a consumer that said undeliverable-here', () => {
    const q = new Queue('q', Infinity, hooks);
    const a = new FakeConsumer(5);
    q.addConsumer(a);
    q.enqueue(msg(1));
    q.settle(a.got[0], { kind: 'modified', deliveryFailed: true, undeliverableHere: true }, a);
    expect(a.got).to.have.length(1);
    expect(q.readyCount).to.equal(1);
    const b = new FakeConsumer(1);
    q.addConsumer(b);
    expect(b.got[0].deliveryCount).to.equal(1);
  });

  it('reports room against its capacity, counting unsettled deliveries', () => {
    const q = new Queue('q', 3, hooks);
    let rooms = 0;
    q.onRoom(() => rooms++);
    q.enqueue(msg(1));
    q.enqueue(msg(2));
    const c = new FakeConsumer(1);
    q.addConsumer(c);
    expect(q.room).to.equal(1);
    q.settle(c.got[0], { kind: 'accepted' }, c);
    expect(q.room).to.equal(2);
    expect(rooms).to.equal(1);
  });

  it('leaves drain to the consumer: a pump never visits every consumer (attach stays O(1))', () => {
    // A consumer answers its own drain right after the pump its flow caused (links.ts); the
    // queue calling idle() on each consumer after every pump made n attaches cost n^2.
    const q = new Queue('q', Infinity, hooks);
    const cs = Array.from({ length: 100 }, () => new FakeConsumer(3));
    for (const c of cs) q.addConsumer(c);
    expect(cs.map((c) => c.idles).reduce((a, b) => a + b)).to.equal(0);
    expect(q.consumerCount).to.equal(100);
  });

  it('removes consumers in any order and keeps serving the rest round-robin', () => {
    const q = new Queue('q', Infinity, hooks);
    const cs = Array.from({ length: 100 }, () => new FakeConsumer(1000));
    for (const c of cs) q.addConsumer(c);
    for (let i = 0; i < 100; i += 3) q.removeConsumer(cs[i]);
    q.removeConsumer(cs[0]); // twice: no effect
    const live = cs.filter((_, i) => i % 3 !== 0);
    expect(q.consumerCount).to.equal(live.length);
    for (let i = 0; i < live.length * 2; i++) q.enqueue({ seq: i + 1, payload: Uint8Array.of(0x00, 0x53, 0x77, 0x40), deliveryCount: 0 });
    expect(live.map((c) => c.got.length)).to.deep.equal(live.map(() => 2));
    expect(cs.filter((_, i) => i % 3 === 0).map((c) => c.got.length)).to.deep.equal(cs.filter((_, i) => i % 3 === 0).map(() => 0));
  });

  it('dead-letters or drops rejected messages through the registry', () => {
    const dropped = new NodeRegistry();
    const q1 = dropped.queue('a');
    const c1 = new FakeConsumer(1);
    q1.addConsumer(c1);
    dropped.publish({ kind: 'queue', queue: q1 }, Uint8Array.of(0x00, 0x53, 0x77, 0x40));
    q1.settle(c1.got[0], { kind: 'rejected' }, c1);
    expect(dropped.stats).to.include({ rejected: 1, dropped: 1, deadLettered: 0 });

    const dl = new NodeRegistry({ deadLetterAddress: 'dlq' });
    const q2 = dl.queue('a');
    const c2 = new FakeConsumer(1);
    q2.addConsumer(c2);
    dl.publish({ kind: 'queue', queue: q2 }, Uint8Array.of(0x00, 0x53, 0x77, 0x40));
    q2.settle(c2.got[0], { kind: 'rejected' }, c2);
    expect(dl.findQueue('dlq')?.depth).to.equal(1);
  });
});

describe('broker: addressing', () => {
  it('maps addresses and capabilities to queues and topics', () => {
    expect(resolveAddress('orders')).to.deep.equal({ kind: 'queue', name: 'orders' });
    expect(resolveAddress('queue/orders')).to.deep.equal({ kind: 'queue', name: 'orders' });
    expect(resolveAddress('/queue/orders')).to.deep.equal({ kind: 'queue', name: 'orders' });
    expect(resolveAddress('topic/news')).to.deep.equal({ kind: 'topic', name: 'news' });
    expect(resolveAddress('/topic/news')).to.deep.equal({ kind: 'topic', name: 'news' });
    expect(resolveAddress('news', ['topic'])).to.deep.equal({ kind: 'topic', name: 'news' });
    expect(resolveAddress('tmp/1-ab')).to.deep.equal({ kind: 'queue', name: 'tmp/1-ab' });
    expect(resolveAddress('')).to.equal(undefined);
    expect(resolveAddress(undefined)).to.equal(undefined);
  });
});

describe('broker: queue store with selective consumers and browsers', () => {
  const hooks = { rejected: () => {} };
  /** A consumer taking only even seqs (a selector, as the queue sees it). */
  class EvenConsumer extends FakeConsumer {
    asked = 0;
    accepts(m: StoredMessage): boolean { this.asked++; return m.seq % 2 === 0; }
  }

  it('skips what a consumer does not accept, leaving it in place for others', () => {
    const q = new Queue('q', Infinity, hooks);
    const even = new EvenConsumer(10);
    q.addConsumer(even);
    for (let i = 1; i <= 6; i++) q.enqueue(msg(i));
    expect(even.got.map((m) => m.seq)).to.deep.equal([2, 4, 6]);
    const any = new FakeConsumer(10);
    q.addConsumer(any);
    expect(any.got.map((m) => m.seq)).to.deep.equal([1, 3, 5]);
    expect(q.readyCount).to.equal(0);
  });

  it('does not ask again about messages nobody takes (a head of refused messages), until a consumer comes or one is put back', () => {
    const q = new Queue('q', Infinity, hooks);
    const even = new EvenConsumer(1000);
    q.addConsumer(even);
    for (let i = 1; i <= 199; i += 2) q.enqueue(msg(i)); // 100 odd: refused
    const asked = even.asked;
    for (let i = 2; i <= 200; i += 2) q.enqueue(msg(i)); // 100 even: taken
    expect(even.got).to.have.length(100);
    expect(even.asked - asked).to.be.below(300); // not 100 x 100
    // A consumer without a selector still gets every refused one, in order.
    const any = new FakeConsumer(1000);
    q.addConsumer(any);
    expect(any.got.map((m) => m.seq)).to.deep.equal(Array.from({ length: 100 }, (_, k) => 2 * k + 1));
    // A message put back among them is offered again.
    q.settle(any.got[0], { kind: 'released' }, any);
    expect(any.got).to.have.length(101);
    expect(any.got[100].seq).to.equal(1);
  });

  it('browsers get each waiting message once, in order, within credit, and take nothing', () => {
    const q = new Queue('q', Infinity, hooks);
    for (let i = 1; i <= 4; i++) q.enqueue(msg(i));
    const b = Object.assign(new FakeConsumer(3), { cursor: 0 });
    q.addBrowser(b);
    expect(b.got.map((m) => m.seq)).to.deep.equal([1, 2, 3]);
    expect(q.readyCount).to.equal(4);
    b.credit = 5;
    q.pump();
    q.enqueue(msg(5));
    expect(b.got.map((m) => m.seq)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(b.idles).to.be.greaterThan(0); // told when it has credit and nothing more to see
    q.removeBrowser(b);
    q.enqueue(msg(6));
    expect(b.got).to.have.length(5);
    expect(q.readyCount).to.equal(6);
  });
});
