/**
 * Claims-based security against a second independent peer: a `$cbs` node written on Qpid Proton
 * for Python (cbs_proton_peer.py), which refuses other links until a token is accepted. The
 * put-token's properties as Proton decodes them (the expiration an AMQP timestamp), acceptance,
 * refusal as a CbsError with the status code, and a refresh of a short-lived token.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, mergeMap } from 'rxjs';
import { CbsError, connect, type CbsToken } from '../../../../src/amqp/index.js';
import { PEERS, requirePeers } from '../../../support/peers.js';
import { freePort, startPythonPeer, type PythonPeer } from '../../support/python-peer.js';

const SCRIPT = fileURLToPath(new URL('./cbs_proton_peer.py', import.meta.url));
const AUDIENCE = 'sb://rx-mq-test.servicebus.windows.net/';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('interop: claims-based security against a $cbs node on Qpid Proton (Python)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.protonPython);
  let peer: PythonPeer;
  let url: string;
  const puts: string[] = [];

  beforeEach(async () => {
    const port = await freePort();
    peer = await startPythonPeer(SCRIPT, [String(port)]);
    puts.length = 0;
    peer.child.stdout?.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n')) if (line.startsWith('PUT ')) puts.push(line.slice(4));
    });
    url = `amqp://127.0.0.1:${port}`;
  });
  afterEach(async () => { await peer.stop(); });

  const tokens = (prefix: string, lifeMs: number): (() => CbsToken) => {
    let n = 0;
    return () => ({ token: `${prefix}-${++n}`, expiresAt: Date.now() + lifeMs, type: 'servicebus.windows.net:sastoken' });
  };

  it('puts the token (an AMQP timestamp as expiration) and then the application\'s links attach', async () => {
    const handle = await firstValueFrom(connect({ url, cbs: { audience: AUDIENCE, tokenProvider: tokens('good', 3_600_000) } }).pipe(
      mergeMap((c) => c.attachReceiver('orders')),
    ));
    expect(handle).to.be.ok;
    expect(puts).to.deep.equal([`good-1 servicebus.windows.net:sastoken ${AUDIENCE} timestamp`]);
  });

  it('without CBS the same link is refused (the peer really checks claims)', async () => {
    const err = await firstValueFrom(connect(url).pipe(mergeMap((c) => c.receive('orders')))).then(() => undefined, (e: unknown) => e);
    expect((err as { condition?: string }).condition).to.equal('amqp:unauthorized-access');
  });

  it('a refused token is a CbsError with status-code 401', async () => {
    const err = await firstValueFrom(connect({ url, cbs: { audience: AUDIENCE, tokenProvider: tokens('bad', 60_000) } })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CbsError);
    expect((err as CbsError).statusCode).to.equal(401);
    expect((err as CbsError).statusDescription).to.equal('InvalidSignature');
  });

  it('puts a fresh token before a short-lived one expires', async () => {
    await firstValueFrom(connect({ url, cbs: { audience: AUDIENCE, tokenProvider: tokens('good', 1500) } }).pipe(mergeMap(async () => {
      for (let i = 0; i < 500 && puts.length < 2; i++) await sleep(10);
    })));
    expect(puts.map((p) => p.split(' ')[0])).to.deep.equal(['good-1', 'good-2']);
  });
});
