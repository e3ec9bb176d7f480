/**
 * STOMP responseTimeout against real brokers: receipted work on a healthy connection never trips
 * it, and a subscription that is simply idle is not watched (nothing awaits an answer). The
 * detection itself is proven in the hermetic tier (spec/stomp/hostile-server.spec.ts).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { lastValueFrom, map, range, switchMap, take, toArray, type Subscription } from 'rxjs';
import { connect, stompClient } from '../../../src/stomp/index.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stomp/rx responseTimeout against real brokers', function () {
  this.timeout(30_000);
  for (const [name, peer, url] of [
    ['RabbitMQ 3.10', PEERS.rabbitStomp, () => RABBITMQ.stompUrl()],
    ['ActiveMQ 5.17', PEERS.activemqStomp, () => ACTIVEMQ.stompUrl()],
  ] as const) {
    describe(name, () => {
      requirePeers(peer);
      it('1,000 receipted messages through stompClient with responseTimeout 1 s: every receipt, no reconnect', async () => {
        const client = stompClient({ url: url(), responseTimeout: 1000 });
        const states: string[] = [];
        client.state$.subscribe((s) => states.push(s.state));
        try {
          const results = await lastValueFrom(range(0, 1000).pipe(map(String), client.send(`/queue/rt-${randomUUID()}`), toArray()));
          expect(results).to.have.length(1000);
          expect(states.filter((s) => s === 'reconnecting')).to.deep.equal([]);
        } finally {
          await client.close();
        }
      });

      it('an idle subscription with responseTimeout 300 ms stays open for 3 s', async () => {
        const errors: unknown[] = [];
        const sub: Subscription = connect({ url: url(), responseTimeout: 300 })
          .pipe(switchMap((s) => s.subscribe(`/queue/rt-idle-${randomUUID()}`)), take(1))
          .subscribe({ error: (e) => errors.push(e) });
        await sleep(3000);
        sub.unsubscribe();
        expect(errors).to.deep.equal([]);
      });
    });
  }
});
