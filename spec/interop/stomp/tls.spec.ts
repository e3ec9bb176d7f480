/**
 * STOMP over TLS to a real broker: a TLS terminator (Node's own TLS server with the test CA from
 * scripts/gen-test-certs.sh) in front of RabbitMQ's STOMP port and its Web-STOMP port, so that
 * stomp+ssl:// and wss:// run our client's TLS paths end to end against RabbitMQ.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, lastValueFrom, mergeMap, of, take, toArray } from 'rxjs';
import { connect } from '../../../src/stomp/index.js';
import { PEERS, RABBITMQ, requirePeers, type TcpPeer } from '../../support/peers.js';

const CERTS = path.join(os.tmpdir(), `rx-mq-stomp-tls-brokers-${process.pid}`);
const SCRIPT = fileURLToPath(new URL('../../../scripts/gen-test-certs.sh', import.meta.url));
const read = (f: string): string => readFileSync(path.join(CERTS, f), 'utf8');

/** Accept TLS on a free port and pipe the plaintext to `backend`. */
async function tlsTerminator(backend: TcpPeer): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: read('server.key'), cert: read('server.pem') }, (client) => {
    const upstream = net.connect({ host: backend.host, port: backend.port });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

describe('stomp over TLS to RabbitMQ (stomp+ssl:// and wss://)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitStomp, PEERS.rabbitWebStomp);
  const account = `${encodeURIComponent(RABBITMQ.user)}:${encodeURIComponent(RABBITMQ.password)}`;
  before(() => { execFileSync('bash', [SCRIPT, CERTS]); });
  after(() => rmSync(CERTS, { recursive: true, force: true }));

  async function roundTrip(url: string): Promise<string[]> {
    const dest = `/queue/rxmq-tls-${randomUUID()}`;
    return firstValueFrom(connect({ url, tls: { ca: read('ca.pem') } }).pipe(
      mergeMap(async (s) => {
        const got = lastValueFrom(s.subscribe(dest).pipe(take(2), toArray()));
        await new Promise((r) => setTimeout(r, 200));
        await lastValueFrom(of('one', new Uint8Array([0, 1, 2])).pipe(s.send(dest, { receipt: true }), toArray()));
        const ms = await got;
        return [ms[0].text, Array.from(ms[1].body).join(',')];
      }),
    ));
  }

  it('stomp+ssl:// reaches RabbitMQ with the server verified against the test CA', async () => {
    const t = await tlsTerminator(PEERS.rabbitStomp);
    try {
      expect(await roundTrip(`stomp+ssl://${account}@localhost:${t.port}/%2F`)).to.deep.equal(['one', '0,1,2']);
    } finally {
      t.close();
    }
  });

  it('wss:// reaches RabbitMQ Web-STOMP with the server verified against the test CA', async () => {
    const t = await tlsTerminator(PEERS.rabbitWebStomp);
    try {
      expect(await roundTrip(`wss://${account}@localhost:${t.port}/ws?vhost=%2F`)).to.deep.equal(['one', '0,1,2']);
    } finally {
      t.close();
    }
  });

  it('refuses a wss:// server it does not trust', async () => {
    const t = await tlsTerminator(PEERS.rabbitWebStomp);
    try {
      const err = await firstValueFrom(connect({ url: `wss://${account}@localhost:${t.port}/ws?vhost=%2F` })).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).to.match(/certificate|self.signed|verify/i);
    } finally {
      t.close();
    }
  });
});
