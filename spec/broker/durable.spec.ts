/**
 * Durable topic subscriptions through the embedded broker, from the user's side (rx-mq client):
 * a receiver on a durable source detaches with closed=false, the broker keeps the subscription
 * and what is published while it is away, the same container-id and link name resume it (also
 * across a reconnect of amqpClient), and unsubscribeDurable ends it for good. The wire (closed
 * flags, the answered terminus) is checked through a frame trace and the handle.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, take, tap, toArray } from 'rxjs';
import { amqpClient, connect, type AmqpConnection, type SourceOptions } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { cutProxy } from '../support/cut-proxy.js';
import { fetch as fetchOn } from '../../src/amqp/rx/fetch.js';

const unique = (p: string): string => `${p}-${Math.random().toString(36).slice(2, 8)}`;

describe('broker: durable topic subscriptions', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  beforeEach(async () => { broker = await startBroker({ stompPort: false }); });
  afterEach(() => broker.close());

  /** Run `f` on a connection with container-id `containerId`, recording the frame trace. */
  async function on<T>(containerId: string, f: (c: AmqpConnection) => Promise<T>, trace?: string[]): Promise<T> {
    const conn = connect({ url: broker.amqpUrl, containerId, trace: trace === undefined ? undefined : (l) => trace.push(l) });
    let result!: T;
    await new Promise<void>((resolve, reject) => {
      const sub = conn.subscribe({
        next: (c) => { f(c).then((r) => { result = r; sub.unsubscribe(); resolve(); }, (e: unknown) => { sub.unsubscribe(); reject(e); }); },
        error: reject,
      });
    });
    return result;
  }
  const publish = (topic: string, bodies: string[]): Promise<unknown> =>
    on(unique('pub'), (c) => lastValueFrom(from(bodies.map((body) => ({ body }))).pipe(c.send(topic), toArray())));

  it('keeps what is published while the subscriber is away, resumes it by container-id and link name, and ends it for good', async () => {
    const topic = `topic/${unique('news')}`;
    const source: SourceOptions = { address: topic, durable: 'configuration' };
    const trace: string[] = [];
    // Subscribe, take one message, unsubscribe: the link detaches with closed=false.
    const first = await on('subscriber-app', async (c) => {
      const got = firstValueFrom(c.receive<string>(source, { name: 'news-sub' }).pipe(take(1)));
      await new Promise((r) => setTimeout(r, 50));
      await publish(topic, ['live']);
      return (await got).body;
    }, trace);
    expect(first).to.equal('live');
    expect(trace.filter((l) => l.includes('-> @detach'))).to.have.length(1).and.to.satisfy((ls: string[]) => /closed=false/.test(ls[0]));
    // Published while away: kept by the broker.
    await publish(topic, ['a', 'b', 'c']);
    // Another container with the same link name is another subscription (it gets nothing old).
    const other = await on('someone-else', (c) => firstValueFrom(c.attachReceiver(source, { name: 'news-sub' })).then((h) => h.remoteSource?.durable));
    expect(other).to.equal('configuration');
    const resumed = await on('subscriber-app', (c) => firstValueFrom(c.receive<string>(source, { name: 'news-sub' }).pipe(take(3), toArray())));
    expect(resumed.map((m) => m.body)).to.deep.equal(['a', 'b', 'c']);
    // End it for good: a detach with closed=true; what is published afterwards is not kept for it.
    const endTrace: string[] = [];
    await on('subscriber-app', (c) => firstValueFrom(c.unsubscribeDurable(source, { name: 'news-sub' })), endTrace);
    expect(endTrace.filter((l) => l.includes('-> @detach'))).to.have.length(1).and.to.satisfy((ls: string[]) => /closed=true/.test(ls[0]));
    await publish(topic, ['gone']);
    const fresh = await on('subscriber-app', async (c) => {
      const got = firstValueFrom(c.receive<string>(source, { name: 'news-sub' }).pipe(take(1)));
      await new Promise((r) => setTimeout(r, 50));
      await publish(topic, ['new']);
      return (await got).body;
    });
    expect(fresh).to.equal('new');
    await on('subscriber-app', (c) => firstValueFrom(c.unsubscribeDurable(source, { name: 'news-sub' })));
  });

  it('fetch from a durable subscription takes what was kept and keeps the subscription', async () => {
    const topic = `topic/${unique('fetch')}`;
    const source: SourceOptions = { address: topic, durable: 'configuration' };
    // Make the subscription (an attach), then leave it.
    await on('fetch-app', (c) => firstValueFrom(c.attachReceiver(source, { name: 'f' })));
    await publish(topic, ['k1', 'k2', 'k3']);
    const first = await on('fetch-app', (c) => firstValueFrom(c.fetch<string>(source, { count: 2, name: 'f' }).pipe(toArray())));
    const rest = await on('fetch-app', (c) => firstValueFrom(c.fetch<string>(source, { count: 5, timeout: 300, name: 'f' }).pipe(toArray())));
    expect(first.map((m) => m.body)).to.deep.equal(['k1', 'k2']);
    expect(rest.map((m) => m.body)).to.deep.equal(['k3']);
    expect(() => connectionless().fetch(source, { count: 1 })).to.throw(RangeError, /name/);
    await on('fetch-app', (c) => firstValueFrom(c.unsubscribeDurable(source, { name: 'f' })));
  });

  it('answers the terminus as what it keeps: configuration for unsettled-state, connection-close for session-end', async () => {
    const topic = `topic/${unique('answer')}`;
    const answered = await on('answer-app', (c) => firstValueFrom(c.attachReceiver({ address: topic, durable: 'unsettled-state', expiryPolicy: 'session-end' }, { name: 'ans' })).then((h) => h.remoteSource));
    expect(answered).to.include({ durable: 'configuration', expiryPolicy: 'connection-close', address: topic });
    // Default expiry of a durable source is 'never' (a subscription that ends with its session outlives nothing).
    const never = await on('answer-app', (c) => firstValueFrom(c.attachReceiver({ address: topic, durable: 'configuration' }, { name: 'ans2' })).then((h) => h.remoteSource?.expiryPolicy));
    expect(never).to.equal('never');
    await on('answer-app', (c) => firstValueFrom(c.unsubscribeDurable({ address: topic, durable: 'configuration' }, { name: 'ans2' })));
  });

  it('gives back unsettled messages of a detached durable link to the subscription', async () => {
    const topic = `topic/${unique('unsettled')}`;
    const source: SourceOptions = { address: topic, durable: 'configuration' };
    await on('unsettled-app', async (c) => {
      // 'x' is accepted; 'y' is left unsettled when the stream ends (given back before the detach).
      const got = firstValueFrom(c.receive<string>(source, { name: 'u', settle: 'manual' }).pipe(
        tap((m) => { if (m.body === 'x') m.accept(); }), take(2), toArray()));
      await new Promise((r) => setTimeout(r, 50));
      await publish(topic, ['x', 'y']);
      return got;
    });
    const again = await on('unsettled-app', (c) => firstValueFrom(c.receive<string>(source, { name: 'u' }).pipe(take(1))));
    expect(again.body).to.equal('y');
    await on('unsettled-app', (c) => firstValueFrom(c.unsubscribeDurable(source, { name: 'u' })));
  });

  it('a second link on a subscription in use steals it (the first ends with amqp:link:stolen); a durable source needs a link name', async () => {
    const topic = `topic/${unique('stolen')}`;
    const source: SourceOptions = { address: topic, durable: 'configuration' };
    const { err, body } = await on('lock-app', async (c) => {
      const first = new Promise<unknown>((resolve) => c.receive(source, { name: 'l' }).subscribe({ error: resolve, complete: () => resolve('completed') }));
      await new Promise((r) => setTimeout(r, 50));
      const second = firstValueFrom(c.receive<string>(source, { name: 'l' }));
      const e = await first;
      await publish(topic, ['to-the-thief']);
      return { err: e, body: (await second).body };
    });
    expect(err).to.have.property('condition', 'amqp:link:stolen');
    expect(body).to.equal('to-the-thief');
    const noName = await on('lock-app', (c) => firstValueFrom(c.receive(source)).catch((x: unknown) => x));
    expect(noName).to.be.instanceOf(RangeError).and.to.have.property('message').that.matches(/stable link name/);
    await on('lock-app', (c) => firstValueFrom(c.unsubscribeDurable(source, { name: 'l' })));
  });

  it('amqpClient resumes a durable subscription across a reconnect (one container-id for its life)', async () => {
    const proxy = await cutProxy(broker.amqpPort);
    const topic = `topic/${unique('client')}`;
    const source: SourceOptions = { address: topic, durable: 'configuration' };
    const client = amqpClient({ urls: `amqp://127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    try {
      const bodies: string[] = [];
      const waitFor = (n: number): Promise<void> => new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { clearInterval(check); reject(new Error(`got only ${bodies.join(',')}`)); }, 10_000);
        const check = setInterval(() => { if (bodies.length >= n) { clearInterval(check); clearTimeout(t); resolve(); } }, 10);
      });
      const sub = client.receive<string>(source, { name: 'client-sub' }).subscribe((m) => bodies.push(String(m.body)));
      // Until the link is attached a topic keeps nothing for it: publish until one arrives.
      for (let i = 0; i < 100 && bodies.length === 0; i++) {
        await publish(topic, ['before']);
        await new Promise((r) => setTimeout(r, 30));
      }
      await waitFor(1);
      const seen = bodies.length;
      proxy.cut();
      // Published while the client is away or reconnecting: kept under its container-id and link name.
      await publish(topic, ['away-1', 'away-2']);
      await waitFor(seen + 2);
      sub.unsubscribe();
      expect(bodies.slice(seen)).to.deep.equal(['away-1', 'away-2']);
      expect(proxy.accepted).to.be.at.least(2);
      await firstValueFrom(client.unsubscribeDurable(source, { name: 'client-sub' }));
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});

/** fetch's argument checks run before anything is attached: a session that is never used. */
function connectionless(): { fetch(source: SourceOptions, o: { count: number }): unknown } {
  return { fetch: (source, o) => fetchOn({} as never, source, o) };
}
