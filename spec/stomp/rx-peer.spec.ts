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

  it('subscribe({ receipt }): SUBSCRIBE asks for one, nothing is emitted before it, messages that overtook it follow in order', async () => {
    let release: (() => void) | undefined;
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\n\n\0');
      if (f.command === 'SUBSCRIBE') {
        const id = headerOf(f, 'id');
        // Two messages overtake the RECEIPT; the RECEIPT comes when the test says so.
        socket.write(`MESSAGE\ndestination:/queue/r\nmessage-id:1\nsubscription:${id}\n\nm1\0MESSAGE\ndestination:/queue/r\nmessage-id:2\nsubscription:${id}\n\nm2\0`);
        release = () => socket.write(`RECEIPT\nreceipt-id:${headerOf(f, 'receipt')}\n\n\0MESSAGE\ndestination:/queue/r\nmessage-id:3\nsubscription:${id}\n\nm3\0`);
      }
    });
    const events: string[] = [];
    const conn = connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [0, 0] }).pipe(
      switchMap((s) => s.subscribe('/queue/r', { receipt: true, onReceipt: () => events.push('ready') })),
    ).subscribe((m) => events.push(m.text));
    while (release === undefined) await sleep(10);
    await sleep(200);
    expect(events).to.deep.equal([]);
    release();
    while (events.length < 4) await sleep(10);
    conn.unsubscribe();
    expect(events).to.deep.equal(['ready', 'm1', 'm2', 'm3']);
    expect(headerOf(peer.frames[1], 'receipt')).to.match(/^rcpt-\d+$/);
  });

  it('subscribe({ receipt }): an ERROR naming the receipt fails the stream with that StompError', async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\n\n\0');
      if (f.command === 'SUBSCRIBE') socket.write(`ERROR\nreceipt-id:${headerOf(f, 'receipt')}\nmessage:forbidden\n\nno\0`);
    });
    let ready = false;
    const err = await lastValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [0, 0] }).pipe(
      switchMap((s) => s.subscribe('/queue/r', { onReceipt: () => { ready = true; } })),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).receiptId).to.equal(headerOf(peer.frames[1], 'receipt'));
    expect((err as StompError).brokerMessage).to.equal('forbidden');
    expect(ready).to.equal(false);
  });

  it('transaction({ receipt }): BEGIN asks for one and the transaction is emitted on it; without, at once and no receipt header', async () => {
    let releaseBegin: (() => void) | undefined;
    peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\n\n\0');
      if (f.command === 'BEGIN' && headerOf(f, 'receipt') !== undefined) releaseBegin = () => socket.write(`RECEIPT\nreceipt-id:${headerOf(f, 'receipt')}\n\n\0`);
    });
    const got: string[] = [];
    const conn = connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [0, 0] }).subscribe((s) => {
      s.transaction().subscribe((tx) => got.push(`plain ${tx.id}`));
      s.transaction({ receipt: true }).subscribe((tx) => got.push(`receipted ${tx.id}`));
    });
    while (releaseBegin === undefined) await sleep(10);
    await sleep(100);
    expect(got).to.deep.equal(['plain tx-1']);
    releaseBegin();
    while (got.length < 2) await sleep(10);
    conn.unsubscribe();
    expect(got).to.deep.equal(['plain tx-1', 'receipted tx-2']);
    const begins = peer.frames.filter((f) => f.command === 'BEGIN');
    expect(begins.map((f) => headerOf(f, 'receipt'))).to.deep.equal([undefined, 'rcpt-3']);
  });

  it('connectCommand: STOMP opens the connection with the STOMP frame', async () => {
    peer = await fakePeer((f, socket) => { if (f.command === 'STOMP') socket.write('CONNECTED\nversion:1.2\n\n\0'); });
    const s = await firstValueFrom(connect({ url: `stomp://127.0.0.1:${peer.port}`, connectCommand: 'STOMP', versions: ['1.1', '1.2'], heartbeat: [0, 0] }));
    expect(s.version).to.equal('1.2');
    expect(peer.frames[0].command).to.equal('STOMP');
    expect(headerOf(peer.frames[0], 'accept-version')).to.equal('1.1,1.2');
  });
});
