/**
 * An independent durable subscriber through the embedded broker: Qpid Proton Python
 * (python3-qpid-proton) with its DurableSubscription option detaches with closed=false, gets what
 * was published while it was away when it attaches again under the same container-id and link
 * name, and ends the subscription with a closed=true detach.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { runPythonJson } from '../support/python-peer.js';

const SCRIPT = fileURLToPath(new URL('./proton_durable.py', import.meta.url));

function run(...args: string[]): Promise<Record<string, unknown>> {
  return runPythonJson(SCRIPT, args);
}

describe('broker: Qpid Proton Python durable subscriber', function () {
  this.timeout(40_000);
  requirePeers(PEERS.protonPython);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ stompPort: false }); });
  after(() => broker.close());

  it('receives what was published while it was away, and ends the subscription for good', async () => {
    const topic = `topic/py-durable-${Math.random().toString(36).slice(2, 8)}`;
    const before = broker.stats().unrouted;
    const r = await run(broker.amqpUrl, topic);
    expect(r).to.deep.equal({
      // Proton asks for unsettled-state (DELIVERIES) and expiry never; the broker answers what it keeps.
      answered: { durable: 'configuration', expiry: 'never', address: topic },
      live: 'live',
      resumed: ['away-1', 'away-2', 'away-3'],
      after_end: 'fresh',
    });
    // The message published after the closed=true detach had no subscription to go to.
    expect(broker.stats().unrouted - before).to.equal(1);
  });
});
