/**
 * STOMP over TLS (stomp+ssl://, server verified against the test CA from scripts/gen-test-certs.sh)
 * and to an IPv6 literal, against our loopback peer.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, lastValueFrom, mergeMap, of, take } from 'rxjs';
import { connect, headerOf, TransportError } from '../../src/stomp/index.js';
import { fakePeer, type FakePeer } from './peer.js';

const CERTS = path.join(os.tmpdir(), `rx-mq-stomp-certs-${process.pid}`);
const SCRIPT = fileURLToPath(new URL('../../scripts/gen-test-certs.sh', import.meta.url));
const read = (f: string): string => readFileSync(path.join(CERTS, f), 'utf8');

const answer = (f: { command: string; headers: readonly (readonly [string, string])[] }, socket: { write(s: string): void }): void => {
  if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nserver:peer\n\n\0');
  if (f.command === 'SEND') socket.write(`RECEIPT\nreceipt-id:${headerOf(f, 'receipt')}\n\n\0`);
  if (f.command === 'DISCONNECT') socket.write(`RECEIPT\nreceipt-id:${headerOf(f, 'receipt')}\n\n\0`);
};

describe('stomp over TLS and IPv6', function () {
  this.timeout(30_000);
  let peer: FakePeer | undefined;
  before(() => { execFileSync('bash', [SCRIPT, CERTS]); });
  after(() => rmSync(CERTS, { recursive: true, force: true }));
  afterEach(async () => { await peer?.close(); peer = undefined; });

  const roundTrip = (url: string, extra = {}) => lastValueFrom(connect({ url, ...extra }).pipe(
    mergeMap((s) => of('x').pipe(s.send('/queue/t', { receipt: true }))),
    take(1),
  ));

  it('connects with stomp+ssl:// verifying the server against the CA', async () => {
    peer = await fakePeer(answer, { tls: { key: read('server.key'), cert: read('server.pem') } });
    const r = await roundTrip(`stomp+ssl://localhost:${peer.port}/vh`, { tls: { ca: read('ca.pem') } });
    expect(r.state).to.equal('receipted');
    expect(headerOf(peer.frames[0], 'host')).to.equal('vh');
  });

  it('refuses a TLS server it does not trust', async () => {
    peer = await fakePeer(answer, { tls: { key: read('server.key'), cert: read('server.pem') } });
    const err = await firstValueFrom(connect(`stomp+ssl://localhost:${peer.port}`)).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransportError);
  });

  it('connects to an IPv6 literal; the host header carries the address', async () => {
    peer = await fakePeer(answer, { host: '::1' });
    const r = await roundTrip(`stomp://[::1]:${peer.port}`);
    expect(r.state).to.equal('receipted');
    expect(headerOf(peer.frames[0], 'host')).to.equal('::1');
  });
});
