/** RxMqServer and RxMqClient in a real Nest application against the embedded broker, over AMQP 1.0 and STOMP. */
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { nestCases, type NestTarget } from './cases.js';

for (const protocol of ['amqp', 'stomp'] as const) {
  describe(`nest: RxMqServer + RxMqClient over ${protocol} (embedded broker)`, () => {
    let broker: EmbeddedBroker;
    before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: false, host: '127.0.0.1' }); });
    after(async () => { await broker.close(); });
    const target = (): NestTarget => ({
      url: protocol === 'amqp' ? broker.amqpUrl : (broker.stompUrl as string),
      unsettled: (q) => { const i = broker.queue(q); return i === undefined ? undefined : i.depth - i.ready; },
      depth: (q) => broker.queue(q)?.depth ?? 0,
    });
    nestCases(target);
  });
}
