/** The shared STOMP batching cases (spec/support/stomp-batching-cases.ts) against the embedded broker. */
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { stompBatchingCases } from '../support/stomp-batching-cases.js';

describe('stomp batching against the embedded broker', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0 }); });
  after(() => broker.close());
  stompBatchingCases(() => broker.stompUrl as string);
});
