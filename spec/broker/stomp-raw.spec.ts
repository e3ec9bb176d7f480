/**
 * The broker's STOMP side against exact bytes from a raw socket: malformed, unknown and oversize
 * frames get an ERROR and a closed connection while the broker carries on; a silent client is
 * dropped after its heart-beat interval; ack:auto subscribers are held back by socket
 * backpressure instead of being buffered without bound.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, switchMap, take, toArray } from 'rxjs';
import { connect as amqpConnect } from '../../src/amqp/index.js';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../src/broker/index.js';
import { headerOf } from '../../src/stomp/codec/index.js';
import { withSession } from '../support/stomp-session.js';
import { sleep, until } from './helpers.js';
import { rawClient, type RawClient } from './stomp-helpers.js';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:/\n\n\0';

describe('broker: STOMP protocol errors and flow control (raw socket)', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const errors: Error[] = [];
  const clients: RawClient[] = [];
  const start = async (opts: BrokerOptions = {}): Promise<void> => {
    await broker?.close();
    broker = await startBroker({ onError: (e) => errors.push(e), ...opts });
  };
  const raw = async (): Promise<RawClient> => {
    const c = await rawClient(broker.stompPort as number);
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    errors.length = 0;
    await start({ maxFrameSize: 4096 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await broker.close();
  });

  /** The broker still serves STOMP and AMQP. */
  const stillServing = async (): Promise<void> => {
    const r = await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('ok').pipe(s.send('/queue/alive', { receipt: true }), toArray())));
    expect(r[0].state).to.equal('receipted');
    const o = await firstValueFrom(amqpConnect(broker.amqpUrl).pipe(switchMap((c) => of({ body: 'ok' }).pipe(c.send('alive'), toArray()))));
    expect(o[0].state).to.equal('accepted');
  };

  const cases: readonly { name: string; after: string | Uint8Array; message: RegExp }[] = [
    { name: 'garbage bytes', after: 'HELLO THERE\n\n\0', message: /malformed frame: unknown command/ },
    { name: 'a header line without a colon', after: 'SEND\ndestination /queue/a\n\n\0', message: /without a colon/ },
    { name: 'invalid UTF-8 in a header', after: new Uint8Array([...Buffer.from('SEND\ndestination:'), 0xff, 0xfe, 10, 10, 0]), message: /not valid UTF-8/ },
    { name: 'a SEND without destination', after: 'SEND\n\nbody\0', message: /missing the required "destination"/ },
    { name: 'an ACK for a message never delivered', after: 'ACK\nid:nope\n\n\0', message: /unknown or already acknowledged/ },
    { name: 'a COMMIT of an unknown transaction', after: 'COMMIT\ntransaction:t9\n\n\0', message: /unknown transaction "t9"/ },
    { name: 'a frame larger than maxFrameSize', after: `SEND\ndestination:/queue/big\ncontent-length:8000\n\n${'x'.repeat(8000)}\0`, message: /frame too large/ },
    { name: 'an endless header line', after: `SEND\ndestination:/queue/a\nx:${'y'.repeat(5000)}`, message: /frame too large/ },
  ];
  for (const c of cases) {
    it(`answers ${c.name} with ERROR, closes, and keeps serving others`, async () => {
      const r = await raw();
      r.write(CONNECT);
      await r.frame((f) => f.command === 'CONNECTED');
      r.write(c.after);
      const err = await r.frame((f) => f.command === 'ERROR');
      expect(headerOf(err, 'message')).to.match(c.message);
      await r.closed;
      expect(errors.some((e) => c.message.test(e.message))).to.equal(true);
      expect(broker.queue('big')).to.equal(undefined);
      await stillServing();
    });
  }

  it('a connection that ends takes its subscriptions off their queues (queue and topic)', async () => {
    for (const end of ['socket', 'DISCONNECT'] as const) {
      const c = await raw();
      c.write('CONNECT\naccept-version:1.2\nhost:/\n\n\0');
      await c.frame((f) => f.command === 'CONNECTED');
      c.write(`SUBSCRIBE\nid:q\ndestination:/queue/held-${end}\nack:client\n\n\0SUBSCRIBE\nid:t\ndestination:/topic/held-${end}\nreceipt:r\n\n\0`);
      await c.frame((f) => f.command === 'RECEIPT');
      expect(broker.queue(`held-${end}`)?.consumers).to.equal(1);
      if (end === 'socket') c.socket.destroy();
      else c.write('DISCONNECT\nreceipt:bye\n\n\0');
      await c.closed;
      await until(() => broker.queue(`held-${end}`)?.consumers === 0, 2000, `no consumer left after the ${end} end`);
      // The topic's subscription went with it: a publish now reaches nobody.
      const unrouted = broker.stats().unrouted;
      await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('late').pipe(s.send(`/topic/held-${end}`, { receipt: true }), toArray())));
      expect(broker.stats().unrouted).to.equal(unrouted + 1);
    }
  });

  it('drops a client that promised heart-beats and went silent, after sending its own', async () => {
    await start({ stompHeartbeat: [100, 100] });
    const r = await raw();
    const t0 = Date.now();
    r.write('CONNECT\naccept-version:1.2\nhost:/\nheart-beat:100,100\n\n\0');
    const connected = await r.frame((f) => f.command === 'CONNECTED');
    expect(headerOf(connected, 'heart-beat')).to.equal('100,100');
    const afterConnected = r.received();
    const err = await r.frame((f) => f.command === 'ERROR', 5000);
    await r.closed;
    const took = Date.now() - t0;
    expect(headerOf(err, 'message')).to.match(/no heart-beat from the client/);
    expect(took).to.be.within(1100, 3000); // 2 x 100 ms + the 1 s grace
    // Heart-beats (EOLs) were sent meanwhile: bytes beyond CONNECTED before the ERROR.
    expect(r.received() - afterConnected).to.be.greaterThan(err.body.length + 40);
  });

  it('a heart-beating raw client stays connected', async () => {
    await start({ stompHeartbeat: [100, 100] });
    const r = await raw();
    r.write('CONNECT\naccept-version:1.2\nhost:/\nheart-beat:100,100\n\n\0');
    await r.frame((f) => f.command === 'CONNECTED');
    const beat = setInterval(() => r.write('\n'), 80);
    await sleep(1600);
    clearInterval(beat);
    r.write('SEND\ndestination:/queue/hb\nreceipt:r\n\nx\0');
    await r.frame((f) => f.command === 'RECEIPT');
    expect(r.frames.some((f) => f.command === 'ERROR')).to.equal(false);
  });

  it('stops reading a producer whose SENDs wait for room in a full queue, and loses none of them', async () => {
    await start({ maxQueueDepth: 1 });
    const r = await raw();
    r.write(CONNECT);
    await r.frame((f) => f.command === 'CONNECTED');
    const body = 'p'.repeat(64 * 1024);
    const n = 256; // 16 MiB: far more than the broker parks (1 MiB) and the kernel buffers
    let frames = '';
    for (let i = 0; i < n; i++) frames += `SEND\ndestination:/queue/full\nseq:${i}\ncontent-length:${body.length}\n\n${body}\0`;
    r.write(frames);
    await sleep(800);
    expect(broker.queue('full')?.depth).to.equal(1);
    // The broker stopped reading: the rest is still in our socket's write buffer.
    expect(r.socket.writableLength).to.be.greaterThan(4 * 1024 * 1024);
    const seqs = await withSession(broker.stompUrl as string, (s) => new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const sub = s.subscribe('/queue/full').subscribe({
        next: (m) => { got.push(m.headers.seq); if (got.length === n) { sub.unsubscribe(); resolve(got); } },
        error: reject,
      });
    }));
    expect(seqs).to.deep.equal(Array.from({ length: n }, (_, i) => String(i)));
    expect(r.frames.some((f) => f.command === 'ERROR')).to.equal(false);
  });

  it('stores SENDs that were waiting for room even when their producer has gone', async () => {
    await start({ maxQueueDepth: 2 });
    const r = await raw();
    r.write(CONNECT);
    await r.frame((f) => f.command === 'CONNECTED');
    r.write(Array.from({ length: 10 }, (_, i) => `SEND\ndestination:/queue/orphans\n\nm${i}\0`).join(''));
    await until(() => broker.queue('orphans')?.depth === 2, 3000, 'queue full');
    r.socket.destroy();
    await r.closed;
    await sleep(100);
    const got = await withSession(broker.stompUrl as string, (s) => firstValueFrom(s.subscribe('/queue/orphans').pipe(take(10), toArray())));
    expect(got.map((m) => m.text)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it('keeps UNSUBSCRIBE and a SUBSCRIBE reusing its id in order behind a parked SEND', async () => {
    await start({ maxQueueDepth: 1 });
    const r = await raw();
    r.write(CONNECT);
    await r.frame((f) => f.command === 'CONNECTED');
    r.write('SUBSCRIBE\nid:1\ndestination:/queue/old\nreceipt:s0\n\n\0');
    await r.frame((f) => headerOf(f, 'receipt-id') === 's0');
    r.write('SEND\ndestination:/queue/full\n\nfirst\0SEND\ndestination:/queue/full\nreceipt:p\n\nparked\0');
    r.write('UNSUBSCRIBE\nid:1\nreceipt:u\n\n\0SUBSCRIBE\nid:1\ndestination:/queue/new\nreceipt:s1\n\n\0');
    await sleep(200);
    expect(r.frames.filter((f) => f.command === 'RECEIPT').map((f) => headerOf(f, 'receipt-id'))).to.deep.equal(['s0']);
    const first = await withSession(broker.stompUrl as string, (s) => firstValueFrom(s.subscribe('/queue/full').pipe(take(2), toArray())));
    expect(first.map((m) => m.text)).to.deep.equal(['first', 'parked']);
    await r.frame((f) => headerOf(f, 'receipt-id') === 's1');
    expect(r.frames.filter((f) => f.command === 'RECEIPT').map((f) => headerOf(f, 'receipt-id'))).to.deep.equal(['s0', 'p', 'u', 's1']);
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('to new').pipe(s.send('/queue/new', { receipt: true }), toArray())));
    const msg = await r.frame((f) => f.command === 'MESSAGE');
    expect(headerOf(msg, 'destination')).to.equal('/queue/new');
    expect(headerOf(msg, 'subscription')).to.equal('1');
  });

  it('holds back an ack:auto subscriber that does not read (socket backpressure), then delivers everything', async () => {
    await start();
    const body = 'x'.repeat(10_000);
    const n = 3000;
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of(...Array.from({ length: n }, () => body)).pipe(s.send('/queue/flood', { receipt: true }), toArray())));
    expect(broker.queue('flood')?.depth).to.equal(n);
    const r = await raw();
    r.write(CONNECT);
    await r.frame((f) => f.command === 'CONNECTED');
    r.socket.pause();
    r.write('SUBSCRIBE\nid:1\ndestination:/queue/flood\nack:auto\n\n\0');
    await sleep(800);
    const held = broker.queue('flood')?.ready ?? 0;
    // 30 MB queued; the broker stops at its 1 MiB write bound plus what the kernel buffers.
    expect(held).to.be.greaterThan(n / 3);
    r.socket.resume();
    await until(() => r.frames.filter((f) => f.command === 'MESSAGE').length === n, 20_000, 'all messages');
    expect(broker.queue('flood')?.depth).to.equal(0);
  });
});
