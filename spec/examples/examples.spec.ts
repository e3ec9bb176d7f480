/**
 * The examples (spec/support/examples.ts) against the embedded broker, started in this process:
 * every AMQP example, request/reply included (the broker makes dynamic nodes), and every STOMP
 * example. The same examples run against RabbitMQ and Qpid Proton in the interop tier.
 */
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { AMQP_CHECKS, CHILD_TIMEOUT_MS, STOMP_CHECKS, exampleFiles, expectSuccess, itKnowsEveryExample, runExample } from '../support/examples.js';

describe('examples: every example runs against the embedded broker and exits on its own', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0 }); });
  after(() => broker.close());

  describe('AMQP', () => {
    itKnowsEveryExample('amqp');
    for (const file of exampleFiles('amqp')) {
      it(file, async () => {
        const r = await runExample(file, { AMQP_URL: broker.amqpUrl, AMQP_RR_URL: broker.amqpUrl });
        expectSuccess(r);
        AMQP_CHECKS[file]?.(r);
      });
    }
  });

  describe('STOMP', () => {
    itKnowsEveryExample('stomp');
    for (const file of exampleFiles('stomp')) {
      it(file, async () => {
        const r = await runExample(file, {}, [broker.stompUrl as string]);
        expectSuccess(r);
        STOMP_CHECKS[file]?.(r, /^connected: STOMP 1\.2 to rx-mq/m);
      });
    }
  });
});
