/**
 * Attach and detach are O(1) in the number of links (issue 26 item 3): 2,000 and 8,000 links on
 * one session (consumers and producers, to distinct addresses and all to one address), answered
 * and then detached. Quadratic work shows as 16 times the time for 4 times the links; the bound
 * here is 10 (linear is 4), measured as the best of two runs to keep a shared machine's noise out.
 * Before the fix: 16k/32k/64k links took 5 s / 21 s / over 120 s (the figures); after,
 * about 0.6 s / 0.7 s / 1.3 s to distinct addresses (spec/support/attach-timing.ts).
 */
import { expect } from 'chai';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { timeAttachDetach, type AttachTiming } from '../support/attach-timing.js';

describe('broker: attach and detach scale linearly with the links of a session', function () {
  this.timeout(120_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ limits: { maxLinksPerConnection: 10_000 } }); });
  after(() => broker.close());

  const best = async (n: number, addresses: number): Promise<AttachTiming> => {
    const a = await timeAttachDetach(broker.amqpPort, n, addresses);
    const b = await timeAttachDetach(broker.amqpPort, n, addresses);
    return { links: n, attachMs: Math.min(a.attachMs, b.attachMs), detachMs: Math.min(a.detachMs, b.detachMs) };
  };

  for (const shared of [false, true]) {
    it(`${shared ? 'all to one address' : 'each to its own address'}: 8,000 links cost less than 10 times 2,000`, async () => {
      const small = await best(2000, shared ? 1 : 2000);
      const large = await best(8000, shared ? 1 : 8000);
      // A floor of 20 ms keeps timer granularity out of the ratio.
      expect(large.attachMs / Math.max(20, small.attachMs), `attach: ${JSON.stringify([small, large])}`).to.be.below(10);
      expect(large.detachMs / Math.max(20, small.detachMs), `detach: ${JSON.stringify([small, large])}`).to.be.below(10);
    });
  }
});
