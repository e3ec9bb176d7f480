/**
 * stompClient against RabbitMQ and ActiveMQ through a proxy whose connections we cut or freeze: it
 * reconnects with backoff (after a closed socket, or after heart-beats found a silent one),
 * re-subscribes, and re-sends messages whose receipt did not arrive.
 */
import { expect } from 'chai';
import { interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { backoffDelay, stompClient, StompHeartbeatTimeoutError, type StompClientState, type StompMessage } from '../../src/stomp/index.js';
import { ACTIVEMQ_TCP, fresh, RABBIT_TCP, withSession } from './broker-helpers.js';
import { cutProxy, type CutProxy } from './proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RABBIT = RABBIT_TCP;
const BROKERS = [
  { name: 'RabbitMQ', port: 61613, direct: RABBIT_TCP, via: (p: number) => `stomp://guest:guest@127.0.0.1:${p}/%2F` },
  { name: 'ActiveMQ', port: 61614, direct: ACTIVEMQ_TCP, via: (p: number) => `stomp://127.0.0.1:${p}` },
] as const;

/** The distinct texts on `q`, read through a direct connection until `n` are there (or 3 s pass). */
const drain = (url: string, q: string, n: number): Promise<Set<string>> => withSession(url, async (s) => {
  const seen = new Set<string>();
  const sub = s.subscribe(q).subscribe((m) => seen.add(m.text));
  for (let i = 0; i < 60 && seen.size < n; i++) await sleep(50);
  sub.unsubscribe();
  return seen;
});
const texts = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`).sort();

describe('stompClient (reconnecting)', function () {
  this.timeout(30_000);
  let proxy: CutProxy | undefined;
  afterEach(async () => { await proxy?.close(); proxy = undefined; });

  it('computes bounded exponential backoff', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, o))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(0, { initialDelayMs: 100, jitter: 0.5 }, () => 0)).to.equal(50);
    expect(backoffDelay(0, { initialDelayMs: 100, jitter: 0.5 }, () => 1)).to.equal(150);
  });

  for (const b of BROKERS) {
    it(`${b.name}: sends 40 messages across two connection cuts without losing one`, async () => {
      proxy = await cutProxy(b.port);
      const p = proxy;
      const q = fresh('client-send');
      const client = stompClient({ url: b.via(p.port), backoff: { initialDelayMs: 50, maxDelayMs: 200 }, heartbeat: [0, 0] });
      const states: string[] = [];
      const st = client.state$.subscribe((s: StompClientState) => states.push(s.state));
      const cuts = setTimeout(() => p.cut(), 300);
      const cuts2 = setTimeout(() => p.cut(), 900);
      const results = await lastValueFrom(interval(30).pipe(take(40), map((i) => `m${i}`), client.send(q), toArray()));
      clearTimeout(cuts); clearTimeout(cuts2);
      st.unsubscribe();
      expect(results).to.have.length(40);
      expect(results.every((r) => r.state === 'receipted')).to.equal(true);
      expect(p.accepted).to.be.greaterThanOrEqual(3);
      expect(states).to.include('reconnecting');
      expect([...await drain(b.direct, q, 40)].sort()).to.deep.equal(texts('m', 40));
    });

    it(`${b.name}: re-subscribes after a cut and keeps receiving`, async () => {
      proxy = await cutProxy(b.port);
      const p = proxy;
      const q = fresh('client-sub');
      const client = stompClient({ url: b.via(p.port), backoff: { initialDelayMs: 50 }, heartbeat: [0, 0] });
      const got: StompMessage[] = [];
      const sub = client.subscribe(q, { receipt: true }).subscribe((m) => got.push(m));
      await sleep(300);
      await withSession(b.direct, async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'before'), s.send(q, { receipt: true }))); });
      for (let i = 0; i < 40 && got.length < 1; i++) await sleep(50);
      p.cut();
      await sleep(600);
      await withSession(b.direct, async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'after'), s.send(q, { receipt: true }))); });
      for (let i = 0; i < 60 && got.length < 2; i++) await sleep(50);
      sub.unsubscribe();
      expect(got.map((m) => m.text)).to.deep.equal(['before', 'after']);
      expect(p.accepted).to.equal(2);
    });

    it(`${b.name}: a silent (frozen) connection is found by heart-beats; the client reconnects, re-subscribes and loses no message`, async () => {
      proxy = await cutProxy(b.port);
      const p = proxy;
      const q = fresh('client-frozen');
      const qin = fresh('client-frozen-in');
      const client = stompClient({ url: b.via(p.port), backoff: { initialDelayMs: 50, maxDelayMs: 200 }, heartbeat: [300, 300], heartbeatGraceMs: 200 });
      const errors: unknown[] = [];
      const st = client.state$.subscribe((s) => { if (s.state === 'reconnecting') errors.push(s.error); });
      let ready = 0;
      const got: string[] = [];
      const sub = client.subscribe(qin, { onReceipt: () => { ready++; } }).subscribe((m) => got.push(m.text));
      const freeze = setTimeout(() => p.freeze(), 400);
      const results = await lastValueFrom(interval(50).pipe(take(40), map((i) => `f${i}`), client.send(q), toArray()));
      clearTimeout(freeze);
      // The subscription came back on the new connection: a message sent now reaches it.
      for (let i = 0; i < 100 && ready < 2; i++) await sleep(20);
      expect(ready).to.equal(2);
      await withSession(b.direct, async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'after the freeze'), s.send(qin, { receipt: true }))); });
      for (let i = 0; i < 60 && got.length < 1; i++) await sleep(50);
      sub.unsubscribe();
      st.unsubscribe();
      expect(got).to.deep.equal(['after the freeze']);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.be.instanceOf(StompHeartbeatTimeoutError);
      expect(p.accepted).to.equal(2);
      expect(results.map((r) => r.state)).to.deep.equal(new Array(40).fill('receipted'));
      expect([...await drain(b.direct, q, 40)].sort()).to.deep.equal(texts('f', 40));
    });
  }

  it('fails over from a refused URL to the next one', async () => {
    const q = fresh('client-failover');
    const client = stompClient({ urls: ['stomp://127.0.0.1:1', RABBIT], backoff: { initialDelayMs: 20 }, heartbeat: [0, 0] });
    const urls: (string | undefined)[] = [];
    const st = client.state$.subscribe((s) => { if (s.state === 'connecting') urls.push(s.url); });
    const results = await lastValueFrom(interval(0).pipe(take(3), map((i) => `f${i}`), client.send(q), toArray()));
    st.unsubscribe();
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    expect(urls.slice(0, 2)).to.deep.equal(['stomp://127.0.0.1:1', RABBIT]);
  });
});
