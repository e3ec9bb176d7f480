/**
 * stompClient (reconnecting) against the embedded broker: the shared reconnect cases of
 * spec/support/stomp-client-cases.ts through a cutting proxy, failover, and the keeper's rules
 * seen from STOMP: a refused login ends the client at once (no retry loop), a broker that accepts
 * and drops every connection is retried with a growing delay, close(). The same reconnect cases
 * run against RabbitMQ and ActiveMQ in the interop tier.
 */
import { expect } from 'chai';
import { firstValueFrom, interval, lastValueFrom, map, NEVER, take, toArray } from 'rxjs';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import {
  ClientClosedError, stompClient, StompAuthenticationError, StompError, UrlError, type ClientState,
} from '../../src/stomp/index.js';
import { cutProxy, type CutProxy } from '../support/cut-proxy.js';
import { stompClientCases } from '../support/stomp-client-cases.js';
import { fresh } from '../support/stomp-session.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stompClient (reconnecting) against the embedded broker', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  // Heart-beats as often as a client asks (as RabbitMQ offers them), so a frozen connection is found in a second.
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, stompHeartbeat: [100, 100] }); });
  after(() => broker.close());

  stompClientCases({
    name: 'embedded broker',
    host: () => '127.0.0.1',
    port: () => broker.stompPort as number,
    direct: () => broker.stompUrl as string,
    via: (port) => `stomp://127.0.0.1:${port}`,
  });

  it('fails over from a refused URL to the next one', async () => {
    const q = fresh('client-failover');
    const url = broker.stompUrl as string;
    const client = stompClient({ urls: ['stomp://127.0.0.1:1', url], reconnect: { initialDelayMs: 20 }, heartbeat: [0, 0] });
    const urls: (string | undefined)[] = [];
    const st = client.state$.subscribe((s) => { if (s.state === 'connecting') urls.push(s.url); });
    const results = await lastValueFrom(interval(0).pipe(take(3), map((i) => `f${i}`), client.send(q), toArray()));
    st.unsubscribe();
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    expect(urls.slice(0, 2)).to.deep.equal(['stomp://127.0.0.1:1', url]);
  });

  describe('the keeper rules', () => {
    let proxy: CutProxy | undefined;
    let other: EmbeddedBroker | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
      await other?.close();
      other = undefined;
    });

    it('a wrong password ends every stream with StompAuthenticationError after one attempt, and closed carries it', async () => {
      other = await startBroker({ amqpPort: 0, stompPort: 0, users: { u: 'p' } });
      proxy = await cutProxy(other.stompPort as number);
      const client = stompClient({ url: `stomp://u:wrong@127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 20 }, heartbeat: [0, 0] });
      const states: ClientState[] = [];
      let completed = false;
      client.state$.subscribe({ next: (s) => states.push(s), complete: () => { completed = true; } });
      const subErr = firstValueFrom(client.subscribe('/queue/never')).then(() => undefined, (e: unknown) => e);
      const sendErr = lastValueFrom(NEVER.pipe(client.send('/queue/never'))).then(() => undefined, (e: unknown) => e);
      const err = await subErr;
      expect(err).to.be.instanceOf(StompAuthenticationError).and.instanceOf(StompError);
      expect((err as StompError).brokerMessage).to.match(/access refused/);
      expect(await sendErr).to.equal(err);
      await sleep(300); // time for a retry loop to show itself
      expect(proxy.accepted, 'connections').to.equal(1);
      expect(states.map((s) => s.state)).to.deep.equal(['closed', 'connecting', 'closed']);
      expect(states[1]).to.deep.equal({ state: 'connecting', url: `stomp://u:***@127.0.0.1:${proxy.port}`, attempt: 1 });
      expect(client.state).to.deep.equal({ state: 'closed', error: err });
      expect(completed).to.equal(true);
      // Final: a later subscription gets the same error without connecting.
      expect(await firstValueFrom(client.subscribe('/queue/never')).then(() => undefined, (e: unknown) => e)).to.equal(err);
      expect(proxy.accepted).to.equal(1);
    });

    it('an unusable URL ends the client with UrlError, not retried', async () => {
      const client = stompClient({ url: 'http://127.0.0.1:1', reconnect: { initialDelayMs: 1 } });
      const err = await firstValueFrom(client.subscribe('/queue/never')).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(UrlError);
      expect(client.state).to.deep.equal({ state: 'closed', error: err });
    });

    it('a broker that accepts every connection and drops it is retried with a growing delay, not hammered', async () => {
      // Each connection gets CONNECTED and is cut 50 ms later. The old client reset its backoff
      // on every CONNECTED and reconnected about every 60 ms here.
      proxy = await cutProxy(broker.stompPort as number, '127.0.0.1', { dropAfterMs: 50 });
      const client = stompClient({ url: `stomp://127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 20, maxDelayMs: 5000, jitter: 0 }, heartbeat: [0, 0] });
      const states: ClientState[] = [];
      const st = client.state$.subscribe((s) => states.push(s));
      const sub = client.subscribe('/queue/flaky').subscribe();
      await sleep(1200);
      sub.unsubscribe();
      st.unsubscribe();
      await client.close();
      // Delays 20, 40, 80, 160, 320, 640 after connections of about 50 ms: 6 to 7 in 1.2 s.
      expect(proxy.accepted, 'connections in 1.2 s').to.be.within(4, 7);
      expect(states.filter((s) => s.state === 'open').length).to.be.at.least(4);
      const delays = states.flatMap((s) => (s.state === 'reconnecting' ? [s.delayMs] : []));
      expect(delays.slice(0, 4)).to.deep.equal([20, 40, 80, 160]);
    });

    it('close(): subscriptions complete, sends without a receipt error, state$ completes with closed, later use errors', async () => {
      const client = stompClient({ url: broker.stompUrl as string, heartbeat: [0, 0] });
      let stateDone = false;
      const states: string[] = [];
      client.state$.subscribe({ next: (s) => states.push(s.state), complete: () => { stateDone = true; } });
      let ready!: () => void;
      const subscribed = new Promise<void>((r) => { ready = r; });
      let subDone = false;
      client.subscribe(fresh('client-close'), { onReceipt: () => ready() }).subscribe({ complete: () => { subDone = true; } });
      await subscribed;
      const sent = await lastValueFrom(interval(0).pipe(take(2), map(String), client.send(fresh('client-close-send')), toArray()));
      expect(sent.map((r) => r.state)).to.deep.equal(['receipted', 'receipted']);
      await client.close();
      expect(subDone).to.equal(true);
      expect(stateDone).to.equal(true);
      expect(states).to.deep.equal(['closed', 'connecting', 'open', 'closed']);
      const late = await firstValueFrom(client.subscribe('/queue/x')).then(() => undefined, (e: unknown) => e);
      expect(late).to.be.instanceOf(ClientClosedError);
    });

    it('rejects the old `backoff` option and bad reconnect options when the client is made', () => {
      expect(() => stompClient({ url: 'stomp://127.0.0.1:1', backoff: {} } as never)).to.throw(TypeError, /reconnect/);
      expect(() => stompClient({ url: 'stomp://127.0.0.1:1', reconnect: { maxDelayMs: -1 } })).to.throw(RangeError);
      expect(() => stompClient({})).to.throw(TypeError);
    });
  });
});
