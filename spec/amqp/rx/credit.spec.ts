/** The shared credit cases (spec/support/amqp-credit-cases.ts) against the embedded broker. */
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { amqpCreditCases } from '../../support/amqp-credit-cases.js';

describe('amqp/rx: credit is the backpressure (embedded broker)', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());
  amqpCreditCases(() => ({ url: broker.amqpUrl }));
});
