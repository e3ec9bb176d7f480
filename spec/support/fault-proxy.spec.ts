/**
 * The fault proxy (spec/support/fault-proxy.ts) and its frame tracker, between two plain sockets
 * on loopback: every mode does to the bytes exactly what it says (to the byte, in the direction
 * asked), leaves the other direction alone, and counts what it did; the closes reach the other
 * side only where a real network would carry them; scheduled faults fire by time and by byte
 * count. The interop fault suite (spec/interop/faults/) trusts these properties.
 */
import { expect } from 'chai';
import net from 'node:net';
import { faultProxy, type FaultProxy, type Framing } from './fault-proxy.js';
import { FrameTracker } from './stream-frames.js';

/** Collects what a socket reads; waits are event-driven with generous bounds. */
class Reader {
  data = Buffer.alloc(0);
  reads = 0;
  closed = false;
  private waiters: (() => void)[] = [];
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => { this.data = Buffer.concat([this.data, d]); this.reads++; this.wake(); });
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; this.wake(); });
  }
  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  /** Resolves once `pred` holds; fails after `ms`. */
  until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what} (have ${this.data.length} bytes, closed ${this.closed})`)), ms);
      const check = (): void => { if (pred()) { clearTimeout(t); resolve(); } else this.waiters.push(check); };
      check();
    });
  }
  bytes(n: number): Promise<void> { return this.until(() => this.data.length >= n, `${n} bytes`); }
  close(): Promise<void> { return this.until(() => this.closed, 'the close'); }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Rig {
  readonly proxy: FaultProxy;
  readonly client: net.Socket;
  readonly server: net.Socket;
  /** What the server read (sent by the client) and what the client read. */
  readonly atServer: Reader;
  readonly atClient: Reader;
  /** Another connection through the same proxy. */
  connect(): Promise<{ client: net.Socket; server: net.Socket; atServer: Reader; atClient: Reader }>;
}

const rigs: (() => Promise<void>)[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r(); });

async function rig(framing: Framing = 'raw'): Promise<Rig> {
  const accepted: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  const target = net.createServer((s) => { const w = waiting.shift(); if (w) w(s); else accepted.push(s); });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const proxy = await faultProxy({ targetPort: (target.address() as net.AddressInfo).port, framing });
  const sockets: net.Socket[] = [];
  rigs.push(async () => {
    for (const s of sockets) s.destroy();
    await proxy.close();
    await new Promise<void>((r) => target.close(() => r()));
  });
  const connect = async () => {
    const client = net.connect(proxy.port, '127.0.0.1');
    const atClient = new Reader(client);
    const server = await new Promise<net.Socket>((r) => { const s = accepted.shift(); if (s) r(s); else waiting.push(r); });
    sockets.push(client, server);
    return { client, server, atServer: new Reader(server), atClient };
  };
  const first = await connect();
  return { proxy, ...first, connect };
}

const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
/** An AMQP frame of `size` bytes (its contents: a counting pattern after the 8-byte header). */
function amqpFrame(size: number, fill = 0): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(size, 0);
  b[4] = 2;
  for (let i = 8; i < size; i++) b[i] = (fill + i) & 0xff;
  return b;
}

describe('spec support: the fault proxy', function () {
  this.timeout(20_000);

  it('passes bytes unchanged both ways and counts them', async () => {
    const r = await rig('amqp');
    const up = Buffer.concat([AMQP_HEADER, amqpFrame(20), amqpFrame(300)]);
    const down = Buffer.concat([AMQP_HEADER, amqpFrame(40)]);
    r.client.write(up);
    r.server.write(down);
    await r.atServer.bytes(up.length);
    await r.atClient.bytes(down.length);
    expect(r.atServer.data.equals(up)).to.equal(true);
    expect(r.atClient.data.equals(down)).to.equal(true);
    expect(r.proxy.counters.forwarded).to.deep.equal({ toServer: up.length, toClient: down.length });
    expect(r.proxy.counters.frames).to.deep.equal({ toServer: 2, toClient: 1 });
    expect(r.proxy.counters).to.include({ accepted: 1, open: 1, corrupted: 0 });
  });

  it('cut: destroys both sides at once; a later connection is healthy', async () => {
    const r = await rig();
    expect(r.proxy.inject({ kind: 'cut' })).to.equal(1);
    await r.atClient.close();
    await r.atServer.close();
    expect(r.proxy.counters).to.include({ closedByFault: 1, open: 0 });
    expect(r.proxy.counters.faults.cut).to.equal(1);
    const next = await r.connect();
    next.client.write('still works');
    await next.atServer.bytes(11);
    expect(next.atServer.data.toString()).to.equal('still works');
  });

  it('cutInFrame (AMQP, to the server): forwards the first N bytes of the next frame longer than N, then cuts', async () => {
    const r = await rig('amqp');
    r.client.write(AMQP_HEADER);
    r.client.write(amqpFrame(16));
    await r.atServer.bytes(24);
    r.proxy.inject({ kind: 'cutInFrame', direction: 'toServer', afterBytes: 25 });
    // The first frame after the fault is 20 bytes: too short to be cut after 25; the second is.
    const short = amqpFrame(20);
    const long = amqpFrame(64, 7);
    // The server side keeps talking meanwhile: the other direction is not what is cut.
    r.server.write(amqpFrame(12));
    await r.atClient.bytes(12);
    r.client.write(Buffer.concat([short, long, amqpFrame(30)]));
    await r.atServer.close();
    await r.atClient.close();
    expect(r.atServer.data.equals(Buffer.concat([AMQP_HEADER, amqpFrame(16), short, long.subarray(0, 25)]))).to.equal(true);
    expect(r.proxy.cuts).to.have.length(1);
    expect(r.proxy.cuts[0]).to.deep.include({ direction: 'toServer', frameOffset: 25, connection: 1 });
    expect(r.proxy.cuts[0].head).to.equal(long.subarray(0, 16).toString('hex'));
    expect(r.proxy.counters.faults.cutInFrame).to.equal(1);
  });

  it('cutInFrame (STOMP, to the client): frames by content-length (NUL in a body), heart-beats are not frames', async () => {
    const r = await rig('stomp');
    r.proxy.inject({ kind: 'cutInFrame', direction: 'toClient', afterBytes: 30 });
    const head = 'MESSAGE\ncontent-length:12\n\n';
    const body = Buffer.from('ab\0cd\0ef\0ghi');
    const frame = Buffer.concat([Buffer.from(head), body, Buffer.from([0])]);
    // A short frame and heart-beats first: RECEIPT is under 30 bytes, EOLs are no frame at all.
    const receipt = Buffer.from('RECEIPT\nreceipt-id:1\n\n\0');
    r.server.write(Buffer.concat([receipt, Buffer.from('\n\r\n'), frame]));
    await r.atClient.close();
    expect(r.atClient.data.equals(Buffer.concat([receipt, Buffer.from('\n\r\n'), frame.subarray(0, 30)]))).to.equal(true);
    // Cut after 30 bytes: inside the body, past a NUL that content-length said was body.
    expect(head.length).to.be.lessThan(30);
    expect(r.proxy.cuts[0]).to.deep.include({ direction: 'toClient', frameOffset: 30 });
    expect(r.proxy.counters.frames.toClient).to.equal(2);
  });

  it('corrupt: flips the bytes asked for in the next frame, nothing else', async () => {
    const r = await rig('amqp');
    r.client.write(AMQP_HEADER);
    await r.atServer.bytes(8);
    const t0 = Date.now();
    r.proxy.inject({ kind: 'corrupt', direction: 'toServer', offset: 0, count: 2 });
    const a = amqpFrame(32);
    const b = amqpFrame(32, 3);
    r.client.write(Buffer.concat([a, b]));
    await r.atServer.bytes(72);
    const expected = Buffer.concat([AMQP_HEADER, a, b]);
    expected[8] ^= 0xff;
    expected[9] ^= 0xff;
    expect(r.atServer.data.equals(expected)).to.equal(true);
    expect(r.proxy.counters.corrupted).to.equal(2);
    expect(r.proxy.counters.lastStrikeAt).to.be.at.least(t0);
  });

  it('corrupt (STOMP): offset counts from the first byte of the command', async () => {
    const r = await rig('stomp');
    r.proxy.inject({ kind: 'corrupt', direction: 'toClient', offset: 2 });
    r.server.write('\nMESSAGE\n\nx\0');
    await r.atClient.bytes(12);
    expect(r.atClient.data.toString('latin1')).to.equal(`\nME${String.fromCharCode('S'.charCodeAt(0) ^ 0xff)}SAGE\n\nx\0`);
  });

  it('stall: forwards nothing either way, keeps both sockets open; heal lets everything through in order', async () => {
    const r = await rig();
    r.proxy.inject({ kind: 'stall' });
    r.client.write('to the server');
    r.server.write('to the client');
    await sleep(300);
    expect(r.atServer.data.length + r.atClient.data.length).to.equal(0);
    // The server giving up is not seen through a stall.
    r.server.destroy();
    await sleep(200);
    expect(r.atClient.closed).to.equal(false);
    r.proxy.heal();
    await r.atClient.bytes(13);
    expect(r.atClient.data.toString()).to.equal('to the client');
  });

  it('stall: a client closing a stalled connection is seen, and the server side closed with it', async () => {
    const r = await rig();
    r.proxy.inject({ kind: 'stall' });
    r.client.write('held');
    await sleep(100);
    r.client.destroy();
    await r.atServer.close();
    expect(r.atServer.data.length).to.equal(0);
    expect(r.proxy.counters).to.include({ open: 0, closedByClient: 1 });
    expect(r.proxy.counters.dropped.toServer).to.equal(4);
  });

  it('stall with forMs ends by itself', async () => {
    const r = await rig();
    const t0 = Date.now();
    r.proxy.inject({ kind: 'stall', forMs: 300 });
    r.client.write('later');
    await r.atServer.bytes(5);
    expect(Date.now() - t0).to.be.at.least(250);
    expect(r.atServer.data.toString()).to.equal('later');
  });

  it('blackhole to the server: drops what the client sends, the server still reaches the client and its close does too', async () => {
    const r = await rig();
    r.proxy.inject({ kind: 'blackhole', direction: 'toServer' });
    r.client.write('lost words');
    r.server.write('heart-beat');
    await r.atClient.bytes(10);
    await sleep(100);
    expect(r.atServer.data.length).to.equal(0);
    expect(r.proxy.counters.dropped).to.deep.equal({ toServer: 10, toClient: 0 });
    r.server.destroy();
    await r.atClient.close();
    expect(r.proxy.counters.closedByServer).to.equal(1);
  });

  it('blackhole to the client: the server closing is not seen by the client; the client closing reaches the server', async () => {
    const r = await rig();
    r.proxy.inject({ kind: 'blackhole', direction: 'toClient' });
    r.server.write('unheard');
    r.client.write('heard');
    await r.atServer.bytes(5);
    const second = await r.connect();
    second.server.destroy();
    await second.atClient.close();
    // The first connection: the server's close is swallowed, the client's is passed on.
    r.server.end();
    await sleep(200);
    expect(r.atClient.closed).to.equal(false);
    expect(r.atClient.data.length).to.equal(0);
    r.client.destroy();
    await r.atServer.close();
    expect(r.proxy.counters.dropped.toClient).to.equal(7);
  });

  it('drip: one byte per interval in the direction asked, the other direction at full speed', async () => {
    const r = await rig();
    r.proxy.inject({ kind: 'drip', direction: 'toClient', intervalMs: 30 });
    const t0 = Date.now();
    r.server.write('0123456789');
    r.client.write('fast');
    await r.atServer.bytes(4);
    await r.atClient.bytes(10);
    expect(r.atClient.data.toString()).to.equal('0123456789');
    // Ten bytes at one per 30 ms: in several reads (a loaded machine may merge a few), and no
    // sooner than the intervals allow.
    expect(r.atClient.reads).to.be.greaterThan(2);
    expect(Date.now() - t0).to.be.at.least(9 * 30 - 10);
    expect(r.proxy.counters.faults.drip).to.equal(1);
  });

  it('after({ bytes }): applies the fault between two bytes of one read, exactly where asked', async () => {
    const r = await rig();
    r.client.write('0123456789');
    await r.atServer.bytes(10);
    const applied = r.proxy.after({ bytes: 95, direction: 'toServer' }, { kind: 'cut' });
    r.client.write(Buffer.alloc(150, 0x61));
    expect(await applied).to.equal(1);
    await r.atServer.close();
    expect(r.atServer.data.length).to.equal(105);
  });

  it('after({ ms }): applies the fault no sooner than asked and logs it', async () => {
    const r = await rig();
    const t0 = Date.now();
    const n = await r.proxy.after({ ms: 150 }, { kind: 'blackhole', direction: 'toClient' });
    expect(n).to.equal(1);
    expect(Date.now() - t0).to.be.at.least(140);
    expect(r.proxy.log).to.have.length(1);
    expect(r.proxy.log[0].connections).to.deep.equal([1]);
    expect(r.proxy.log[0].fault).to.deep.equal({ kind: 'blackhole', direction: 'toClient' });
  });

  it('a fault applied with no connection open applies to none, and is not counted', async () => {
    const r = await rig();
    r.client.destroy();
    await r.atServer.close();
    expect(r.proxy.inject({ kind: 'cut' })).to.equal(0);
    expect(r.proxy.counters.faults.cut).to.equal(0);
    expect(r.proxy.counters.closedByClient).to.equal(1);
  });

  it('setAcceptFault: applies to every new connection from the start, until cleared', async () => {
    const r = await rig();
    r.proxy.setAcceptFault({ kind: 'blackhole', direction: 'toServer' });
    const c2 = await r.connect();
    c2.client.write('dropped');
    r.proxy.setAcceptFault(undefined);
    const c3 = await r.connect();
    c3.client.write('passed');
    await c3.atServer.bytes(6);
    await sleep(50);
    expect(c2.atServer.data.length).to.equal(0);
    expect(r.proxy.counters.dropped.toServer).to.equal(7);
  });

  it('cancelScheduled: scheduled faults never fire and resolve with 0', async () => {
    const r = await rig();
    const byTime = r.proxy.after({ ms: 100 }, { kind: 'cut' });
    const byBytes = r.proxy.after({ bytes: 5, direction: 'toServer' }, { kind: 'cut' });
    r.proxy.cancelScheduled();
    expect(await byTime).to.equal(0);
    expect(await byBytes).to.equal(0);
    r.client.write('0123456789');
    await r.atServer.bytes(10);
    await sleep(150);
    expect(r.atServer.closed).to.equal(false);
  });
});

describe('spec support: FrameTracker', () => {
  const feed = (t: FrameTracker, bytes: Buffer): void => { for (const b of bytes) t.step(b); };

  it('AMQP: protocol headers are not frames; sizes delimit frames across any split', () => {
    const stream = Buffer.concat([AMQP_HEADER, amqpFrame(9), AMQP_HEADER, amqpFrame(8), amqpFrame(200)]);
    for (const split of [1, 3, 7, stream.length]) {
      const t = new FrameTracker('amqp');
      for (let i = 0; i < stream.length; i += split) feed(t, stream.subarray(i, i + split));
      expect(t.started).to.equal(3);
      expect(t.inFrame).to.equal(false);
      expect(t.lost).to.equal(false);
    }
  });

  it('AMQP: a size under 8 loses the stream (no frame reported after it)', () => {
    const t = new FrameTracker('amqp');
    feed(t, Buffer.from([0, 0, 0, 3, 1, 2, 3]));
    expect(t.lost).to.equal(true);
    expect(t.inFrame).to.equal(false);
  });

  it('STOMP: content-length bodies, NUL-ended bodies, heart-beats between frames', () => {
    const t = new FrameTracker('stomp');
    feed(t, Buffer.from('\n\nSEND\ndestination:/queue/a\ncontent-length:3\n\n\0\0\0\0\r\nMESSAGE\n\nhi\0\n'));
    expect(t.started).to.equal(2);
    expect(t.inFrame).to.equal(false);
    feed(t, Buffer.from('ERR'));
    expect(t).to.include({ started: 3, inFrame: true, offset: 3 });
  });
});
