/** RxMqServer and RxMqClient in a real Nest application against the embedded broker, over AMQP 1.0 and STOMP. */
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { cutProxy } from '../support/cut-proxy.js';
import { nestKit } from './app.js';
import { nestCases, sleep, type NestTarget } from './cases.js';

for (const protocol of ['amqp', 'stomp'] as const) {
  describe(`nest: RxMqServer + RxMqClient over ${protocol} (embedded broker)`, () => {
    let broker: EmbeddedBroker;
    before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: false, host: '127.0.0.1' }); });
    after(async () => { await broker.close(); });
    const target = (): NestTarget => ({
      url: protocol === 'amqp' ? broker.amqpUrl : (broker.stompUrl as string),
      unsettled: (q) => { const i = broker.queue(q); return i === undefined ? undefined : i.depth - i.ready; },
      depth: (q) => broker.queue(q)?.depth ?? 0,
      dynamicReplies: protocol === 'amqp',
    });
    nestCases(target);
  });
}

describe('nest: RxMqClient replies at a dynamic node across a reconnect (embedded broker, AMQP)', () => {
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false, wsPort: false, host: '127.0.0.1' }); });
  after(async () => { await broker.close(); });

  it('fails a request whose dynamic reply node went with the connection at once, and answers on the next', async function () {
    this.timeout(15_000);
    const kit = await nestKit();
    const prefix = `nest-lost-${globalThis.crypto.randomUUID().slice(0, 8)}-`;
    const address = (p: Parameters<typeof kit.nest.patternName>[0]): string => `/queue/${prefix}${kit.nest.patternName(p)}`;
    const { app } = await kit.startApp({ url: broker.amqpUrl, address });
    const proxy = await cutProxy(Number(new URL(broker.amqpUrl).port));
    const client = new kit.nest.RxMqClient({ url: `amqp://127.0.0.1:${proxy.port}`, address, timeout: 8_000 });
    try {
      expect(await firstValueFrom(client.send<number>('sum', [1, 2]))).to.equal(3);
      const waiting = firstValueFrom(client.send<string>('late', 400)).then(() => undefined, (e: unknown) => e);
      await sleep(100);
      const cutAt = Date.now();
      proxy.cut();
      const err = await waiting;
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).name).to.equal('ReplyAddressLostError');
      // Well before the request's own 8 s timeout: when the new reply node was attached.
      expect(Date.now() - cutAt).to.be.below(5_000);
      expect(await firstValueFrom(client.send<number>('sum', [2, 3]))).to.equal(5);
    } finally {
      await client.close();
      await app.close();
      await proxy.close();
    }
  });
});
