/**
 * Long-run memory: one client process sends and receives steadily over both protocols at once,
 * against the embedded broker in its own process (embedded-server.ts), for minutes, and samples
 * its RSS and heap every few seconds (heap after a forced GC: what is still reachable). A leak of
 * a few bytes a message shows as a heap that keeps climbing; the report gives start, end, min and
 * max of both, and the messages moved.
 *
 * - AMQP: one sender link (at-least-once, rx-mq's defaults: a generated id on each message) fed
 *   `rate` messages a second in batches every TICK_MS, and one receiver (credit 500, auto accept)
 *   on the same queue, on one connection.
 * - STOMP: SENDs at the same rate (no receipts) and one SUBSCRIBE (ack:auto) on the same
 *   destination, on one session.
 * Child-process entry: node --expose-gc --import tsx bench/io/long-run.ts <seconds> <rate> <sampleMs>
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { from, interval, mergeMap, type Subscription } from 'rxjs';
import { connect as amqpConnect, type AmqpConnection, type Message } from '../../src/amqp/index.js';
import { connect as stompConnect, type StompSession } from '../../src/stomp/index.js';
import { MIB, SMALL_BODY, hold } from './common.js';
import { startEmbeddedServer } from './embedded-server.js';

/** One sample: seconds since the start, RSS and heap used after a GC (MB, 2^20 bytes), messages so far. */
export interface MemorySample { readonly s: number; readonly rssMb: number; readonly heapMb: number; readonly amqp: number; readonly stomp: number }

export interface LongRunResult {
  readonly seconds: number;
  /** Messages a second offered per protocol. */
  readonly rate: number;
  readonly samples: readonly MemorySample[];
  /** Messages sent and received per protocol over the whole run. */
  readonly amqpSent: number;
  readonly amqpReceived: number;
  readonly stompSent: number;
  readonly stompReceived: number;
  /** Client CPU (user + system) per message moved (sent + received, both protocols), microseconds. */
  readonly cpuPerMsgUs: number;
}

const TICK_MS = 20;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export interface LongRunOptions { readonly seconds: number; readonly rate: number; readonly sampleMs: number }

/** Full mode: ten minutes, 2,000 messages a second per protocol, a sample every 5 s. */
export const LONG_RUN_FULL: LongRunOptions = { seconds: 600, rate: 2000, sampleMs: 5000 };
/** Smoke: a few seconds, to prove it runs. */
export const LONG_RUN_SMOKE: LongRunOptions = { seconds: 3, rate: 500, sampleMs: 1000 };

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the long run in a fresh child process (with --expose-gc); resolves with its result. */
export function runLongRun(o: LongRunOptions, log: (line: string) => void = () => {}): Promise<LongRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, String(o.seconds), String(o.rate), String(o.sampleMs)], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      const lines = err.split('\n');
      err = lines.pop() ?? '';
      for (const l of lines) log(l);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') reject(new Error(`long run exited with ${String(code)}: ${err.trim()}`));
      else resolve(JSON.parse(line) as LongRunResult);
    });
  });
}

function amqpLoad(c: AmqpConnection, queue: string, perTick: number, counts: { sent: number; received: number }): Subscription {
  const sub = c.receive(queue, { credit: 500, settle: 'auto' }).subscribe(() => { counts.received++; });
  sub.add(interval(TICK_MS).pipe(
    // Fresh message objects each tick, as an application makes them.
    mergeMap(() => { const batch: Message[] = []; for (let i = 0; i < perTick; i++) batch.push({ body: SMALL_BODY }); return from(batch); }),
    c.send(queue),
  ).subscribe((o) => {
    if (o.state !== 'accepted') throw new Error(`unexpected outcome ${o.state}`);
    counts.sent++;
  }));
  return sub;
}

function stompLoad(s: StompSession, destination: string, perTick: number, counts: { sent: number; received: number }): Subscription {
  const sub = s.subscribe(destination).subscribe(() => { counts.received++; });
  sub.add(interval(TICK_MS).pipe(
    mergeMap(() => { const batch: string[] = []; for (let i = 0; i < perTick; i++) batch.push(SMALL_BODY); return from(batch); }),
    s.send(destination),
  ).subscribe(() => { counts.sent++; }));
  return sub;
}

async function main(): Promise<void> {
  const [seconds, rate, sampleMs] = process.argv.slice(2).map(Number);
  const server = await startEmbeddedServer();
  try {
    const amqp = await hold(amqpConnect({ url: `amqp://127.0.0.1:${server.amqp.port}` }));
    const stomp = await hold(stompConnect({ url: `stomp://127.0.0.1:${server.stomp.port}`, heartbeat: [0, 0] }));
    const a = { sent: 0, received: 0 };
    const st = { sent: 0, received: 0 };
    const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
    const tag = `${process.pid}`;
    const load = amqpLoad(amqp.value, `long-run-amqp-${tag}`, perTick, a);
    load.add(stompLoad(stomp.value, `/queue/long-run-stomp-${tag}`, perTick, st));
    const samples: MemorySample[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const sample = (): void => {
      gc();
      const u = process.memoryUsage();
      const s = (performance.now() - t0) / 1000;
      samples.push({ s, rssMb: u.rss / MIB, heapMb: u.heapUsed / MIB, amqp: a.received, stomp: st.received });
      process.stderr.write(`long-run ${s.toFixed(0)} s: RSS ${(u.rss / MIB).toFixed(1)} MB, heap ${(u.heapUsed / MIB).toFixed(1)} MB, received AMQP ${a.received}, STOMP ${st.received}\n`);
    };
    // The first sample once the streams are in full flow (links attached, JIT warm).
    await new Promise((r) => setTimeout(r, Math.min(sampleMs, 2000)));
    sample();
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (load.closed) { clearInterval(timer); reject(new Error('a stream ended early')); return; }
        sample();
        if (performance.now() - t0 >= seconds * 1000) { clearInterval(timer); resolve(); }
      }, sampleMs);
    });
    const cpu = process.cpuUsage(cpu0);
    load.unsubscribe();
    amqp.close();
    stomp.close();
    const moved = a.sent + a.received + st.sent + st.received;
    const result: LongRunResult = {
      seconds, rate, samples, amqpSent: a.sent, amqpReceived: a.received, stompSent: st.sent, stompReceived: st.received,
      cpuPerMsgUs: (cpu.user + cpu.system) / Math.max(1, moved),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    server.stop();
  }
}

if (process.argv[1] === SELF) {
  main().then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------------------------
// Report

/** Start, end, min and max of one series. */
export interface SeriesStat { readonly start: number; readonly end: number; readonly min: number; readonly max: number }

export function seriesStat(xs: readonly number[]): SeriesStat {
  return { start: xs[0], end: xs[xs.length - 1], min: Math.min(...xs), max: Math.max(...xs) };
}

/** Targets: "flat within a few MB" (issue 28), as growth from the first sample to the last. */
export const LONG_RUN_LIMITS = { heapGrowthMb: 5, rssGrowthMb: 10 } as const;

export interface LongRunCheck { readonly what: string; readonly value: number; readonly limit: number; readonly met: boolean }

export function checkLongRun(r: LongRunResult): LongRunCheck[] {
  const heap = seriesStat(r.samples.map((x) => x.heapMb));
  const rss = seriesStat(r.samples.map((x) => x.rssMb));
  return [
    { what: 'heap used after GC, last sample - first', value: heap.end - heap.start, limit: LONG_RUN_LIMITS.heapGrowthMb, met: heap.end - heap.start <= LONG_RUN_LIMITS.heapGrowthMb },
    { what: 'RSS, last sample - first', value: rss.end - rss.start, limit: LONG_RUN_LIMITS.rssGrowthMb, met: rss.end - rss.start <= LONG_RUN_LIMITS.rssGrowthMb },
  ];
}

const mb = (n: number): string => n.toFixed(1);
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatLongRun(r: LongRunResult, machine: string): { heading: string; text: string } {
  const heading = '## Long-run memory: steady send and receive, AMQP and STOMP at once';
  const heap = seriesStat(r.samples.map((x) => x.heapMb));
  const rss = seriesStat(r.samples.map((x) => x.rssMb));
  const every = r.samples.length > 1 ? r.samples[1].s - r.samples[0].s : 0;
  // About ten rows of the series, evenly spaced, the last sample included.
  const stride = Math.max(1, Math.floor(r.samples.length / 10));
  const rows = r.samples.filter((_, i) => i % stride === 0 || i === r.samples.length - 1);
  const lines = [
    heading, '',
    `One client process (a fresh child, \`--expose-gc\`) against the embedded broker in its own process, for ${int(r.seconds)} s:`,
    `AMQP, one connection with a sender link (at-least-once, rx-mq's defaults, a generated id on each message) fed`,
    `${int(r.rate)} messages a second in batches every ${TICK_MS} ms and a receiver (credit 500, auto accept) on the same`,
    `queue; STOMP, one session sending at the same rate (no receipts) and subscribed (ack:auto) to the same`,
    `destination. Fresh message objects every batch, as an application makes them. RSS and heap used (after a`,
    `forced GC: what is still reachable) sampled every ${every.toFixed(0)} s; MB = 2^20 bytes.`,
    '',
    '| measure | first sample | last sample | min | max | last - first |',
    '|---|---:|---:|---:|---:|---:|',
    `| RSS, MB | ${mb(rss.start)} | ${mb(rss.end)} | ${mb(rss.min)} | ${mb(rss.max)} | ${mb(rss.end - rss.start)} |`,
    `| heap used after GC, MB | ${mb(heap.start)} | ${mb(heap.end)} | ${mb(heap.min)} | ${mb(heap.max)} | ${mb(heap.end - heap.start)} |`,
    '',
    `Messages: AMQP ${int(r.amqpSent)} sent (each accepted) and ${int(r.amqpReceived)} received; STOMP ${int(r.stompSent)} sent and`,
    `${int(r.stompReceived)} received (${int(r.amqpReceived / r.seconds)} a second each: the batch timer runs late on a busy machine).`,
    `Client CPU ${r.cpuPerMsgUs.toFixed(1)} us per message moved (sent or received, both protocols).`,
    '',
    '| seconds | RSS MB | heap MB | AMQP received | STOMP received |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map((x) => `| ${x.s.toFixed(0)} | ${mb(x.rssMb)} | ${mb(x.heapMb)} | ${int(x.amqp)} | ${int(x.stomp)} |`),
    '',
    ...checkLongRun(r).map((c) => `- ${c.what}: ${mb(c.value)} MB (target at most ${mb(c.limit)} MB): ${c.met ? 'met' : 'missed'}.`),
    '',
    machine,
    '',
  ];
  return { heading, text: lines.join('\n') };
}
