/**
 * Settle on completion against the embedded broker: every message is settled when its handler
 * finishes, never more in flight (nor unsettled at the broker) than the concurrency, a failing
 * message is redelivered and then processed, and a poison message is rejected after
 * maxDeliveries instead of looping.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { amqpClient, consumeReceiveOptions, settleOnCompletion, SettleError, type Consumed } from '../../../src/amqp/index.js';
import { cutProxy } from '../../support/cut-proxy.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { sendAll, unique, withConnection } from '../../support/amqp-connection.js';
import { connect } from '../../../src/amqp/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx settle on completion (embedded broker)', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false, deadLetterAddress: 'dead' }); });
  after(() => broker.close());

  /** Consume `n` results from queue `q` with `handler`. */
  const consume = <R>(q: string, n: number, handler: Parameters<typeof settleOnCompletion<R>>[0], o: { concurrency: number; maxDeliveries?: number }): Promise<Consumed<R>[]> =>
    firstValueFrom(connect(broker.amqpUrl).pipe(
      switchMap((c) => c.consume(q, handler, o)),
      take(n),
      toArray(),
    ));

  it('settles each message when its async handler finishes, with never more than `concurrency` at work', async () => {
    const q = unique('consume');
    await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, Array.from({ length: 200 }, (_, i) => ({ body: i }))));
    let working = 0;
    let most = 0;
    const results = await consume(q, 200, async (m) => {
      working++;
      most = Math.max(most, working);
      await sleep(Math.random() * 3);
      working--;
      return (m.body as number) * 2;
    }, { concurrency: 5 });
    expect(results.every((r) => r.outcome === 'accepted')).to.equal(true);
    expect(results.map((r) => (r.outcome === 'accepted' ? r.result : -1)).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(most).to.equal(5);
    await sleep(50);
    expect(broker.queue(q)?.depth).to.equal(0);
  });

  it('the broker never has more than `concurrency` messages out to a slow consumer', async () => {
    const q = unique('consume-bound');
    await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, Array.from({ length: 50 }, (_, i) => ({ body: i }))));
    let maxOut = 0;
    await consume(q, 50, async () => {
      const info = broker.queue(q);
      if (info !== undefined) maxOut = Math.max(maxOut, info.depth - info.ready);
      await sleep(2);
    }, { concurrency: 3 });
    expect(maxOut).to.be.within(1, 3);
  });

  it('releases a message whose handler fails, and processes it when it is redelivered', async () => {
    const q = unique('consume-retry');
    await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, [{ body: 'flaky', messageId: 'm-flaky' }]));
    let calls = 0;
    const results = await consume(q, 3, () => {
      calls++;
      if (calls < 3) throw new Error(`failure ${calls}`);
      return 'done';
    }, { concurrency: 1, maxDeliveries: 5 });
    expect(results.map((r) => r.outcome)).to.deep.equal(['released', 'released', 'accepted']);
    expect(results.map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
    expect(calls).to.equal(3);
  });

  it('rejects a poison message after maxDeliveries instead of redelivering it forever (with and without a message-id)', async () => {
    for (const messageId of ['m-poison', undefined]) {
      const q = unique('consume-poison');
      await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, [{ body: `poison ${messageId ?? 'no id'}`, messageId }, { body: 'fine' }]));
      const seen: string[] = [];
      const results = await consume(q, 4, async (m) => {
        seen.push(String(m.body));
        if (String(m.body).startsWith('poison')) throw new Error('cannot process');
      }, { concurrency: 1, maxDeliveries: 3 });
      expect(results.filter((r) => r.outcome === 'rejected').map((r) => r.attempt)).to.deep.equal([3]);
      expect(seen.filter((b) => b.startsWith('poison'))).to.have.length(3);
      expect(results.filter((r) => r.outcome === 'accepted')).to.have.length(1);
      // Rejected means dead-lettered here, with the reason.
      const dead = await withConnection({ url: broker.amqpUrl }, (c) => lastValueFrom(c.receive('dead').pipe(take(1), toArray())));
      expect(String(dead[0].body)).to.match(/^poison/);
    }
  });

  it('the operator on a receive with consumeReceiveOptions is what consume() is', async () => {
    const q = unique('consume-operator');
    await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, ['a', 'b', 'c'].map((body) => ({ body }))));
    const results = await firstValueFrom(connect(broker.amqpUrl).pipe(
      switchMap((c) => c.receive(q, consumeReceiveOptions({ concurrency: 2 })).pipe(settleOnCompletion((m) => String(m.body).toUpperCase(), { concurrency: 2 }))),
      take(3),
      toArray(),
    ));
    expect(results.map((r) => r.outcome === 'accepted' ? r.result : r.outcome).sort()).to.deep.equal(['A', 'B', 'C']);
    await sleep(50);
    expect(broker.queue(q)?.depth).to.equal(0);
  });

  it('amqpClient.consume across a cut: handlers that outlive their connection end `unsettled`, the broker redelivers, nothing is lost', async () => {
    const q = unique('consume-cut');
    const n = 40;
    await withConnection({ url: broker.amqpUrl }, (c) => sendAll(c, q, Array.from({ length: n }, (_, i) => ({ body: `m${i}` }))));
    const proxy = await cutProxy(broker.amqpPort);
    const c = amqpClient({ urls: `amqp://127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    try {
      const accepted = new Set<string>();
      const unsettled: Consumed<void>[] = [];
      let started = 0;
      const done = new Promise<void>((resolve, reject) => {
        const sub = c.consume(q, async (m) => {
          started++;
          if (started === 5) proxy.cut(); // five handlers are at work when the connection goes
          await sleep(20);
          void m;
        }, { concurrency: 5 }).subscribe({
          next: (r) => {
            if (r.outcome === 'accepted') accepted.add(String(r.message.body));
            else if (r.outcome === 'unsettled') unsettled.push(r);
            if (accepted.size === n) { sub.unsubscribe(); resolve(); }
          },
          error: reject,
        });
      });
      await done;
      expect(unsettled.length, 'handlers cut off from their connection').to.be.greaterThan(0);
      for (const u of unsettled) expect(u.outcome === 'unsettled' && u.error).to.be.instanceOf(SettleError);
      expect(accepted.size).to.equal(n);
      await sleep(50);
      expect(broker.queue(q)?.depth, 'left on the queue').to.equal(0);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('refuses a concurrency or maxDeliveries that is not a positive integer', () => {
    expect(() => consumeReceiveOptions({ concurrency: 0 })).to.throw(RangeError);
    expect(() => settleOnCompletion(() => 1, { maxDeliveries: 0.5 })).to.throw(RangeError);
  });
});
