/**
 * responseTimeout against real brokers: it must never take a healthy connection for dead.
 * - RabbitMQ 3.10 sends receivers flows and answers a flow with echo=true: an idle receiver is
 *   probed every deadline and stays open; a send stream with outcomes in flight goes on.
 * - The Qpid Proton C example broker answers no echo (and sends receivers no flow), so it is
 *   never probed: an idle receiver stays open there too.
 * The hermetic tier (spec/amqp/rx/hostile-server.spec.ts) proves the detection itself.
 */
import { expect } from 'chai';
import { lastValueFrom, map, range, switchMap, take, toArray, type Subscription } from 'rxjs';
import { connect } from '../../../../src/amqp/index.js';
import { unique } from '../../../support/amqp-connection.js';
import { PEERS, PROTON_C, RABBITMQ, requirePeers } from '../../../support/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx responseTimeout against real brokers', function () {
  this.timeout(30_000);

  for (const [name, peer, url, address, echoes] of [
    ['RabbitMQ 3.10', PEERS.rabbitAmqp, () => RABBITMQ.amqpUrl(), () => `/queue/${unique('rt-idle')}`, true],
    ['the Proton C example broker', PEERS.protonC, () => PROTON_C.url(), () => unique('rt-idle'), false],
  ] as const) {
    describe(name, () => {
      requirePeers(peer);
      it(`an idle receiver with responseTimeout 500 ms stays open for 4 s (${echoes ? 'probed, every probe answered' : 'never probed'})`, async () => {
        const lines: string[] = [];
        const errors: unknown[] = [];
        const sub: Subscription = connect({ url: url(), hostname: name.startsWith('Rabbit') ? 'vhost:/' : undefined, responseTimeout: 500, trace: (l) => lines.push(l) })
          .pipe(switchMap((c) => c.receive(address())))
          .subscribe({ error: (e) => errors.push(e) });
        await sleep(4000);
        sub.unsubscribe();
        expect(errors).to.deep.equal([]);
        const probes = lines.filter((l) => l.startsWith('[ch 0] -> @flow') && l.includes('echo=true')).length;
        if (echoes) expect(probes, 'probes sent').to.be.at.least(3);
        else expect(probes, 'probes sent').to.equal(0);
      });
    });
  }

  describe('RabbitMQ 3.10, sending', () => {
    requirePeers(PEERS.rabbitAmqp);
    it('2,000 at-least-once messages with responseTimeout 1 s: every outcome accepted, no false alarm', async () => {
      const q = `/queue/${unique('rt-send')}`;
      const outcomes = await lastValueFrom(connect({ url: RABBITMQ.amqpUrl(), hostname: 'vhost:/', responseTimeout: 1000 }).pipe(
        switchMap((c) => range(0, 2000).pipe(map((i) => ({ body: i })), c.send(q), toArray())), take(1),
      ));
      expect(outcomes.filter((o) => o.state === 'accepted')).to.have.length(2000);
    });
  });
});
