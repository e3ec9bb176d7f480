/**
 * stompClient (reconnecting) against the embedded broker: bounded backoff, the shared reconnect
 * cases of spec/support/stomp-client-cases.ts through a cutting proxy, and failover. The same
 * cases run against RabbitMQ and ActiveMQ in the interop tier.
 */
import { expect } from 'chai';
import { interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { backoffDelay, stompClient } from '../../src/stomp/index.js';
import { stompClientCases } from '../support/stomp-client-cases.js';
import { fresh } from '../support/stomp-session.js';

describe('stompClient (reconnecting) against the embedded broker', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  // Heart-beats as often as a client asks (as RabbitMQ offers them), so a frozen connection is found in a second.
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, stompHeartbeat: [100, 100] }); });
  after(() => broker.close());

  it('computes bounded exponential backoff', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, o))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(0, { initialDelayMs: 100, jitter: 0.5 }, () => 0)).to.equal(50);
    expect(backoffDelay(0, { initialDelayMs: 100, jitter: 0.5 }, () => 1)).to.equal(150);
  });

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
    const client = stompClient({ urls: ['stomp://127.0.0.1:1', url], backoff: { initialDelayMs: 20 }, heartbeat: [0, 0] });
    const urls: (string | undefined)[] = [];
    const st = client.state$.subscribe((s) => { if (s.state === 'connecting') urls.push(s.url); });
    const results = await lastValueFrom(interval(0).pipe(take(3), map((i) => `f${i}`), client.send(q), toArray()));
    st.unsubscribe();
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    expect(urls.slice(0, 2)).to.deep.equal(['stomp://127.0.0.1:1', url]);
  });
});
