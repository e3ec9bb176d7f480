/**
 * Qpid Proton Python's transaction API (python3-qpid-proton: Container.declare_transaction,
 * Transaction.send / accept / commit / abort) against the embedded broker's coordinator, an
 * independent controller: posted messages are visible only after the commit and never after an
 * abort, and accepts are undone by an abort.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { runPythonJson } from '../support/python-peer.js';

const SCRIPT = fileURLToPath(new URL('./proton_txn_client.py', import.meta.url));

interface Seen {
  readonly events: readonly string[];
  readonly received: readonly string[];
  readonly beforeDischarge?: readonly string[];
  readonly afterAbort?: readonly string[];
  readonly beforeAbort?: readonly string[];
}

function run(url: string, scenario: string, queue: string): Promise<Seen> {
  return runPythonJson<Seen>(SCRIPT, [url, scenario, queue]);
}

describe('broker: transactions driven by Qpid Proton Python', function () {
  this.timeout(40_000);
  requirePeers(PEERS.protonPython);
  let broker: EmbeddedBroker;
  beforeEach(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  afterEach(() => broker.close());

  it('messages posted in a transaction are delivered only after the commit', async () => {
    const seen = await run(broker.amqpUrl, 'commit', 'py-txn-commit');
    expect(seen.events).to.deep.equal(['declared', 'committed']);
    expect(seen.beforeDischarge).to.deep.equal([]);
    expect(seen.received).to.deep.equal(['t0', 't1', 't2']);
    expect(broker.stats().received).to.equal(3);
  });

  it('messages posted in an aborted transaction are never delivered', async () => {
    const seen = await run(broker.amqpUrl, 'abort', 'py-txn-abort');
    expect(seen.events).to.deep.equal(['declared', 'aborted']);
    expect(seen.beforeDischarge).to.deep.equal([]);
    expect(seen.afterAbort).to.deep.equal([]);
    // The broker still works for the same client: a plain message afterwards arrives.
    expect(seen.received).to.deep.equal(['plain']);
    expect(broker.stats().received).to.equal(1);
  });

  it('accepts in an aborted transaction are undone (delivered again); committed ones are final', async () => {
    const seen = await run(broker.amqpUrl, 'accept-abort', 'py-txn-accept');
    expect(seen.events).to.deep.equal(['declared', 'aborted', 'declared-2', 'committed-2']);
    expect(seen.beforeAbort).to.deep.equal(['p0', 'p1', 'p2']);
    expect(seen.received).to.deep.equal(['p0', 'p1', 'p2', 'p0', 'p1', 'p2']);
    expect(broker.queue('py-txn-accept')?.depth).to.equal(0);
  });
});
