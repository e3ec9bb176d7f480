/**
 * The examples (spec/support/examples.ts) against the real peers: RabbitMQ serves all of them
 * except request/reply, which needs dynamic nodes (RabbitMQ 3.10 refuses them with
 * amqp:not-implemented) and runs against the Qpid Proton Python peer instead, and transactions,
 * which need a coordinator (RabbitMQ 3.10 has none) and run against the embedded broker; the
 * STOMP examples run against RabbitMQ's STOMP port.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { AMQP_CHECKS, CHILD_TIMEOUT_MS, STOMP_CHECKS, exampleFiles, expectSuccess, itKnowsEveryExample, runExample } from '../../support/examples.js';
import { PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { freePort, startPythonPeer, type PythonPeer } from '../support/python-peer.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';

const PROTON_PEER = fileURLToPath(new URL('../support/proton_peer.py', import.meta.url));
const RABBIT_URL = RABBITMQ.amqpUrl();

describe('examples: every examples/amqp-*.ts runs against real peers', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  requirePeers(PEERS.rabbitAmqp, PEERS.protonPython);
  let proton: PythonPeer | undefined;
  let protonUrl = '';
  let embedded: EmbeddedBroker | undefined;

  before(async () => {
    const port = await freePort();
    proton = await startPythonPeer(PROTON_PEER, [String(port)]);
    protonUrl = `amqp://localhost:${port}`;
    embedded = await startBroker({ amqpPort: 0, stompPort: false });
  });
  after(async () => { await proton?.stop(); await embedded?.close(); });

  itKnowsEveryExample('amqp');

  for (const file of exampleFiles('amqp')) {
    const rr = file === 'amqp-request-reply.ts';
    const txn = file === 'amqp-transactions.ts';
    it(`${file}${rr ? ' (Qpid Proton peer: dynamic nodes)' : txn ? ' (embedded broker: a coordinator)' : ' (RabbitMQ)'}`, async () => {
      const r = await runExample(file, rr ? { AMQP_RR_URL: protonUrl } : { AMQP_URL: txn ? (embedded as EmbeddedBroker).amqpUrl : RABBIT_URL });
      expectSuccess(r);
      AMQP_CHECKS[file]?.(r);
    });
  }

  it('amqp-transactions.ts fails clearly, with a non-zero exit, where there is no coordinator (RabbitMQ)', async () => {
    const r = await runExample('amqp-transactions.ts', { AMQP_URL: RABBIT_URL });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('this broker has no transaction coordinator');
  });

  it('amqp-request-reply.ts fails clearly, with a non-zero exit, where dynamic nodes are refused (RabbitMQ)', async () => {
    const r = await runExample('amqp-request-reply.ts', { AMQP_RR_URL: RABBIT_URL });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('cannot create dynamic nodes');
  });
});

describe('examples: every examples/stomp-*.ts runs against RabbitMQ and exits on its own', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  requirePeers(PEERS.rabbitStomp);
  itKnowsEveryExample('stomp');

  for (const file of exampleFiles('stomp')) {
    it(`${file} (RabbitMQ STOMP)`, async () => {
      const r = await runExample(file, {}, [RABBITMQ.stompUrl()]);
      // A child left running past CHILD_TIMEOUT_MS is killed and fails here, with a signal.
      expectSuccess(r);
      STOMP_CHECKS[file]?.(r, /^connected: STOMP 1\.2 to RabbitMQ\/\d/m);
    });
  }
});
