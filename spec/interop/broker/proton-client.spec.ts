/**
 * The embedded broker driven by Qpid Proton Python (python3-qpid-proton, BlockingConnection) as
 * an independent AMQP 1.0 client.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../../src/broker/index.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { runPythonJson } from '../support/python-peer.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '../../support/tls-certs.js';

const SCRIPT = fileURLToPath(new URL('./proton_client.py', import.meta.url));

function run(url: string, scenario: string, ...extra: string[]): Promise<Record<string, unknown>> {
  return runPythonJson(SCRIPT, [url, scenario, ...extra]);
}

describe('broker: Qpid Proton Python client', function () {
  this.timeout(40_000);
  requirePeers(PEERS.protonPython);
  let broker: EmbeddedBroker;
  const start = async (opts: BrokerOptions = {}): Promise<void> => { broker = await startBroker({ amqpPort: 0, ...opts }); };
  afterEach(() => broker.close());

  it('round-trips messages through a queue', async () => {
    await start();
    expect(await run(broker.amqpUrl, 'roundtrip')).to.deep.equal({ got: [['m0', 0], ['m1', 1], ['m2', 2]] });
    expect(broker.queue('py-q')?.depth).to.equal(0);
  });

  it('shares a queue between competing consumers', async () => {
    await start();
    const r = await run(broker.amqpUrl, 'competing') as { a: number[]; b: number[] };
    expect([...r.a, ...r.b].sort((x, y) => x - y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.a).to.have.length(5);
    expect(r.b).to.have.length(5);
  });

  it('fans a topic out to every subscriber', async () => {
    await start();
    expect(await run(broker.amqpUrl, 'topic')).to.deep.equal({ subscribers: [['n0', 'n1', 'n2'], ['n0', 'n1', 'n2']] });
  });

  it('serves request/reply over a dynamic reply-to node and the anonymous relay', async () => {
    await start();
    const r = await run(broker.amqpUrl, 'reply_to');
    expect(r).to.deep.include({ body: 'pong', correlation_id: 'c-1' });
    expect(r.address).to.match(/^tmp\//);
  });

  it('requeues released (and modified, not failed) messages to the same consumer', async () => {
    await start();
    // Proton's release(delivered=True) settles `modified` without delivery-failed, so the
    // delivery count stays 0 (rhea's spec checks the delivery-failed case).
    expect(await run(broker.amqpUrl, 'released')).to.deep.equal({ bodies: ['again', 'again', 'again'], counts: [0, 0, 0] });
  });

  it('moves rejected messages to the dead-letter address', async () => {
    await start({ deadLetterAddress: 'py-dead' });
    expect(await run(broker.amqpUrl, 'rejected')).to.deep.equal({ dead: 'poison' });
    expect(broker.stats()).to.include({ rejected: 1, deadLettered: 1 });
  });

  it('carries a multi-frame message intact', async () => {
    await start({ maxFrameSize: 16 * 1024 });
    expect(await run(broker.amqpUrl, 'large')).to.deep.equal({ same: true, size: 300 * 1024 });
  });

  it('receives from /queue/X with BlockingConnection (the answered address is the requested one)', async () => {
    await start();
    expect(await run(broker.amqpUrl, 'queue_prefix')).to.deep.equal({
      body: 'via-prefix', source: '/queue/py-prefix', target: '/queue/py-prefix', durable: 0,
    });
    expect(broker.queue('py-prefix')?.depth).to.equal(0);
  });

  it('applies a selector (Proton\'s Selector) and browses (Copy), answering both', async () => {
    await start();
    expect(await run(broker.amqpUrl, 'selector_copy')).to.deep.equal({
      browsed: ['red-0', 'blue-1', 'red-2'], red: ['red-0', 'red-2'], other: 'blue-1',
      mode: 1, // Terminus.DIST_MODE_COPY
      filter_keys: ['selector'],
    });
    expect(broker.queue('py-sel')?.depth).to.equal(0);
  });

  it('accepts good PLAIN credentials and refuses bad ones when users are set', async () => {
    await start({ users: { bob: 'pw' } });
    expect(await run(broker.amqpUrl, 'roundtrip', 'bob', 'pw')).to.have.property('got');
    expect(await run(broker.amqpUrl, 'roundtrip', 'bob', 'nope')).to.have.property('connect_error');
  });

  it('TLS: SASL EXTERNAL with a client certificate logs in as its CN (with its permissions); without one the handshake fails', async () => {
    const certs = makeCertificates(['alice']);
    const dir = mkdtempSync(join(tmpdir(), 'rx-mq-proton-tls-'));
    const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p; };
    try {
      await start({
        tls: { key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true },
        users: { alice: { permissions: { read: '^alice\\.', write: '^alice\\.', create: '^alice\\.' } } },
      });
      const ca = file('ca.pem', certs.ca);
      const r = await run(broker.amqpsUrl as string, 'tls_external', ca, file('alice.pem', certs.clients.alice.cert), file('alice.key', certs.clients.alice.key));
      expect(r.body).to.equal('by certificate');
      expect(r.refused).to.match(/unauthorized-access/);
      expect(await run(broker.amqpsUrl as string, 'tls_external', ca)).to.have.property('connect_error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
