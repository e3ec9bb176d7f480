/**
 * The fuzz runner (issue 26 item 2). Three targets:
 * - `amqp`, `stomp`: an embedded broker in this process, each case written by a raw TCP client;
 *   a case passes when nothing throws out of the broker (crash), the broker reports no internal
 *   error (its per-connection boundary caught nothing: BrokerConnectionError), and its event loop
 *   is never blocked for long (hang). A healthy client (rhea over AMQP, @stomp/stompjs over STOMP)
 *   does a round trip every `healthyEvery` cases throughout; one that takes too long is a hang.
 * - `decoders`: what both clients decode from a peer (the AMQP frame parser, message sections and
 *   values; the STOMP frame decoder), fed the same families of bytes: only typed errors
 *   (RxMqError) may come out, and no case may take long.
 * Every case is made from (seed, index), so a failure names what replays it.
 */
import net from 'node:net';
import { Client } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import rhea from 'rhea';
import { decode } from '../../../src/amqp/codec/index.js';
import { decodeSections, FrameParser } from '../../../src/amqp/frames/index.js';
import { BrokerConnectionError } from '../../../src/broker/boundary.js';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../../src/broker/index.js';
import { RxMqError } from '../../../src/errors.js';
import { StompDecoder } from '../../../src/stomp/codec/index.js';
import { makeCase, type CaseFamily, type FuzzCase, type FuzzTarget } from './cases.js';
import { caseSeed, Rng } from './rng.js';

export type FuzzTargetName = FuzzTarget | 'decoders';

export interface FuzzOptions {
  readonly cases: number;
  /** First case index (to replay one: `first: N, cases: 1`). Default 0. */
  readonly first?: number;
  readonly seed: number;
  /** Raw clients at once (listener targets). Default 16. */
  readonly concurrency?: number;
  /** How long a case's connection stays open after its last write, unless the broker closes it (ms). Default 30. */
  readonly lingerMs?: number;
  /** A healthy round trip every this many cases. Default 250. */
  readonly healthyEvery?: number;
  /** An event-loop stall or a healthy round trip longer than this is a hang (ms). Default 2000. */
  readonly hangMs?: number;
  /** Options for the broker under test. */
  readonly broker?: BrokerOptions;
  /** Progress, every `progressEvery` cases. */
  readonly onProgress?: (r: FuzzReport) => void;
  readonly progressEvery?: number;
}

export interface FuzzFailure {
  readonly index: number;
  readonly family: CaseFamily | 'healthy';
  readonly kind: 'crash' | 'internal' | 'hang';
  readonly message: string;
}

export interface FuzzReport {
  readonly target: FuzzTargetName;
  readonly seed: number;
  cases: number;
  crashes: number;
  /** Errors the broker's boundary caught (a bug reached it): 0 in a clean run. */
  internal: number;
  hangs: number;
  healthyRoundTrips: number;
  /** Slowest healthy round trip, ms. */
  healthyMaxMs: number;
  /** Longest event-loop stall seen, ms. */
  maxStallMs: number;
  /** Largest resident set size seen, MiB. */
  maxRssMiB: number;
  byFamily: Record<string, number>;
  /** The first failures, with the case index that replays them. */
  readonly failures: FuzzFailure[];
}

const MAX_FAILURES_KEPT = 20;

function newReport(target: FuzzTargetName, seed: number): FuzzReport {
  return { target, seed, cases: 0, crashes: 0, internal: 0, hangs: 0, healthyRoundTrips: 0, healthyMaxMs: 0, maxStallMs: 0, maxRssMiB: 0, byFamily: {}, failures: [] };
}

function fail(r: FuzzReport, f: FuzzFailure): void {
  if (f.kind === 'crash') r.crashes++;
  else if (f.kind === 'internal') r.internal++;
  else r.hangs++;
  if (r.failures.length < MAX_FAILURES_KEPT) r.failures.push(f);
}

const rssMiB = (): number => Math.round(process.memoryUsage().rss / 1024 / 1024);

// --- listeners -------------------------------------------------------------------------------

/** A round trip through the broker by a well-behaved client, for the whole run. */
interface Healthy {
  roundTrip(n: number): Promise<void>;
  close(): Promise<void>;
}

async function healthyAmqp(port: number): Promise<Healthy> {
  const container = rhea.create_container({ id: 'fuzz-healthy' });
  const conn = container.connect({ port, host: '127.0.0.1', reconnect: false, idle_time_out: 0 } as rhea.ConnectionOptions);
  await new Promise<void>((resolve, reject) => { conn.once('connection_open', () => resolve()); conn.once('disconnected', (c: rhea.EventContext) => reject(c.error ?? new Error('healthy client lost'))); });
  const sender = conn.open_sender({ target: { address: 'fuzz-healthy' } });
  const waiting = new Map<string, () => void>();
  const receiver = conn.open_receiver({ source: { address: 'fuzz-healthy' }, autoaccept: true });
  receiver.on('message', (ctx: rhea.EventContext) => waiting.get(String(ctx.message?.body))?.());
  await new Promise<void>((r) => (sender.sendable() ? r() : sender.once('sendable', () => r())));
  return {
    roundTrip: (n) => new Promise<void>((resolve) => { waiting.set(`h${n}`, () => { waiting.delete(`h${n}`); resolve(); }); sender.send({ body: `h${n}` }); }),
    close: () => new Promise<void>((r) => { conn.once('connection_close', () => r()); conn.once('disconnected', () => r()); conn.close(); }),
  };
}

async function healthyStomp(port: number): Promise<Healthy> {
  const js = new Client({ webSocketFactory: () => new TCPWrapper('127.0.0.1', port), heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0 });
  await new Promise<void>((r) => { js.onConnect = () => r(); js.activate(); });
  const waiting = new Map<string, () => void>();
  js.subscribe('/queue/fuzz-healthy', (m) => waiting.get(m.body)?.());
  return {
    roundTrip: (n) => new Promise<void>((resolve) => { waiting.set(`h${n}`, () => { waiting.delete(`h${n}`); resolve(); }); js.publish({ destination: '/queue/fuzz-healthy', body: `h${n}` }); }),
    close: () => js.deactivate(),
  };
}

/**
 * Write one case on a fresh connection; resolves when the broker closed it or it lingered enough.
 * Stepwise, each write after the first waits for the broker's answer to the one before (or 200 ms).
 */
function runCase(port: number, c: FuzzCase, lingerMs: number): Promise<void> {
  const writes = c.writes;
  return new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    let answered: (() => void) | undefined;
    const done = (): void => { if (timer !== undefined) clearTimeout(timer); s.destroy(); resolve(); };
    s.on('error', () => {});
    s.on('data', () => { const a = answered; answered = undefined; a?.(); });
    s.on('close', done);
    s.once('connect', () => {
      let i = 0;
      const next = (): void => {
        if (s.destroyed) return;
        if (i >= writes.length) { timer = setTimeout(done, lingerMs); return; }
        s.write(writes[i++]);
        if (c.stepwise !== true || i >= writes.length) { setImmediate(next); return; }
        const wait = setTimeout(() => { answered = undefined; next(); }, 200);
        answered = () => { clearTimeout(wait); setTimeout(next, 5); };
      };
      next();
    });
  });
}

/** Fuzz one listener of an embedded broker started for the run. */
export async function fuzzListener(target: FuzzTarget, o: FuzzOptions): Promise<FuzzReport> {
  const r = newReport(target, o.seed);
  const hangMs = o.hangMs ?? 2000;
  let current = -1;
  let currentFamily: CaseFamily = 'random';
  const onUncaught = (err: Error): void => fail(r, { index: current, family: currentFamily, kind: 'crash', message: `${err.name}: ${err.message}` });
  process.on('uncaughtException', onUncaught);
  let broker: EmbeddedBroker | undefined;
  let healthy: Healthy | undefined;
  // Event-loop stalls: a timer that should fire every 50 ms. A stall is a hang when this process
  // spent it computing (on a shared machine a process that gets no CPU stalls too: not ours).
  let last = Date.now();
  let lastCpu = process.cpuUsage();
  const stall = setInterval(() => {
    const now = Date.now();
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const lag = now - last - 50;
    const busyMs = Math.round((cpu.user + cpu.system) / 1000);
    last = now;
    if (lag > r.maxStallMs) r.maxStallMs = lag;
    if (lag > hangMs && busyMs > hangMs / 2) fail(r, { index: current, family: currentFamily, kind: 'hang', message: `event loop blocked for ${lag} ms (${busyMs} ms of CPU)` });
  }, 50);
  try {
    broker = await startBroker({
      // Queues hold what the cases send (nobody consumes it): bounded, so that RSS measures the
      // broker and not the messages it was asked to keep.
      maxQueueDepth: 100,
      ...o.broker,
      onError: (e) => { if (e instanceof BrokerConnectionError) fail(r, { index: current, family: currentFamily, kind: 'internal', message: `${e.message}` }); },
    });
    const port = target === 'amqp' ? broker.amqpPort : (broker.stompPort as number);
    healthy = target === 'amqp' ? await healthyAmqp(broker.amqpPort) : await healthyStomp(port);
    const concurrency = o.concurrency ?? 16;
    const healthyEvery = o.healthyEvery ?? 250;
    const progressEvery = o.progressEvery ?? 5000;
    const first = o.first ?? 0;
    let next = first;
    let roundTrips = 0;
    const worker = async (): Promise<void> => {
      while (next < first + o.cases) {
        const index = next++;
        const c = makeCase(target, new Rng(caseSeed(o.seed, index)));
        current = index;
        currentFamily = c.family;
        r.byFamily[c.family] = (r.byFamily[c.family] ?? 0) + 1;
        await runCase(port, c, o.lingerMs ?? 30);
        const done = ++r.cases;
        if (done % 100 === 0) r.maxRssMiB = Math.max(r.maxRssMiB, rssMiB());
        if (done % progressEvery === 0) o.onProgress?.(r);
        if (done % healthyEvery === 0 && healthy !== undefined) {
          const t0 = Date.now();
          const n = ++roundTrips;
          const ok = await Promise.race([healthy.roundTrip(n).then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), hangMs * 5))]);
          const ms = Date.now() - t0;
          r.healthyMaxMs = Math.max(r.healthyMaxMs, ms);
          if (ok) r.healthyRoundTrips++;
          else fail(r, { index, family: 'healthy', kind: 'hang', message: `the healthy client got no answer in ${ms} ms` });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    // A last round trip: the broker still serves after the whole run.
    const ok = await Promise.race([healthy.roundTrip(++roundTrips).then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), hangMs * 5))]);
    if (ok) r.healthyRoundTrips++;
    else fail(r, { index: o.cases, family: 'healthy', kind: 'hang', message: 'the healthy client got no answer after the run' });
    r.maxRssMiB = Math.max(r.maxRssMiB, rssMiB());
  } finally {
    clearInterval(stall);
    await healthy?.close().catch(() => {});
    await broker?.close();
    process.off('uncaughtException', onUncaught);
  }
  return r;
}

// --- decoders --------------------------------------------------------------------------------

/** Only typed errors may come out of a decoder. */
function typedOnly(r: FuzzReport, index: number, family: CaseFamily, what: string, f: () => void): void {
  try {
    f();
  } catch (err) {
    if (!(err instanceof RxMqError)) fail(r, { index, family, kind: 'crash', message: `${what}: ${(err as Error)?.name}: ${(err as Error)?.message}` });
  }
}

/** Run everything a client decodes from a peer over one case's bytes. */
function decodeAll(r: FuzzReport, index: number, family: CaseFamily, target: FuzzTarget, writes: readonly Uint8Array[]): void {
  if (target === 'amqp') {
    typedOnly(r, index, family, 'FrameParser', () => {
      const parser = new FrameParser({ maxFrameSize: 1024 * 1024 });
      for (const w of writes) {
        for (const e of parser.feed(w)) {
          if (e.type !== 'amqp' || e.payload.length === 0) continue;
          typedOnly(r, index, family, 'decodeSections', () => {
            const s = decodeSections(e.payload);
            void [s.header, s.deliveryAnnotations, s.messageAnnotations, s.properties, s.applicationProperties, s.footer, s.body];
          });
        }
      }
    });
    // The bytes as one value and as one message too (the first write alone: a mutated frame's
    // body is as good a value as any, and decoding each of thousands of frames would only
    // measure the cost of making errors).
    const w = writes[0];
    typedOnly(r, index, family, 'decode', () => { decode(w); });
    typedOnly(r, index, family, 'decodeSections', () => {
      const s = decodeSections(w);
      void [s.header, s.deliveryAnnotations, s.messageAnnotations, s.properties, s.applicationProperties, s.footer, s.body];
    });
  } else {
    for (const version of ['1.0', '1.1', '1.2'] as const) {
      typedOnly(r, index, family, `StompDecoder ${version}`, () => {
        const d = new StompDecoder({ version });
        for (const w of writes) d.push(w);
      });
    }
  }
}

/** Fuzz the clients' decoders with both protocols' case families. */
export function fuzzDecoders(o: FuzzOptions): FuzzReport {
  const r = newReport('decoders', o.seed);
  const hangMs = o.hangMs ?? 2000;
  const progressEvery = o.progressEvery ?? 5000;
  const first = o.first ?? 0;
  for (let index = first; index < first + o.cases; index++) {
    const rng = new Rng(caseSeed(o.seed, index));
    const target: FuzzTarget = rng.chance(0.5) ? 'amqp' : 'stomp';
    const c = makeCase(target, rng);
    r.byFamily[`${target}:${c.family}`] = (r.byFamily[`${target}:${c.family}`] ?? 0) + 1;
    const t0 = Date.now();
    decodeAll(r, index, c.family, target, c.writes);
    const ms = Date.now() - t0;
    r.maxStallMs = Math.max(r.maxStallMs, ms);
    if (ms > hangMs) fail(r, { index, family: c.family, kind: 'hang', message: `decoding took ${ms} ms` });
    r.cases++;
    if (r.cases % 500 === 0) r.maxRssMiB = Math.max(r.maxRssMiB, rssMiB());
    if (r.cases % progressEvery === 0) o.onProgress?.(r);
  }
  r.maxRssMiB = Math.max(r.maxRssMiB, rssMiB());
  return r;
}

/** One line per report, for people. */
export function formatReport(r: FuzzReport): string {
  const fams = Object.entries(r.byFamily).map(([k, v]) => `${k} ${v}`).join(', ');
  const healthy = r.target === 'decoders' ? '' : `, healthy round trips ${r.healthyRoundTrips} (slowest ${r.healthyMaxMs} ms)`;
  return `${r.target} seed ${r.seed}: cases ${r.cases}, crashes ${r.crashes}, internal errors ${r.internal}, hangs ${r.hangs}${healthy}, ` +
    `longest stall ${r.maxStallMs} ms, max RSS ${r.maxRssMiB} MiB [${fams}]`;
}
