/**
 * The Node TCP transport's reads (src/transport/node.ts, TcpReader): chunks are the owner's to
 * keep however many reads follow, large reads arrive intact, and holdReads gathers what the peer
 * sends during a hold into the reads after it, losing and reordering nothing.
 */
import { expect } from 'chai';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { openTransport, uninitializedBytes } from '../../src/transport/node.js';
import { readCoalescingOf } from '../../src/transport/read-hold.js';
import type { Transport } from '../../src/transport/types.js';

interface Peer { port: number; accepted: Promise<net.Socket>; close(): void }

async function listen(): Promise<Peer> {
  const server = net.createServer();
  let resolveAccepted: (s: net.Socket) => void = () => undefined;
  const accepted = new Promise<net.Socket>((r) => { resolveAccepted = r; });
  const sockets: net.Socket[] = [];
  server.on('connection', (s) => { sockets.push(s); resolveAccepted(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('transport: TCP reads', function () {
  this.timeout(20_000);
  let peer: Peer | undefined;
  let transport: Transport | undefined;
  afterEach(() => { transport?.destroy(); transport = undefined; peer?.close(); peer = undefined; });

  async function open(onData: (c: Uint8Array) => void): Promise<{ server: net.Socket; closed: Promise<void> }> {
    peer = await listen();
    let closed: () => void = () => undefined;
    const done = new Promise<void>((r) => { closed = r; });
    transport = await openTransport({ kind: 'tcp', host: '127.0.0.1', port: peer.port }, { onData, onClose: () => closed() });
    return { server: await peer.accepted, closed: done };
  }

  it('hands out chunks that later reads never overwrite', async () => {
    const chunks: Uint8Array[] = [];
    const { server } = await open((c) => chunks.push(c));
    for (let i = 0; i < 200; i++) {
      server.write(Buffer.alloc(100, i));
      await tick();
    }
    await sleep(50);
    const all = Buffer.concat(chunks);
    expect(all.length).to.equal(200 * 100);
    for (let i = 0; i < 200; i++) expect(all.subarray(i * 100, (i + 1) * 100).every((b) => b === i), `block ${i}`).to.equal(true);
  });

  it('copies small reads into shared 16 KiB slabs, so that a kept chunk pins no more than that', async () => {
    const chunks: Uint8Array[] = [];
    const { server } = await open((c) => chunks.push(c));
    // Reads of every size class below the hand-over size: small (slab), medium (own array).
    const sizes = Array.from({ length: 120 }, (_, i) => [37, 500, 3000, 4096, 5000, 12_000][i % 6]);
    let sent = 0;
    for (let i = 0; i < sizes.length; i++) {
      server.write(Buffer.alloc(sizes[i], i & 0xff));
      sent += sizes[i];
      await sleep(2);
    }
    await sleep(50);
    const all = Buffer.concat(chunks);
    expect(all.length).to.equal(sent);
    let at = 0;
    for (let i = 0; i < sizes.length; i++) {
      expect(all.subarray(at, at + sizes[i]).every((b) => b === (i & 0xff)), `block ${i}`).to.equal(true);
      at += sizes[i];
    }
    const small = chunks.filter((c) => c.length <= 4096);
    expect(small.length, 'small reads seen').to.be.greaterThan(20);
    for (const c of chunks) {
      // Small: a 16 KiB slab; medium: an array of its own size; 16 KiB and more: the read buffer.
      if (c.length <= 4096) expect(c.buffer.byteLength, `chunk of ${c.length}`).to.equal(16 * 1024);
      else if (c.length < 16 * 1024) expect(c.buffer.byteLength, `chunk of ${c.length}`).to.equal(c.length);
    }
    // Small reads share slabs: fewer buffers than chunks.
    expect(new Set(small.map((c) => c.buffer)).size).to.be.lessThan(small.length);
  });

  it('delivers a large stream intact (reads large enough to keep the read buffer)', async () => {
    const chunks: Uint8Array[] = [];
    const { server, closed } = await open((c) => chunks.push(c));
    const data = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    server.end(data);
    await closed;
    expect(Buffer.compare(Buffer.concat(chunks), data)).to.equal(0);
  });

  it('holdReads gathers what arrives during the hold into the next read, in order', async () => {
    const chunks: Uint8Array[] = [];
    let held = false;
    const { server } = await open((c) => {
      chunks.push(c);
      if (!held) { held = true; transport?.holdReads?.(300); }
    });
    expect(transport?.holdReads, 'TCP transports support holds').to.be.a('function');
    server.write(Buffer.from([0]));
    while (chunks.length === 0) await tick();
    // Twenty separate writes while the client holds its reads: without the hold each would
    // usually be a read of its own.
    for (let i = 1; i <= 20; i++) {
      server.write(Buffer.from([i]));
      await tick();
    }
    expect(chunks.length, 'nothing is read during the hold').to.equal(1);
    while (Buffer.concat(chunks).length < 21) await sleep(20);
    expect([...Buffer.concat(chunks)]).to.deep.equal(Array.from({ length: 21 }, (_, i) => i));
    expect(chunks.length, 'the held bytes came in one read').to.equal(2);
  });

  it('holds again after every resume (one timer re-armed, also when the hold length changes)', async () => {
    const chunks: Uint8Array[] = [];
    const holds = [60, 60, 60, 120, 120, 60];
    const { server } = await open((c) => {
      chunks.push(c);
      // Each round's first read (chunks 0, 2, 4, ...) takes that round's hold.
      if (chunks.length % 2 === 1) transport?.holdReads?.(holds[(chunks.length - 1) / 2]);
    });
    let next = 0;
    for (let round = 0; round < holds.length; round++) {
      const seen = chunks.length;
      server.write(Buffer.from([next++]));
      while (chunks.length === seen) await tick();
      const t0 = Date.now();
      // Ten writes during this hold: none is read until it ends, then all come in one read.
      for (let i = 0; i < 10; i++) {
        server.write(Buffer.from([next++]));
        await tick();
      }
      expect(chunks.length, `round ${round}: nothing read during the hold`).to.equal(seen + 1);
      while (chunks.length === seen + 1) await sleep(5);
      expect(chunks[seen + 1].length, `round ${round}: the held bytes came in one read`).to.equal(10);
      // Timers may fire up to a millisecond early; the hold of this round was holds[round].
      expect(Date.now() - t0, `round ${round}: held for its own length`).to.be.at.least(holds[round] - 2);
    }
    expect([...Buffer.concat(chunks)]).to.deep.equal(Array.from({ length: next }, (_, i) => i));
  });

  it('a close during a hold still reaches the owner', async () => {
    const chunks: Uint8Array[] = [];
    const { server, closed } = await open((c) => { chunks.push(c); transport?.holdReads?.(100); });
    server.write(Buffer.from('a'));
    while (chunks.length === 0) await tick();
    server.end(Buffer.from('b'));
    await closed;
    expect(Buffer.concat(chunks).toString()).to.equal('ab');
  });

  it('reads where nextRead says: into the owner\'s array (handed back as a view of it), or at most a number of bytes', async () => {
    peer = await listen();
    const target = new Uint8Array(300_000);
    let filled = 0;
    const chunks: { bytes: Uint8Array; asked: Uint8Array | number | undefined }[] = [];
    let asked: Uint8Array | number | undefined;
    let closed: () => void = () => undefined;
    const done = new Promise<void>((r) => { closed = r; });
    transport = await openTransport({ kind: 'tcp', host: '127.0.0.1', port: peer.port }, {
      onData: (c) => {
        chunks.push({ bytes: c, asked });
        if (c.buffer === target.buffer) filled += c.length;
      },
      // The first 100 bytes in reads of at most 10, the next 300,000 into `target`, the rest as the reader likes.
      nextRead: () => {
        const seen = chunks.reduce((n, c) => n + c.bytes.length, 0);
        asked = seen < 100 ? 10 : filled < target.length ? target.subarray(filled) : undefined;
        return asked;
      },
      onClose: () => closed(),
    });
    const server = await peer.accepted;
    const data = Buffer.alloc(100 + 300_000 + 50_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    server.end(data);
    await done;
    expect(Buffer.compare(Buffer.concat(chunks.map((c) => c.bytes)), data)).to.equal(0);
    for (const c of chunks) {
      if (typeof c.asked === 'number') expect(c.bytes.length, 'a limited read').to.be.at.most(c.asked);
      if (c.asked instanceof Uint8Array) {
        expect(c.bytes.buffer, 'read into the owner\'s array').to.equal(target.buffer);
        expect(c.bytes.byteOffset).to.equal(c.asked.byteOffset);
      } else {
        expect(c.bytes.buffer).to.not.equal(target.buffer);
      }
    }
    expect(chunks.filter((c) => typeof c.asked === 'number').length).to.be.at.least(10);
    expect(filled).to.equal(target.length);
    expect(Buffer.compare(Buffer.from(target), data.subarray(100, 100 + 300_000))).to.equal(0);
  });

  it('uninitializedBytes gives a plain Uint8Array of the size asked, over an ArrayBuffer of its own', () => {
    const arrays = [1, 100, 4096, 70_000].map((n) => uninitializedBytes(n));
    for (const a of arrays) {
      expect(Object.getPrototypeOf(a)).to.equal(Uint8Array.prototype);
      expect(a.byteOffset).to.equal(0);
      expect(a.buffer.byteLength).to.equal(a.length);
    }
    expect(arrays.map((a) => a.length)).to.deep.equal([1, 100, 4096, 70_000]);
    expect(new Set(arrays.map((a) => a.buffer)).size).to.equal(arrays.length);
  });

  it('checks the readCoalescing option', () => {
    expect(readCoalescingOf(undefined)).to.equal(2);
    expect(readCoalescingOf(0)).to.equal(0);
    expect(readCoalescingOf(5)).to.equal(5);
    expect(() => readCoalescingOf(-1)).to.throw(RangeError, /readCoalescing/);
    expect(() => readCoalescingOf(Number.NaN)).to.throw(RangeError);
    expect(() => readCoalescingOf(5000)).to.throw(RangeError);
  });
});
