/**
 * Shared pieces of the I/O benchmarks (AMQP and STOMP against real brokers): the result a child
 * process reports, the parameters it is given, the peers' addresses, and small helpers to hold an
 * rx-mq connection open across several timed phases.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { firstValueFrom, type Observable, type Subscription, ReplaySubject, take } from 'rxjs';
import { peerCpuMeter } from './peer-cpu.js';

/** What one child process measured in its timed region. */
export interface IoResult {
  readonly scenario: string;
  readonly side: string;
  /** Messages moved in the timed region (for the TCP baseline: 1 MiB chunks). */
  readonly count: number;
  /** Payload bytes moved in the timed region (bodies only). */
  readonly bytes: number;
  readonly ms: number;
  /** process.cpuUsage() user + system over the timed region, microseconds. */
  readonly cpuUs: number;
  /**
   * The system (kernel) part of cpuUs: mostly the socket reads and writes, which every client of
   * the same exchange pays alike; cpuUs - sysUs is the client's own code, V8 and libuv.
   */
  readonly sysUs: number;
  /**
   * Large-message scenarios: CPU (user + system, all threads) of the broker process over the timed
   * region, microseconds, where /proc shows it (see peer-cpu.ts).
   */
  readonly peerCpuUs?: number;
  /** Memory scenarios: peak RSS and heap used (sampled after a GC) above the start, MB (2^20). */
  readonly rssGrowthMb?: number;
  readonly heapGrowthMb?: number;
  /** Memory scenarios: most messages delivered and not yet settled at once. */
  readonly maxInFlight?: number;
}

/** Parameters the harness hands to a child. */
export interface IoParams {
  /** Messages timed. */
  readonly count: number;
  /** Messages run through the same path first, untimed (JIT, connection warm-up), in {@link warmupPasses}. */
  readonly warmup: number;
  /** Suffix that keeps queue names of concurrent or crashed runs apart. */
  readonly tag: string;
}

/**
 * How many times the workload runs before the timed pass (each run a whole one: link or
 * subscription made, messages moved, link closed). One long warm-up is not enough for V8: the
 * first close and the next open send frames of new shapes through the hot functions, whose
 * optimised code is then thrown away ("wrong map") and compiled again, on V8's helper threads,
 * during the timed pass; rx-mq's send to RabbitMQ after one warm-up of 60,000 messages still
 * spent 43-54 ms of its 30,000-message timed pass compiling (1.4-1.8 us a message), and after six
 * runs of 5,000, 8-15 ms. Every side gets the same passes.
 */
export const WARMUP_PASSES = 6;

/** A warm-up of `total` messages split into {@link WARMUP_PASSES} runs (fewer when total is small). */
export function warmupPasses(total: number): number[] {
  const passes = Math.min(WARMUP_PASSES, total);
  const out: number[] = [];
  for (let i = 0; i < passes; i++) out.push(Math.floor(total / passes) + (i < total % passes ? 1 : 0));
  return out;
}

export interface Peer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** SASL PLAIN credentials, or none (the Proton C example broker speaks no SASL). */
  readonly user?: string;
  readonly password?: string;
  /** open.hostname / STOMP host header. */
  readonly vhost: string;
  /** How a queue name becomes a node address at this peer. */
  address(queue: string): string;
}

export const PROTON: Peer = {
  name: 'Qpid Proton C example broker', host: '127.0.0.1', port: 5673, vhost: 'localhost',
  address: (q) => q,
};
export const RABBIT_AMQP: Peer = {
  name: 'RabbitMQ 3.10 (AMQP 1.0 plugin)', host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest',
  vhost: 'localhost', address: (q) => `/queue/${q}`,
};
export const RABBIT_STOMP: Peer = {
  name: 'RabbitMQ 3.10 (STOMP plugin)', host: '127.0.0.1', port: 61613, user: 'guest', password: 'guest',
  vhost: '/', address: (q) => `/queue/${q}`,
};

/** A 12-byte text body (both sides send it as the same type: an AMQP string value / STOMP text). */
export const SMALL_BODY = 'hello world!';
export const MIB = 1024 * 1024;

/**
 * Subscribes to a cold connection Observable and keeps it open: resolves with the connection
 * (the first value); `close()` unsubscribes, which closes it gracefully.
 */
export async function hold<T>(conn$: Observable<T>): Promise<{ value: T; close(): void }> {
  const latest = new ReplaySubject<T>(1);
  let failed: unknown;
  const sub: Subscription = conn$.subscribe({
    next: (v) => latest.next(v),
    error: (e: unknown) => { failed = e; latest.error(e); },
  });
  const value = await firstValueFrom(latest.pipe(take(1)));
  if (failed !== undefined) throw failed;
  return { value, close: () => sub.unsubscribe() };
}

/**
 * Environment variable naming a directory: when set (the harness sets it for `--cpu-prof`), every
 * timed region is CPU-profiled on its own, so the profile holds no start-up, warm-up or clean-up.
 */
export const TIMED_PROFILE_DIR_ENV = 'RXMQ_BENCH_TIMED_PROFILE_DIR';
/**
 * The same for `--alloc-prof`: a sampled allocation profile of every timed region, counting what
 * was allocated whether or not it was collected since (what the GC has to deal with).
 */
export const TIMED_ALLOC_DIR_ENV = 'RXMQ_BENCH_TIMED_ALLOC_DIR';

/**
 * Times `fn` with the wall clock and process CPU (user + system); given the port the peer listens
 * on, also the peer process's CPU over the same region (peer-cpu.ts), where /proc shows it.
 */
export async function timed(fn: () => Promise<void>, peerPort?: number): Promise<{ ms: number; cpuUs: number; sysUs: number; peerCpuUs?: number }> {
  const cpuDir = dirFromEnv(TIMED_PROFILE_DIR_ENV);
  const allocDir = dirFromEnv(TIMED_ALLOC_DIR_ENV);
  const session = cpuDir !== undefined || allocDir !== undefined ? await startProfiles(cpuDir !== undefined, allocDir !== undefined) : undefined;
  const peer = peerPort === undefined ? undefined : peerCpuMeter(peerPort);
  perfControl('enable');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  perfControl('disable');
  const peerCpuUs = peer?.stop();
  if (session !== undefined) await stopProfiles(session, cpuDir, allocDir);
  return { ms, cpuUs: cpu.user + cpu.system, sysUs: cpu.system, ...(peerCpuUs === undefined ? {} : { peerCpuUs }) };
}

/**
 * Environment variable naming the control FIFO of a `perf record --control fifo:...` run (started
 * with -D -1, that is disabled): every timed region is recorded and nothing else, so a native
 * profile (kernel, libuv, V8's own C++) covers what the CPU figures cover.
 */
export const PERF_CONTROL_FIFO_ENV = 'RXMQ_BENCH_PERF_CONTROL_FIFO';
function perfControl(command: 'enable' | 'disable'): void {
  const fifo = dirFromEnv(PERF_CONTROL_FIFO_ENV);
  if (fifo !== undefined) writeFileSync(fifo, `${command}\n`);
}

const dirFromEnv = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};

/** CPU samples: one per this many microseconds (V8's default is 1,000). */
const CPU_SAMPLING_INTERVAL_US = 100;

/** Allocation samples: one per this many bytes on average (V8's default is 32 KiB). */
const ALLOC_SAMPLING_INTERVAL = 1024;

let profileSeq = 0;
async function startProfiles(cpu: boolean, alloc: boolean): Promise<Session> {
  const session = new Session();
  session.connect();
  // CPU first and allocations last (stopped in the other order), so that neither profile shows
  // the other's work.
  if (cpu) {
    await session.post('Profiler.enable');
    // A timed pass lasts a few hundred ms: V8's default sample every 1 ms gives too few samples.
    await session.post('Profiler.setSamplingInterval', { interval: CPU_SAMPLING_INTERVAL_US });
    await session.post('Profiler.start');
  }
  if (alloc) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: ALLOC_SAMPLING_INTERVAL, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    });
  }
  return session;
}
async function stopProfiles(session: Session, cpuDir: string | undefined, allocDir: string | undefined): Promise<void> {
  const name = `timed-${process.pid}-${++profileSeq}`;
  if (allocDir !== undefined) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(join(allocDir, `${name}.heapprofile`), JSON.stringify(profile));
  }
  if (cpuDir !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(cpuDir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
  session.disconnect();
}

/** A promise with its resolve/reject, for event-style (callback) clients. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
