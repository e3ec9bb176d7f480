/**
 * stompClient (reconnecting) against RabbitMQ and ActiveMQ: the shared reconnect cases of
 * spec/support/stomp-client-cases.ts through a cutting proxy, and failover to a real broker.
 */
import { expect } from 'chai';
import { interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { stompClient } from '../../../src/stomp/index.js';
import { redact } from '../../../src/transport/url.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { stompClientCases } from '../../support/stomp-client-cases.js';
import { fresh } from '../../support/stomp-session.js';

const TARGETS = [
  { name: 'RabbitMQ', peer: PEERS.rabbitStomp, direct: () => RABBITMQ.stompUrl(), via: (port: number) => RABBITMQ.stompUrl({ port }) },
  { name: 'ActiveMQ', peer: PEERS.activemqStomp, direct: () => ACTIVEMQ.stompUrl(), via: (port: number) => ACTIVEMQ.stompUrl({ port }) },
] as const;

for (const t of TARGETS) {
  describe(`stompClient (reconnecting) against ${t.name}`, function () {
    this.timeout(30_000);
    requirePeers(t.peer);
    stompClientCases({ name: t.name, host: () => t.peer.host, port: () => t.peer.port, direct: t.direct, via: t.via });
  });
}

describe('stompClient failover to RabbitMQ', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitStomp);
  it('fails over from a refused URL to the next one', async () => {
    const q = fresh('client-failover');
    const rabbit = RABBITMQ.stompUrl();
    const client = stompClient({ urls: ['stomp://127.0.0.1:1', rabbit], reconnect: { initialDelayMs: 20 }, heartbeat: [0, 0] });
    const urls: (string | undefined)[] = [];
    const st = client.state$.subscribe((s) => { if (s.state === 'connecting') urls.push(s.url); });
    const results = await lastValueFrom(interval(0).pipe(take(3), map((i) => `f${i}`), client.send(q), toArray()));
    st.unsubscribe();
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    // state$ names each URL with its password redacted.
    expect(urls.slice(0, 2)).to.deep.equal(['stomp://127.0.0.1:1', redact(rabbit)]);
  });
});
