/**
 * Read coalescing: the option's bounds, and the shared streaming cases
 * (spec/support/stomp-read-coalescing-cases.ts) against the embedded broker.
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect } from '../../src/stomp/index.js';
import { stompReadCoalescingCases } from '../support/stomp-read-coalescing-cases.js';

describe('stomp read coalescing option', () => {
  it('refuses a readCoalescing outside 0..1000 ms with a RangeError, before any connection', async () => {
    for (const readCoalescing of [2000, -1]) {
      let error: unknown;
      // Nothing listens on port 1: a RangeError (not a TransportError) shows the check comes first.
      await firstValueFrom(connect({ url: 'stomp://127.0.0.1:1', readCoalescing })).catch((e: unknown) => { error = e; });
      expect(error, String(readCoalescing)).to.be.instanceOf(RangeError);
    }
  });
});

describe('stomp read coalescing against the embedded broker', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0 }); });
  after(() => broker.close());
  stompReadCoalescingCases('embedded broker', () => broker.stompUrl as string);
});
