/**
 * TLS and WebSocket transports carrying our AMQP engine to rhea (an independent peer): a test CA
 * made by scripts/gen-test-certs.sh, server verification on by default, a client certificate
 * with SASL EXTERNAL, and AMQP over WebSocket with the "amqp" subprotocol.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import rhea from 'rhea';
import { WebSocketServer } from 'ws';
import { string } from '../../src/amqp/codec/index.js';
import { TransportError } from '../../src/transport/types.js';
import { EngineDriver } from '../support/engine-driver.js';

const CERTS = path.join(os.tmpdir(), `rx-mq-test-certs-${process.pid}`);
const SCRIPT = fileURLToPath(new URL('../../scripts/gen-test-certs.sh', import.meta.url));
const read = (f: string): string => readFileSync(path.join(CERTS, f), 'utf8');

describe('transport: TLS and WebSocket to rhea', function () {
  this.timeout(30_000);
  let driver: EngineDriver | undefined;
  const servers: { close(): void }[] = [];

  before(() => { execFileSync('bash', [SCRIPT, CERTS]); });
  afterEach(() => {
    driver?.close();
    driver = undefined;
    while (servers.length > 0) servers.pop()?.close();
  });

  async function tlsPeer(requestCert: boolean): Promise<{ port: number; container: rhea.Container }> {
    const container = rhea.create_container({ id: 'rhea-tls' });
    container.sasl_server_mechanisms.enable_anonymous();
    const listen = container.listen.bind(container) as unknown as (o: object) => Server;
    const server = listen({
      port: 0, host: '127.0.0.1', transport: 'tls', key: read('server.key'), cert: read('server.pem'),
      ca: [read('ca.pem')], requestCert, rejectUnauthorized: requestCert, enable_sasl_external: requestCert,
    });
    servers.push(server);
    await new Promise<void>((r) => server.once('listening', () => r()));
    return { port: (server.address() as AddressInfo).port, container };
  }

  it('opens AMQP over TLS verifying the server against the test CA', async () => {
    const { port } = await tlsPeer(false);
    driver = new EngineDriver({ kind: 'tls', host: 'localhost', port, tls: { ca: read('ca.pem') } }, { containerId: 'tls-client', sasl: {} });
    const tr = await driver.ready;
    expect(tr.info).to.deep.include({ kind: 'tls', authorized: true, peerCertificateSubject: 'localhost' });
    await driver.next('connection-open');
  });

  it('refuses a server whose certificate the client does not trust (default verification)', async () => {
    const { port } = await tlsPeer(false);
    driver = new EngineDriver({ kind: 'tls', host: 'localhost', port }, { containerId: 'tls-client', sasl: {} });
    const err = await driver.ready.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as TransportError).code).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('authenticates with a client certificate and SASL EXTERNAL', async () => {
    const { port, container } = await tlsPeer(true);
    let peerSawCert = '';
    container.on('connection_open', (ctx: rhea.EventContext) => {
      const socket = (ctx.connection as unknown as { socket?: { getPeerCertificate(): { subject?: { CN?: string } } } }).socket;
      peerSawCert = socket?.getPeerCertificate().subject?.CN ?? '';
    });
    driver = new EngineDriver(
      { kind: 'tls', host: 'localhost', port, tls: { ca: read('ca.pem'), cert: read('client.pem'), key: read('client.key') } },
      // Forcing EXTERNAL: negotiation fails unless the peer offers it for the certificate.
      { containerId: 'tls-client', sasl: { mechanism: 'EXTERNAL' } },
    );
    await driver.next('connection-open');
    expect(peerSawCert).to.equal('rx-mq-client');
  });

  it('carries AMQP over WebSocket with the "amqp" subprotocol', async () => {
    const container = rhea.create_container({ id: 'rhea-ws' });
    const received: string[] = [];
    container.on('message', (ctx: rhea.EventContext) => { received.push(String(ctx.message?.body)); });
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (ps) => (ps.has('amqp') ? 'amqp' : false) });
    servers.push(wss);
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const accept = (container as unknown as { websocket_accept(ws: unknown): void }).websocket_accept.bind(container);
    wss.on('connection', (ws) => accept(ws));
    const port = (wss.address() as AddressInfo).port;
    driver = new EngineDriver({ kind: 'websocket', url: `ws://127.0.0.1:${port}/`, protocols: ['amqp'] }, { containerId: 'ws-client', sasl: false });
    const tr = await driver.ready;
    expect(tr.info.protocol).to.equal('amqp');
    await driver.next('connection-open');
    const s = driver.conn.session();
    const snd = s.attachSender({ name: 'ws-out', target: { kind: 'target', address: string('q') } });
    driver.flush();
    await driver.next('link-flow', () => snd.credit.credit > 0);
    const { encodeSections } = await import('../../src/amqp/frames/index.js');
    snd.send(encodeSections({ body: { kind: 'value', value: string('over websocket') } }));
    driver.flush();
    expect((await driver.next('delivery-update')).delivery.remoteState?.kind).to.equal('accepted');
    expect(received).to.deep.equal(['over websocket']);
  });

  it('reports a refused TCP connection as a typed TransportError', async () => {
    driver = new EngineDriver({ kind: 'tcp', host: '127.0.0.1', port: 1 }, { containerId: 'x' });
    const err = await driver.ready.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
    expect((err as TransportError).code).to.equal('ECONNREFUSED');
    expect((err as Error).message).to.match(/connection refused/);
  });
});
