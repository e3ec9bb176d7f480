/**
 * stompClient and fatal errors against RabbitMQ 3.10 (issue 22, item 3), through a counting proxy.
 *
 * Measured before (the client of commit 1674a17): a wrong password looped connecting/reconnecting
 * with no error (6 connections in 5 s); `/exchange/missing` beside a good subscription made 46
 * connections in 5 s (87 in 10 s), each ending in the same ERROR. After: the error within
 * milliseconds on one connection; 2 connections in 5 s, the good subscription receiving throughout.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  AuthenticationError, stompClient, StompDestinationError, type StompMessage,
} from '../../../src/stomp/index.js';
import { cutProxy, type CutProxy } from '../../support/cut-proxy.js';
import { PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { fresh } from '../../support/stomp-session.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stompClient fatal errors against RabbitMQ (issue 22, item 3)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitStomp);
  let proxy: CutProxy | undefined;
  afterEach(async () => { await proxy?.close(); proxy = undefined; });

  it('a wrong password: AuthenticationError within a second, one connection', async () => {
    proxy = await cutProxy(PEERS.rabbitStomp.port, PEERS.rabbitStomp.host);
    const client = stompClient({ url: RABBITMQ.stompUrl({ port: proxy.port, password: 'certainly-wrong' }), heartbeat: [0, 0] });
    const t0 = Date.now();
    const err = await firstValueFrom(client.subscribe(fresh('fatal-auth'))).then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - t0;
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(ms, 'ms to the error').to.be.below(1000);
    await sleep(1000);
    expect(proxy.accepted, 'connections').to.equal(1);
    console.log(`      wrong password: AuthenticationError after ${ms} ms, ${proxy.accepted} connection(s)`);
  });

  it('no virtual host in the URL: the refusal says to name one (URL path %2F or the host option), one connection', async () => {
    proxy = await cutProxy(PEERS.rabbitStomp.port, PEERS.rabbitStomp.host);
    const url = RABBITMQ.stompUrl({ port: proxy.port }).replace(/\/%2F$/, '');
    const client = stompClient({ url, heartbeat: [0, 0] });
    const err = await firstValueFrom(client.subscribe(fresh('fatal-vhost'))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AuthenticationError);
    expect((err as Error).message).to.match(/Virtual host '127\.0\.0\.1' access denied\. The STOMP host header names the virtual host/);
    expect((err as Error).message).to.include('/%2F').and.include('`host` option');
    await sleep(300);
    expect(proxy.accepted).to.equal(1);
    // Following the advice works.
    const ok = stompClient({ url, host: '/', heartbeat: [0, 0] });
    const sent = await lastValueFrom(of('v').pipe(ok.send(fresh('fatal-vhost-ok')), toArray()));
    expect(sent.map((r) => r.state)).to.deep.equal(['receipted']);
    await ok.close();
  });

  it('/exchange/missing beside a good subscription: only it errors, the other keeps receiving, 2 connections in 5 s', async () => {
    proxy = await cutProxy(PEERS.rabbitStomp.port, PEERS.rabbitStomp.host);
    const q = fresh('fatal-good');
    const client = stompClient({ url: RABBITMQ.stompUrl({ port: proxy.port }), heartbeat: [0, 0] });
    const good: StompMessage[] = [];
    let goodEnded: unknown = 'no';
    let ready!: () => void;
    const subscribed = new Promise<void>((r) => { ready = r; });
    const goodSub = client.subscribe(q, { onReceipt: () => ready() })
      .subscribe({ next: (m) => good.push(m), error: (e: unknown) => { goodEnded = e; }, complete: () => { goodEnded = 'complete'; } });
    await subscribed;
    const t0 = Date.now();
    const err = await firstValueFrom(client.subscribe('/exchange/missing')).then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - t0;
    expect(err).to.be.instanceOf(StompDestinationError);
    expect((err as StompDestinationError).destination).to.equal('/exchange/missing');
    expect((err as StompDestinationError).text).to.match(/no exchange 'missing'/);
    // The good subscription is re-made on the next connection: messages sent afterwards reach it.
    await sleep(500);
    const sender = stompClient({ url: RABBITMQ.stompUrl(), heartbeat: [0, 0] });
    const sent = await lastValueFrom(of('a', 'b', 'c').pipe(sender.send(q), toArray()));
    expect(sent.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    await sender.close();
    await sleep(5000 - (Date.now() - t0));
    goodSub.unsubscribe();
    await client.close();
    expect(goodEnded, 'the good subscription did not end').to.equal('no');
    expect(good.map((m) => m.text)).to.deep.equal(['a', 'b', 'c']);
    expect(proxy.accepted, 'connections in 5 s').to.be.at.most(3);
    console.log(`      /exchange/missing: StompDestinationError after ${ms} ms, ${proxy.accepted} connections in 5 s`);
  });

  it('a send to /exchange/missing ends that send operator with StompDestinationError, not a re-send loop', async () => {
    proxy = await cutProxy(PEERS.rabbitStomp.port, PEERS.rabbitStomp.host);
    const client = stompClient({ url: RABBITMQ.stompUrl({ port: proxy.port }), heartbeat: [0, 0] });
    const err = await lastValueFrom(of('x').pipe(client.send('/exchange/missing/key'))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompDestinationError);
    expect((err as StompDestinationError).command).to.equal('SEND');
    await sleep(1000);
    await client.close();
    expect(proxy.accepted, 'connections').to.equal(1);
  });
});
