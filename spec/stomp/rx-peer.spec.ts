/**
 * The Rx layer against a loopback peer we control: graceful close (DISCONNECT with receipt, then
 * the socket), a bounded wait when the receipt never comes, and detection of a silent peer.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, map, of, range, switchMap } from 'rxjs';
import { connect, headerOf, StompBufferOverflowError, StompError, StompHeartbeatTimeoutError, StompProtocolError, TimeoutError, TransportError } from '../../src/stomp/index.js';
import { fakePeer, type FakePeer } from './peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stomp rx against a loopback peer', function () {
  this.timeout(15_000);
  let peer: FakePeer | undefined;
  afterEach(async () => { await peer?.close(); peer = undefined; });

  it('is cold: nothing connects before subscribe', async () => {
    let connections = 0;
    peer = await fakePeer(() => undefined);
    peer.sockets.push = (...s) => { connections += s.length; return 0; };
    const session$ = connect(`stomp://127.0.0.1:${peer.port}`);
    await sleep(200);
    expect(connections).to.equal(0);
    expect(session$).to.have.property('subscribe');
  });

  it('sends CONNECT with the URL virtual host and credentials, and DISCONNECT with receipt on unsubscribe', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\nserver:fake/1\n\n\0');
      if (f.command === 'DISCONNECT') socket.write(`RECEIPT\nreceipt-id:${headerOf(f, 'receipt')}\n\n\0`);
    });
    const p = peer;
    const closed = new Promise<void>((r) => { const t = setInterval(() => { if (p.sockets[0]?.readableEnded) { clearInterval(t); r(); } }, 20); });
    const sub = connect({ url: `stomp://us%3Aer:p%40ss@127.0.0.1:${peer.port}/my%2Fvhost`, heartbeat: [0, 0] }).subscribe();
    await sleep(300);
    sub.unsubscribe();
    await closed;
    expect(peer.frames.map((f) => f.command)).to.deep.equal(['CONNECT', 'DISCONNECT']);
    expect(headerOf(peer.frames[0], 'host')).to.equal('my/vhost');
    expect(headerOf(peer.frames[0], 'login')).to.equal('us:er');
    expect(headerOf(peer.frames[0], 'passcode')).to.equal('p@ss');
    expect(headerOf(peer.frames[1], 'receipt')).to.be.a('string');
  });

  it('closes the socket after a bounded wait when the DISCONNECT receipt never comes', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\n\n\0');
    });
    const p = peer;
    const sub = connect({ url: `stomp://127.0.0.1:${peer.port}`, disconnectTimeoutMs: 300 }).subscribe();
    await sleep(200);
    const t0 = Date.now();
    sub.unsubscribe();
    while (!p.sockets[0]?.readableEnded && Date.now() - t0 < 3000) await sleep(20);
    expect(Date.now() - t0).to.be.within(250, 1500);
    expect(peer.frames.map((f) => f.command)).to.deep.equal(['CONNECT', 'DISCONNECT']);
  });

  it('detects a peer that goes silent after CONNECTED (heart-beat timeout)', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nheart-beat:100,100\n\n\0');
    });
    const t0 = Date.now();
    const err = await lastValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [100, 100] })
      .pipe(switchMap((s) => s.subscribe('/queue/x')))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompHeartbeatTimeoutError);
    expect(err).to.be.instanceOf(TimeoutError);
    expect(Date.now() - t0).to.be.within(1000, 3000);
    // We kept sending heart-beats while waiting.
    expect(peer.received).to.be.greaterThan(60);
  });

  it('times out when CONNECTED never comes', async () => {
    peer = await fakePeer(() => undefined);
    const err = await firstValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, connectTimeoutMs: 300 })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
  });

  it('fails with StompProtocolError on a broken CONNECTED and TransportError on a refused port', async () => {
    peer = await fakePeer((f, socket) => { if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:9.9\n\n\0'); });
    const err = await firstValueFrom(connect(`stomp://127.0.0.1:${peer.port}`)).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompProtocolError);
    const port = peer.port;
    await peer.close();
    peer = undefined;
    const refused = await firstValueFrom(connect(`stomp://127.0.0.1:${port}`)).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(TransportError);
  });

  it('bounds the write buffer: a peer that stops reading makes sends fail with StompBufferOverflowError', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') { socket.write('CONNECTED\nversion:1.2\n\n\0'); socket.pause(); }
    });
    const chunk = new Uint8Array(1024 * 1024);
    const err = await lastValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, maxWriteBuffer: 1024 * 1024, heartbeat: [0, 0] }).pipe(
      switchMap((s) => range(0, 200).pipe(map(() => chunk), s.send('/queue/x'))),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompBufferOverflowError);
    expect((err as Error).message).to.match(/waiting to be written/);
  });

  it('an ERROR naming a receipt fails the send that asked for it, with the StompError', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\n\n\0');
      if (f.command === 'SEND') socket.write(`ERROR\nreceipt-id:${headerOf(f, 'receipt')}\nmessage:not allowed\ncontent-length:4\n\nnope\0`);
    });
    const err = await lastValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [0, 0] }).pipe(
      switchMap((s) => of('x').pipe(s.send('/queue/forbidden', { receipt: true }))),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).brokerMessage).to.equal('not allowed');
    expect((err as StompError).receiptId).to.equal(headerOf(peer.frames[1], 'receipt'));
    expect((err as StompError).text).to.equal('nope');
  });
});
