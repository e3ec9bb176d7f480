/** The shared sender-defaults and settlement-misuse cases (spec/support/amqp-defaults-cases.ts) against the embedded broker. */
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { amqpDefaultsCases } from '../../support/amqp-defaults-cases.js';

describe('amqp/rx sender defaults and settlement misuse (embedded broker)', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());
  amqpDefaultsCases(() => ({ url: broker.amqpUrl }));
});
