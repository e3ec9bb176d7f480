/**
 * The examples (spec/support/examples.ts) against the real peers: RabbitMQ serves all of them
 * except request/reply, which needs dynamic nodes (RabbitMQ 3.10 refuses them with
 * amqp:not-implemented) and runs against the Qpid Proton Python peer instead; the STOMP examples
 * run against RabbitMQ's STOMP port.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { AMQP_CHECKS, CHILD_TIMEOUT_MS, STOMP_CHECKS, exampleFiles, expectSuccess, itKnowsEveryExample, runExample } from '../../support/examples.js';
import { PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { freePort, startPythonPeer, type PythonPeer } from '../support/python-peer.js';

const PROTON_PEER = fileURLToPath(new URL('../support/proton_peer.py', import.meta.url));
const RABBIT_URL = RABBITMQ.amqpUrl();

describe('examples: every examples/amqp-*.ts runs against real peers', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  requirePeers(PEERS.rabbitAmqp, PEERS.protonPython);
  let proton: PythonPeer | undefined;
  let protonUrl = '';

  before(async () => {
    const port = await freePort();
    proton = await startPythonPeer(PROTON_PEER, [String(port)]);
    protonUrl = `amqp://localhost:${port}`;
  });
  after(async () => { await proton?.stop(); });

  itKnowsEveryExample('amqp');

  for (const file of exampleFiles('amqp')) {
    const rr = file === 'amqp-request-reply.ts';
    it(`${file}${rr ? ' (Qpid Proton peer: dynamic nodes)' : ' (RabbitMQ)'}`, async () => {
      const r = await runExample(file, rr ? { AMQP_RR_URL: protonUrl } : { AMQP_URL: RABBIT_URL });
      expectSuccess(r);
      AMQP_CHECKS[file]?.(r);
    });
  }

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
