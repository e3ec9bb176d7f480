/**
 * RxMqServer and RxMqClient in a real Nest application against RabbitMQ 3.10, over AMQP 1.0 and
 * over STOMP: the hermetic cases (spec/nest/cases.ts), and a connection cut under the running app
 * with no event lost (counted in the handlers, at the far end).
 */
import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import { nestKit } from '../../nest/app.js';
import { nestCases, prefixed, sleep, type NestTarget } from '../../nest/cases.js';
import { cutProxy, type CutProxy } from '../../support/cut-proxy.js';
import { PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';

const targets = {
  amqp: (port?: number): NestTarget => ({ url: RABBITMQ.amqpUrl({ port }), connection: { amqp: { hostname: 'localhost' } }, dynamicReplies: false }),
  stomp: (port?: number): NestTarget => ({ url: RABBITMQ.stompUrl({ port }), dynamicReplies: false }),
};

for (const protocol of ['amqp', 'stomp'] as const) {
  describe(`nest interop: RxMqServer + RxMqClient on RabbitMQ ${protocol === 'amqp' ? 'AMQP 1.0' : 'STOMP'}`, () => {
    requirePeers(protocol === 'amqp' ? PEERS.rabbitAmqp : PEERS.rabbitStomp);
    nestCases(() => targets[protocol]());

    describe('a connection cut under the app', () => {
      let proxy: CutProxy;
      before(async () => {
        const peer = protocol === 'amqp' ? PEERS.rabbitAmqp : PEERS.rabbitStomp;
        proxy = await cutProxy(peer.port, peer.host);
      });
      after(async () => { await proxy.close(); });

      it('loses no event: every one is handled at least once after the server reconnects', async function () {
        this.timeout(60_000);
        const { startApp, nest } = await nestKit();
        const address = prefixed(`nest-cut-${globalThis.crypto.randomUUID().slice(0, 8)}-`);
        const viaProxy = targets[protocol](proxy.port);
        const direct = targets[protocol]();
        const { app, probe } = await startApp({
          url: viaProxy.url, ...viaProxy.connection, address, concurrency: 5,
          ...(protocol === 'amqp'
            ? { amqp: { hostname: 'localhost', reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } }
            : { stomp: { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } }),
        });
        probe.slowMs = 5;
        const client = new nest.RxMqClient({ url: direct.url, ...direct.connection, address });
        const total = 300;
        try {
          await Promise.all(Array.from({ length: total }, (_, i) => lastValueFrom(client.emit('slow', { i }), { defaultValue: undefined })));
          for (let i = 0; i < 400 && probe.done.length < 60; i++) await sleep(10);
          expect(probe.done.length).to.be.at.least(60).and.below(total);
          const acceptedBefore = proxy.accepted;
          proxy.cut();
          for (let i = 0; i < 1500 && new Set(probe.done).size < total; i++) await sleep(20);
          expect(proxy.accepted).to.be.greaterThan(acceptedBefore);
          expect(new Set(probe.done).size).to.equal(total);
          expect(probe.maxInFlight).to.be.at.most(5);
        } finally {
          await client.close();
          await app.close();
        }
      });
    });
  });
}
