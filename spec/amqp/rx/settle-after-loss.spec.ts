/**
 * Settling a message whose connection is gone (issue 22, item 13): every settle method throws a
 * SettleError with reason 'link-closed' that says what happened, the message stays unsettled,
 * and the broker still holds it and redelivers it. Before, 1,049 accept() calls after a cut
 * all returned quietly. Same for connect() and for amqpClient, whose messages outlive a reconnect.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, map, range, toArray, ReplaySubject, type Observable, type Subscription } from 'rxjs';
import { amqpClient, connect, SettleError, IllegalStateError, type AmqpConnection, type AmqpClient, type ReceivedMessage } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { cutProxy, type CutProxy } from '../../support/cut-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx settling after the connection is lost', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let proxy: CutProxy;
  const subs: Subscription[] = [];
  const clients: AmqpClient[] = [];

  beforeEach(async () => {
    broker = await startBroker({ amqpPort: 0, stompPort: false });
    proxy = await cutProxy(broker.amqpPort);
  });
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy.close();
    await broker.close();
  });

  const open = async (url: string): Promise<AmqpConnection> => {
    const c = new ReplaySubject<AmqpConnection>(1);
    subs.push(connect(url).subscribe({ next: (x) => c.next(x), error: () => undefined }));
    return firstValueFrom(c);
  };
  const fill = async (q: string, n: number): Promise<void> => {
    const c = await open(broker.amqpUrl);
    await lastValueFrom(range(0, n).pipe(map((i) => ({ body: `m${i}` })), c.send(q), toArray()));
  };
  /**
   * The first `n` messages of `obs`, its subscription kept open (a stream that ends releases what
   * it holds: these tests settle messages whose stream is still running).
   */
  const firstOpen = <T>(obs: Observable<T>, n: number): Promise<T[]> => new Promise((resolve) => {
    const got: T[] = [];
    subs.push(obs.subscribe((m) => { got.push(m); if (got.length === n) resolve(got); }));
  });
  const settleAll = (ms: readonly ReceivedMessage[]): unknown[] => [
    (() => { try { ms[0].accept(); return 'ok'; } catch (e) { return e; } })(),
    (() => { try { ms[1].reject(); return 'ok'; } catch (e) { return e; } })(),
    (() => { try { ms[2].release(); return 'ok'; } catch (e) { return e; } })(),
    (() => { try { ms[3].modify({ deliveryFailed: true }); return 'ok'; } catch (e) { return e; } })(),
  ];

  it('connect(): accept, reject, release and modify throw SettleError(link-closed); the broker redelivers all four', async () => {
    await fill('q', 4);
    const conn = await open(`amqp://127.0.0.1:${proxy.port}`);
    const ms = await firstOpen(conn.receive('q', { settle: 'manual', credit: 10 }), 4);
    proxy.cut();
    await sleep(200);
    const errors = settleAll(ms);
    for (const e of errors) {
      expect(e).to.be.instanceOf(SettleError);
      expect(e).to.be.instanceOf(IllegalStateError); // what callers caught before stays caught
      expect((e as SettleError).reason).to.equal('link-closed');
      expect((e as Error).message).to.match(/cannot be settled: the connection was lost .*redelivers it/);
    }
    expect(ms.map((m) => m.settled)).to.deep.equal([false, false, false, false]);
    // Nothing reached the broker, so nothing is lost: a new consumer gets all four again.
    const again = await open(broker.amqpUrl);
    const redelivered = await firstOpen(again.receive('q', { settle: 'manual' }), 4);
    expect(redelivered.map((m) => m.body).sort()).to.deep.equal(['m0', 'm1', 'm2', 'm3']);
    for (const m of redelivered) m.accept();
  });

  it('amqpClient: messages taken before a reconnect throw SettleError(link-closed) after it', async () => {
    await fill('cq', 4);
    const c = amqpClient({ urls: `amqp://127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    clients.push(c);
    const ms = await firstOpen(c.receive('cq', { settle: 'manual', credit: 10 }), 4);
    proxy.cut();
    await sleep(200);
    for (const e of settleAll(ms)) {
      expect(e).to.be.instanceOf(SettleError);
      expect((e as SettleError).reason).to.equal('link-closed');
    }
  });

  it('settling twice is a SettleError(already-settled)', async () => {
    await fill('twice', 1);
    const conn = await open(broker.amqpUrl);
    const [m] = await firstOpen(conn.receive('twice', { settle: 'manual' }), 1);
    m.accept();
    const e = (() => { try { m.release(); return undefined; } catch (x) { return x; } })();
    expect(e).to.be.instanceOf(SettleError);
    expect((e as SettleError).reason).to.equal('already-settled');
  });
});
