/**
 * Runs the I/O scenarios side by side. Full mode: for every scenario, `runs` rounds, each round
 * one fresh child process per side, the order of the sides rotating between rounds, so drift in
 * machine or broker load hits every side alike. Smoke mode (CI): one child per client library
 * runs all its scenarios once with small counts, the children in parallel - it proves the harness
 * works, nothing more.
 */
import { runJsonChild } from '../child.js';
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIMED_ALLOC_DIR_ENV, TIMED_PROFILE_DIR_ENV, type IoResult } from './common.js';
import { SCENARIOS, type Mode, type Scenario, type Side } from './scenarios.js';
import type { IoJob } from './worker.js';
import { median } from '../stats.js';

export interface IoOptions {
  readonly mode: Mode;
  /** Rounds per scenario in full mode (the issue asks for at least 5). */
  readonly runs: number;
  /** Scenario ids to run: an id matches a filter when it starts with it. Empty: all. */
  readonly filter: readonly string[];
  /** Directory for CPU profiles of every child's timed regions, when profiling. */
  readonly cpuProfDir?: string;
  /** Directory for allocation profiles of every child's timed regions, when profiling. */
  readonly allocProfDir?: string;
}

export interface Stat { readonly median: number; readonly min: number; readonly max: number }

export interface SideReport {
  readonly side: Side;
  /** Library and version as printed in the tables. */
  readonly label: string;
  readonly results: readonly IoResult[];
  /** Messages per second, or MB/s (10^6 bytes) for unit 'MB'. */
  readonly rate: Stat;
  /** Client CPU (user + system) per message, microseconds. */
  readonly cpuPerMsg: Stat;
  /** The user-space part of cpuPerMsg (the client's code, V8, libuv), microseconds. */
  readonly userPerMsg: Stat;
  /** Large-message scenarios: the broker's CPU per message (per MiB), microseconds, where known. */
  readonly peerCpuPerMsg?: Stat;
  /** Memory scenarios: peak RSS growth, MB. */
  readonly rssGrowth?: Stat;
  readonly heapGrowth?: Stat;
  readonly maxInFlight?: Stat;
}

export interface ScenarioReport {
  readonly id: string;
  readonly group: Scenario['group'];
  readonly label: string;
  readonly unit: Scenario['unit'];
  readonly count: number;
  readonly sides: readonly SideReport[];
  /** median rate of rx-mq / median rate of the other library. */
  readonly rateRatio: number;
  /** median CPU per message of rx-mq / that of the other library (below 1: rx-mq uses less). */
  readonly cpuRatio: number;
  /** The same for user-space CPU only (the kernel's share of socket I/O left out). */
  readonly userRatio: number;
  /** AMQP send and receive: the floor's median CPU per message over the other library's (floor.ts). */
  readonly floorCpuRatio?: number;
  /**
   * Null-sink send: rx-mq's median CPU per message with its defaults (a generated message-id on
   * each) over its own with `messageIds: false` (the default path should cost no more).
   */
  readonly defaultPathRatio?: number;
  /** Large messages: rx-mq's and the other library's median throughput over the raw TCP copy's. */
  readonly tcpShare?: { readonly ours: number; readonly other: number };
  /**
   * Large messages: the CPU-bound ceilings over the raw TCP copy's throughput (see
   * cpuBoundMbPerS), with the broker's CPU per MiB (rx-mq runs) alone, with the raw copy's own CPU
   * per MiB added (a client that costs what writing and reading each byte once through a loopback
   * socket costs, as a client that sends and receives every message must do), and with rx-mq's
   * added; none when the broker's CPU is unknown or too small to read (a smoke run).
   */
  readonly ceilingShare?: { readonly brokerAlone: number; readonly brokerAndCopy: number; readonly brokerAndOurs: number };
}

export interface IoReport {
  readonly scenarios: readonly ScenarioReport[];
  readonly machine: {
    readonly cpu: string; readonly cores: number; readonly node: string; readonly date: string; readonly load: number;
    readonly versions: Readonly<Record<string, string>>;
  };
  readonly options: IoOptions;
}

export const IO_SMOKE: Omit<IoOptions, 'filter'> = { mode: 'smoke', runs: 1 };
export const IO_FULL: Omit<IoOptions, 'filter'> = { mode: 'full', runs: 5 };

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function versions(): Record<string, string> {
  return {
    'rx-mq': (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version,
    rhea: packageVersion('rhea'),
    '@stomp/stompjs': packageVersion('@stomp/stompjs'),
    '@stomp/tcp-wrapper': packageVersion('@stomp/tcp-wrapper'),
    rxjs: packageVersion('rxjs'),
  };
}

function sideLabel(side: Side, v: Record<string, string>): string {
  switch (side) {
    case 'ours': return 'rx-mq';
    case 'rhea': return `rhea ${v.rhea}`;
    case 'stompjs': return `@stomp/stompjs ${v['@stomp/stompjs']} + tcp-wrapper ${v['@stomp/tcp-wrapper']}`;
    case 'tcp': return 'raw TCP loopback copy';
    case 'floor': return 'floor (minimal raw-socket client)';
    case 'ours-ids-off': return 'rx-mq, messageIds: false';
  }
}

let tagSeq = 0;
/** Longest a full-mode child may run. */
const CHILD_TIMEOUT_MS = 180_000;

function runChild(jobs: readonly IoJob[], o: IoOptions): Promise<IoResult[]> {
  const args = ['--expose-gc', '--import', 'tsx', WORKER, JSON.stringify(jobs)];
  // Profiling covers only the timed regions (see timed() in common.ts), not start-up or warm-up.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [dir, name] of [[o.cpuProfDir, TIMED_PROFILE_DIR_ENV], [o.allocProfDir, TIMED_ALLOC_DIR_ENV]] as const) {
    if (dir === undefined) continue;
    mkdirSync(dir, { recursive: true });
    env[name] = resolvePath(dir);
  }
  // A child that hangs (a broker that stopped answering) is ended; the caller may retry it.
  return runJsonChild<IoResult[]>(args, { cwd: ROOT, env, timeoutMs: CHILD_TIMEOUT_MS, what: `worker ${jobs.map((j) => `${j.scenario}/${j.side}`).join(', ')}` });
}

function stat(xs: readonly number[]): Stat {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function rateOf(unit: Scenario['unit'], r: IoResult): number {
  return unit === 'MB' ? r.bytes / 1e6 / (r.ms / 1000) : r.count / (r.ms / 1000);
}

/** MB/s (10^6 bytes) of 1 MiB messages that `us` CPU per MiB allows on `cpus` CPUs, all busy. */
export function cpuBoundMbPerS(us: number, cpus: number): number {
  return ((cpus * 1e6) / us) * (1_048_576 / 1e6);
}

/**
 * A scenario's report from its sides (rx-mq first, the other library second, a baseline last):
 * every ratio the tables, the chart and the target checks show is derived here, once.
 */
export function scenarioReport(
  s: Pick<ScenarioReport, 'id' | 'group' | 'label' | 'unit' | 'count'>,
  sides: readonly SideReport[],
  cores: number,
): ScenarioReport {
  const [ours, other] = sides;
  const floor = sides.find((x) => x.side === 'floor');
  const idsOff = sides.find((x) => x.side === 'ours-ids-off');
  const tcpSide = sides.find((x) => x.side === 'tcp');
  const tcp = tcpSide?.rate.median;
  const broker = ours.peerCpuPerMsg?.median;
  const share = (mbPerS: number): number => mbPerS / (tcp as number);
  return {
    ...s, sides,
    rateRatio: ours.rate.median / other.rate.median,
    cpuRatio: ours.cpuPerMsg.median / other.cpuPerMsg.median,
    userRatio: ours.userPerMsg.median / other.userPerMsg.median,
    ...(floor === undefined ? {} : { floorCpuRatio: floor.cpuPerMsg.median / other.cpuPerMsg.median }),
    ...(idsOff === undefined ? {} : { defaultPathRatio: ours.cpuPerMsg.median / idsOff.cpuPerMsg.median }),
    ...(tcp === undefined ? {} : { tcpShare: { ours: share(ours.rate.median), other: share(other.rate.median) } }),
    ...(tcpSide === undefined || broker === undefined || broker <= 0 ? {} : {
      ceilingShare: {
        brokerAlone: share(cpuBoundMbPerS(broker, cores)),
        brokerAndCopy: share(cpuBoundMbPerS(broker + tcpSide.cpuPerMsg.median, cores)),
        brokerAndOurs: share(cpuBoundMbPerS(broker + ours.cpuPerMsg.median, cores)),
      },
    }),
  };
}

export function selectScenarios(filter: readonly string[]): Scenario[] {
  return SCENARIOS.filter((s) => filter.length === 0 || filter.some((f) => s.id.startsWith(f)));
}

function job(s: Scenario, side: Side, mode: Mode): IoJob {
  const size = s.sizes[mode];
  return { scenario: s.id, side, count: size.count, warmup: size.warmup, tag: `${side}-${process.pid}-${++tagSeq}` };
}

export async function runIo(o: IoOptions, log: (line: string) => void = () => {}): Promise<IoReport> {
  const load = os.loadavg()[0];
  const cpus = os.cpus();
  const cores = cpus.length;
  const v = versions();
  const chosen = selectScenarios(o.filter);
  const results = new Map<string, IoResult[]>();
  const key = (scenario: string, side: Side): string => `${scenario}/${side}`;
  const record = (rs: readonly IoResult[]) => {
    for (const r of rs) {
      const k = key(r.scenario, r.side as Side);
      results.set(k, [...(results.get(k) ?? []), r]);
    }
  };
  if (o.mode === 'smoke') {
    // One child per client library, running every chosen scenario once; the children run at the
    // same time (smoke numbers mean nothing, so they need not be quiet) to keep CI short.
    const libs = [...new Set(chosen.flatMap((s) => s.sides))];
    const all = await Promise.all(libs.map((side) => {
      const jobs = chosen.filter((s) => s.sides.includes(side)).map((s) => job(s, side, 'smoke'));
      log(`smoke: ${side} (${jobs.length} scenarios)`);
      return runChild(jobs, o);
    }));
    for (const rs of all) record(rs);
  } else {
    for (const s of chosen) {
      for (let round = 0; round < o.runs; round++) {
        const order = s.sides.map((_, i) => s.sides[(i + round) % s.sides.length]);
        for (const side of order) {
          let r: IoResult;
          try {
            [r] = await runChild([job(s, side, 'full')], o);
          } catch (e) {
            // One retry with a fresh child (and fresh queues): brokers on a shared machine hiccup.
            log(`${s.id} round ${round + 1}/${o.runs} ${side}: failed (${(e as Error).message.split('\n')[0]}), retrying once`);
            [r] = await runChild([job(s, side, 'full')], o);
          }
          log(`${s.id} round ${round + 1}/${o.runs} ${side}: ${rateOf(s.unit, r).toFixed(1)} ${s.unit}/s, ${(r.cpuUs / r.count).toFixed(1)} us CPU/${s.unit === 'MB' ? 'MiB' : 'msg'} (user ${((r.cpuUs - r.sysUs) / r.count).toFixed(1)})${r.rssGrowthMb === undefined ? '' : `, RSS +${r.rssGrowthMb.toFixed(1)} MB`}${r.peerCpuUs === undefined ? '' : `, broker ${(r.peerCpuUs / r.count).toFixed(1)} us CPU/MiB`}`);
          record([r]);
        }
      }
    }
  }
  const scenarios = chosen.map((s): ScenarioReport => {
    const sides = s.sides.map((side): SideReport => {
      const rs = results.get(key(s.id, side)) ?? [];
      return {
        side, label: sideLabel(side, v), results: rs,
        rate: stat(rs.map((r) => rateOf(s.unit, r))),
        cpuPerMsg: stat(rs.map((r) => r.cpuUs / r.count)),
        userPerMsg: stat(rs.map((r) => (r.cpuUs - r.sysUs) / r.count)),
        ...(rs.length > 0 && rs.every((r) => r.peerCpuUs !== undefined)
          ? { peerCpuPerMsg: stat(rs.map((r) => (r.peerCpuUs ?? 0) / r.count)) } : {}),
        ...(rs.length > 0 && rs[0].rssGrowthMb !== undefined ? {
          rssGrowth: stat(rs.map((r) => r.rssGrowthMb ?? 0)),
          heapGrowth: stat(rs.map((r) => r.heapGrowthMb ?? 0)),
          maxInFlight: stat(rs.map((r) => r.maxInFlight ?? 0)),
        } : {}),
      };
    });
    return scenarioReport({ id: s.id, group: s.group, label: s.label, unit: s.unit, count: s.sizes[o.mode].count }, sides, cores);
  });
  return {
    scenarios,
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores, node: process.version, date: new Date().toISOString(), load, versions: v },
    options: o,
  };
}
