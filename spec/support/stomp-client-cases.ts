/**
 * stompClient through a proxy whose connections the test cuts or freezes: it reconnects with
 * backoff (after a closed socket, or after heart-beats found a silent one), re-subscribes, and
 * re-sends messages whose receipt did not arrive. One set of cases, run against the embedded
 * broker (spec/stomp/client.spec.ts) and against RabbitMQ and ActiveMQ (the interop tier).
 */
import { expect } from 'chai';
import { interval, lastValueFrom, map, take, toArray } from 'rxjs';
import { stompClient, StompHeartbeatTimeoutError, type StompClientState, type StompMessage } from '../../src/stomp/index.js';
import { fresh, withSession } from './stomp-session.js';
import { cutProxy, type CutProxy } from './cut-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A STOMP broker to run the cases against: its address, its URL direct and through a proxy port. */
export interface ClientCaseTarget {
  readonly name: string;
  host(): string;
  port(): number;
  direct(): string;
  via(proxyPort: number): string;
}

/** The distinct texts on `q`, read through a direct connection until `n` are there (or 3 s pass). */
const drain = (url: string, q: string, n: number): Promise<Set<string>> => withSession(url, async (s) => {
  const seen = new Set<string>();
  const sub = s.subscribe(q).subscribe((m) => seen.add(m.text));
  for (let i = 0; i < 60 && seen.size < n; i++) await sleep(50);
  sub.unsubscribe();
  return seen;
});
const texts = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`).sort();

/** Defines the reconnect cases (inside a describe block) for `b`. */
export function stompClientCases(b: ClientCaseTarget): void {
  let proxy: CutProxy | undefined;
  afterEach(async () => { await proxy?.close(); proxy = undefined; });

  it(`${b.name}: sends 40 messages across two connection cuts without losing one`, async () => {
    proxy = await cutProxy(b.port(), b.host());
    const p = proxy;
    const q = fresh('client-send');
    const client = stompClient({ url: b.via(p.port), reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, heartbeat: [0, 0] });
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
    expect([...await drain(b.direct(), q, 40)].sort()).to.deep.equal(texts('m', 40));
  });

  it(`${b.name}: re-subscribes after a cut and keeps receiving`, async () => {
    proxy = await cutProxy(b.port(), b.host());
    const p = proxy;
    const q = fresh('client-sub');
    const client = stompClient({ url: b.via(p.port), reconnect: { initialDelayMs: 50 }, heartbeat: [0, 0] });
    const got: StompMessage[] = [];
    const sub = client.subscribe(q, { receipt: true }).subscribe((m) => got.push(m));
    await sleep(300);
    await withSession(b.direct(), async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'before'), s.send(q, { receipt: true }))); });
    for (let i = 0; i < 40 && got.length < 1; i++) await sleep(50);
    p.cut();
    await sleep(600);
    await withSession(b.direct(), async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'after'), s.send(q, { receipt: true }))); });
    for (let i = 0; i < 60 && got.length < 2; i++) await sleep(50);
    sub.unsubscribe();
    expect(got.map((m) => m.text)).to.deep.equal(['before', 'after']);
    expect(p.accepted).to.equal(2);
  });

  it(`${b.name}: a silent (frozen) connection is found by heart-beats; the client reconnects, re-subscribes and loses no message`, async () => {
    proxy = await cutProxy(b.port(), b.host());
    const p = proxy;
    const q = fresh('client-frozen');
    const qin = fresh('client-frozen-in');
    const client = stompClient({ url: b.via(p.port), reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, heartbeat: [300, 300], heartbeatGraceMs: 200 });
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
    await withSession(b.direct(), async (s) => { await lastValueFrom(interval(0).pipe(take(1), map(() => 'after the freeze'), s.send(qin, { receipt: true }))); });
    for (let i = 0; i < 60 && got.length < 1; i++) await sleep(50);
    sub.unsubscribe();
    st.unsubscribe();
    expect(got).to.deep.equal(['after the freeze']);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(StompHeartbeatTimeoutError);
    expect(p.accepted).to.equal(2);
    expect(results.map((r) => r.state)).to.deep.equal(new Array(40).fill('receipted'));
    expect([...await drain(b.direct(), q, 40)].sort()).to.deep.equal(texts('f', 40));
  });
}
