/**
 * amqpClient (reconnecting) against the embedded broker, for the keeper's rules seen from AMQP:
 * bad credentials end the client at once (no retry), the states and what they carry across a
 * reconnect, a broker that accepts and drops every connection is retried with a growing delay,
 * close(). The long reconnect scenarios (10,000 messages through a broker killing connections)
 * run against RabbitMQ in the interop tier (spec/interop/amqp/rx/client-rabbitmq.spec.ts).
 */
import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, of, switchMap, toArray } from 'rxjs';
import { amqpClient, AuthenticationError, ClientClosedError, type AmqpClient, type ClientState } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { cutProxy, type CutProxy } from '../../support/cut-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx amqpClient (reconnecting) against the embedded broker', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let proxy: CutProxy | undefined;
  const clients: AmqpClient[] = [];
  const client = (...args: Parameters<typeof amqpClient>): AmqpClient => {
    const c = amqpClient(...args);
    clients.push(c);
    return c;
  };
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false, users: { u: 'p' } }); });
  after(() => broker.close());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy?.close();
    proxy = undefined;
  });
  const via = (p: CutProxy, password = 'p'): string => `amqp://u:${password}@127.0.0.1:${p.port}`;
  const record = (c: AmqpClient): ClientState[] => {
    const states: ClientState[] = [];
    c.state$.subscribe((s) => states.push(s));
    return states;
  };

  it('bad credentials: AuthenticationError for every stream after one attempt; closed carries it', async () => {
    proxy = await cutProxy(broker.amqpPort);
    const c = client({ urls: via(proxy, 'wrong'), reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const states = record(c);
    const received = firstValueFrom(c.receive('never')).then(() => undefined, (e: unknown) => e);
    const sent = lastValueFrom(of({ body: 1 }).pipe(c.send('never'))).then(() => undefined, (e: unknown) => e);
    const err = await received;
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(await sent).to.equal(err);
    await sleep(300); // time for a retry loop to show itself
    expect(proxy.accepted, 'connections').to.equal(1);
    expect(states).to.deep.equal([
      { state: 'closed' },
      { state: 'connecting', url: `amqp://u:***@127.0.0.1:${proxy.port}`, attempt: 1 },
      { state: 'closed', error: err },
    ]);
    // Final: later operations get the same error without connecting.
    expect(await firstValueFrom(c.receive('never')).then(() => undefined, (e: unknown) => e)).to.equal(err);
    expect(proxy.accepted).to.equal(1);
  });

  it('reports connecting, open, reconnecting (with the error), connecting, open across a cut, and keeps receiving', async () => {
    proxy = await cutProxy(broker.amqpPort);
    const p = proxy;
    const c = client({ urls: via(p), reconnect: { initialDelayMs: 20 } });
    const states = record(c);
    const got: unknown[] = [];
    const sub = c.receive('client-cut').subscribe((m) => got.push(m.body));
    await firstValueFrom(c.state$.pipe(filter((s) => s.state === 'open')));
    const reopened = firstValueFrom(c.state$.pipe(filter((s) => s.state === 'reconnecting'), switchMap(() => c.state$), filter((s) => s.state === 'open')));
    p.cut();
    await reopened;
    await lastValueFrom(of({ body: 'after' }).pipe(c.send('client-cut'), toArray()));
    for (let i = 0; i < 40 && got.length === 0; i++) await sleep(25);
    sub.unsubscribe();
    expect(got).to.deep.equal(['after']);
    expect(states.map((s) => s.state)).to.deep.equal(['closed', 'connecting', 'open', 'reconnecting', 'connecting', 'open', 'closed']);
    const r = states[3];
    expect(r.state === 'reconnecting' && r.attempt).to.equal(2); // lost young: a failed attempt
    expect(r.state === 'reconnecting' && r.error).to.be.instanceOf(Error);
    expect(p.accepted).to.equal(2);
  });

  it('a broker that accepts every connection and drops it is retried with a growing delay, not hammered', async () => {
    proxy = await cutProxy(broker.amqpPort, '127.0.0.1', { dropAfterMs: 50 });
    const c = client({ urls: via(proxy), reconnect: { initialDelayMs: 20, maxDelayMs: 5000, jitter: 0 } });
    const states = record(c);
    const sub = c.receive('client-flaky').subscribe();
    await sleep(1200);
    sub.unsubscribe();
    // Delays 20, 40, 80, 160, 320, 640 after connections of about 50 ms: 6 to 7 in 1.2 s.
    expect(proxy.accepted, 'connections in 1.2 s').to.be.within(4, 7);
    expect(states.filter((s) => s.state === 'open').length).to.be.at.least(4);
    const delays = states.flatMap((s) => (s.state === 'reconnecting' ? [s.delayMs] : []));
    expect(delays.slice(0, 4)).to.deep.equal([20, 40, 80, 160]);
  });

  it('close(): receivers complete, state$ completes with closed after the connection closed, later use errors ClientClosedError', async () => {
    const c = client(broker.amqpUrl.replace('amqp://', 'amqp://u:p@'));
    const states: string[] = [];
    let stateDone = false;
    c.state$.subscribe({ next: (s) => states.push(s.state), complete: () => { stateDone = true; } });
    let receiveDone = false;
    c.receive('client-close').subscribe({ complete: () => { receiveDone = true; } });
    await firstValueFrom(c.state$.pipe(filter((s) => s.state === 'open')));
    await c.close();
    expect(receiveDone).to.equal(true);
    expect(stateDone).to.equal(true);
    expect(states).to.deep.equal(['closed', 'connecting', 'open', 'closed']);
    expect(c.state).to.deep.equal({ state: 'closed' });
    const late = await firstValueFrom(c.receive('client-close')).then(() => undefined, (e: unknown) => e);
    expect(late).to.be.instanceOf(ClientClosedError);
  });
});
