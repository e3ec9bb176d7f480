/**
 * The STOMP client against a hostile server of our own (spec/support/hostile-stomp-server.ts):
 * silent TCP, a trickled CONNECTED, receipts that never come while heart-beats do, garbage and
 * a huge frame after CONNECTED, and seeded random frames: every case ends with a typed error
 * within a stated time, and nothing throws out of a socket callback.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, switchMap, toArray, type Observable } from 'rxjs';
import {
  connect, ConnectTimeoutError, ResponseTimeoutError, RxMqError, StompDecodeError, StompLimitError, stompClient, TimeoutError,
} from '../../src/stomp/index.js';
import { scriptedStompServer, type ScriptedStompServer } from '../support/hostile-stomp-server.js';
import { noUncaughtExceptions } from '../support/uncaught.js';

async function settle<T>(o: Observable<T>, limitMs: number): Promise<{ values: T[]; error: unknown; ms: number }> {
  const t0 = Date.now();
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`the stream neither errored nor completed within ${limitMs} ms`)), limitMs).unref());
  try {
    const values = await Promise.race([lastValueFrom(o.pipe(toArray())), timeout]);
    return { values, error: undefined, ms: Date.now() - t0 };
  } catch (error) {
    return { values: [], error, ms: Date.now() - t0 };
  }
}

/** A small deterministic PRNG (mulberry32), so that a failing fuzz case can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('stomp/rx against a hostile server', function () {
  this.timeout(30_000);
  const uncaught = noUncaughtExceptions();
  let server: ScriptedStompServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('connectTimeout: a server that accepts and never answers CONNECT fails with ConnectTimeoutError at the deadline', async () => {
    server = await scriptedStompServer({ handshake: 'silent' });
    const r = await settle(connect({ url: server.url, connectTimeout: 700 }), 5000);
    expect(r.error).to.be.instanceOf(ConnectTimeoutError).and.instanceOf(TimeoutError);
    expect(r.ms).to.be.within(650, 2500);
  });

  it('connectTimeout: a CONNECTED trickled one byte per 500 ms fails at the deadline; connectTimeoutMs is its deprecated alias', async () => {
    server = await scriptedStompServer({ handshake: 'trickle-connected', trickleMs: 500 });
    const r = await settle(connect({ url: server.url, connectTimeoutMs: 1500 }), 6000);
    expect(r.error).to.be.instanceOf(ConnectTimeoutError);
    expect(r.ms).to.be.within(1450, 3500);
  });

  it('responseTimeout: receipts that never come while heart-beats keep coming fail the connection with ResponseTimeoutError', async () => {
    server = await scriptedStompServer({
      heartBeat: '100,0', heartbeatEveryMs: 100,
      script: (f, conn) => { if (f.command === 'SEND') { conn.mute(); return true; } return false; },
    });
    const r = await settle(connect({ url: server.url, responseTimeout: 800 }).pipe(switchMap((s) => of('x').pipe(s.send('/queue/q', { receipt: true })))), 8000);
    expect(r.error).to.be.instanceOf(ResponseTimeoutError);
    expect((r.error as ResponseTimeoutError).waitingFor).to.equal('1 receipt');
    expect(r.ms).to.be.within(750, 4000);
    uncaught.check();
  });

  it('stompClient reconnects after ResponseTimeoutError and gets every receipt on the new connection', async () => {
    server = await scriptedStompServer({
      heartBeat: '100,0', heartbeatEveryMs: 100,
      script: (f, conn) => { if (f.command === 'SEND' && conn === srv.connections[0]) { conn.mute(); return true; } return false; },
    });
    const srv = server;
    const client = stompClient({ url: srv.url, responseTimeout: 800, reconnect: { initialDelayMs: 10 } });
    const states: string[] = [];
    client.state$.subscribe((s) => states.push(s.state === 'reconnecting' ? `reconnecting:${s.error.name}` : s.state));
    try {
      const t0 = Date.now();
      const results = await lastValueFrom(of('a', 'b').pipe(client.send('/queue/q'), toArray()));
      expect(results).to.have.length(2);
      expect(Date.now() - t0).to.be.within(750, 6000);
      expect(states).to.include('reconnecting:ResponseTimeoutError');
      expect(srv.connections.length).to.equal(2);
    } finally {
      await client.close();
    }
  });

  it('garbage after CONNECTED fails the connection with a StompDecodeError', async () => {
    server = await scriptedStompServer({ script: () => true });
    const r = await settle(connect({ url: server.url }).pipe(switchMap((s) => {
      (server as ScriptedStompServer).connections[0].write(new Uint8Array([0x4d, 0x45, 0x53, 0x53, 0x41, 0x47, 0x45, 0x0a, 0xff, 0xfe, 0x3a, 0x0a, 0x0a, 0x00]));
      return s.subscribe('/queue/q');
    })), 5000);
    expect(r.error).to.be.instanceOf(StompDecodeError);
    expect(r.ms).to.be.below(2000);
    uncaught.check();
  });

  it('a huge MESSAGE (content-length 1 GiB) fails at once with StompLimitError (maxFrameSize), before its body arrives', async () => {
    server = await scriptedStompServer({ script: () => true });
    const r = await settle(connect({ url: server.url }).pipe(switchMap((s) => {
      (server as ScriptedStompServer).connections[0].write(`MESSAGE\ndestination:/queue/q\nmessage-id:1\nsubscription:sub-1\ncontent-length:${1024 ** 3}\n\nxxxx`);
      return s.subscribe('/queue/q', { id: 'sub-1' });
    })), 5000);
    expect(r.error).to.be.instanceOf(StompLimitError);
    expect(r.error).to.include({ limit: 'maxFrameSize' });
    expect(r.ms).to.be.below(2000);
  });

  it('fuzz: 60 seeded runs of mutated server frames end with a typed error or stay well-formed; nothing throws, nothing hangs', async () => {
    const valid = [
      'MESSAGE\ndestination:/queue/q\nmessage-id:1\nsubscription:sub-1\ncontent-type:text/plain\n\nhello\0',
      'RECEIPT\nreceipt-id:rcpt-1\n\n\0',
      'MESSAGE\ndestination:/queue/q\nmessage-id:2\nsubscription:sub-1\ncontent-length:3\n\na\0b\0',
      'ERROR\nmessage:no\n\nbody\0',
      '\n\n',
    ].map((s) => new TextEncoder().encode(s));
    server = await scriptedStompServer({ script: () => true });
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = prng(seed);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 6; i++) {
        const f = valid[Math.floor(rnd() * valid.length)].slice();
        const flips = rnd() < 0.8 ? 0 : 1 + Math.floor(rnd() * 3);
        for (let k = 0; k < flips; k++) f[Math.floor(rnd() * f.length)] = Math.floor(rnd() * 256);
        parts.push(f);
      }
      const n = (server as ScriptedStompServer).connections.length;
      const run = connect({ url: server.url, heartbeat: [0, 0] }).pipe(switchMap((s) => {
        const conn = (server as ScriptedStompServer).connections[n];
        for (const p of parts) conn.write(p);
        // An end the fuzz cannot produce by itself: the server closes after its frames.
        setTimeout(() => conn.socket.destroy(), 200);
        return s.subscribe('/queue/q', { id: 'sub-1' });
      }));
      const r = await settle(run, 5000);
      if (process.env.FUZZ_DEBUG) console.log(seed, r.ms, r.values.length, (r.error as Error | undefined)?.name, (r.error as Error | undefined)?.message?.slice(0, 80));
      if (r.error !== undefined) expect(r.error, `seed ${seed}`).to.be.instanceOf(RxMqError);
      uncaught.check();
    }
  });

  void firstValueFrom;
});
