/**
 * Runs the codec benchmark side by side: alternating child processes (ours, rhea, ours, ...) so
 * that drift in machine load hits both sides alike, then medians, spreads and the ratio.
 */
import { runJsonChild } from './child.js';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SideName } from './codec.js';
import type { WorkerResult } from './worker.js';
import { median } from './stats.js';

export interface BenchOptions {
  /** Runs per side (alternating). */
  readonly runs: number;
  readonly measureMs: number;
  readonly warmupMs: number;
  /** Directory for `node --cpu-prof` profiles of every child, when profiling. */
  readonly cpuProfDir?: string;
}

export interface SideSummary {
  readonly side: SideName;
  readonly runs: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface BenchReport {
  readonly ours: SideSummary;
  readonly rhea: SideSummary;
  /** median(ours) / median(rhea). */
  readonly ratio: number;
  readonly payloadBytes: number;
  readonly machine: {
    readonly cpu: string; readonly cores: number; readonly node: string; readonly rhea: string; readonly date: string;
    /** 1-minute load average when the run started: a busy machine explains a wide spread. */
    readonly load: number;
  };
  readonly options: BenchOptions;
}

/** CI smoke: each side once, ~0.3 s measured. */
export const SMOKE_OPTIONS: BenchOptions = { runs: 1, measureMs: 300, warmupMs: 100 };
/** The real thing: 7 alternating runs per side (the issue asks for at least 5). */
export const FULL_OPTIONS: BenchOptions = { runs: 7, measureMs: 1500, warmupMs: 500 };

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runWorker(side: SideName, o: BenchOptions): Promise<WorkerResult> {
  const args = ['--import', 'tsx'];
  if (o.cpuProfDir !== undefined) args.push('--cpu-prof', '--cpu-prof-dir', o.cpuProfDir);
  args.push(WORKER, side, String(o.measureMs), String(o.warmupMs));
  return runJsonChild<WorkerResult>(args, { cwd: ROOT, what: `${side} worker` });
}

function summarise(side: SideName, runs: readonly number[]): SideSummary {
  return { side, runs, median: median(runs), min: Math.min(...runs), max: Math.max(...runs) };
}

function rheaVersion(): string {
  const req = createRequire(import.meta.url);
  return (req('rhea/package.json') as { version: string }).version;
}

export async function runBenchmark(o: BenchOptions): Promise<BenchReport> {
  const load = os.loadavg()[0];
  const results: Record<SideName, number[]> = { ours: [], rhea: [] };
  let payloadBytes = 0;
  for (let i = 0; i < o.runs; i++) {
    // Alternate which side goes first in each round as well.
    const order: SideName[] = i % 2 === 0 ? ['ours', 'rhea'] : ['rhea', 'ours'];
    for (const side of order) {
      const r = await runWorker(side, o);
      results[side].push(r.opsPerSec);
      if (side === 'ours') payloadBytes = r.bytes;
    }
  }
  const ours = summarise('ours', results.ours);
  const rhea = summarise('rhea', results.rhea);
  const cpus = os.cpus();
  return {
    ours, rhea, ratio: ours.median / rhea.median, payloadBytes,
    machine: {
      cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version,
      rhea: rheaVersion(), date: new Date().toISOString(), load,
    },
    options: o,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatReport(r: BenchReport): string {
  const row = (name: string, s: SideSummary): string =>
    `| ${name} | ${fmt(s.median)} | ${fmt(s.min)} - ${fmt(s.max)} | ${s.runs.length} |`;
  return [
    '## Codec: encode + decode of one message (header, properties, 10 application properties, 1 KiB data)',
    '',
    `Payload ${r.payloadBytes} bytes as four described sections (0x70, 0x73, 0x74, 0x75). One op = build the`,
    'typed sections from a plain message object, encode them to bytes, decode the bytes back to typed values',
    '(rx-mq: `AmqpValue`; rhea: `rhea.message.encode` and `types.Reader` to `Typed`). Each run is a fresh',
    `child process, ${r.options.warmupMs} ms warm-up then ${r.options.measureMs} ms measured, sides alternating.`,
    '',
    '| codec | median ops/s | spread (min - max) | runs |',
    '|---|---:|---:|---:|',
    row('rx-mq', r.ours),
    row(`rhea ${r.machine.rhea}`, r.rhea),
    '',
    `**Ratio rx-mq / rhea (medians): ${r.ratio.toFixed(2)}x**`,
    '',
    `Machine: ${r.machine.cpu} (${r.machine.cores} logical CPUs), Node ${r.machine.node}, rhea ${r.machine.rhea}, ${r.machine.date}, load average ${r.machine.load.toFixed(2)} at start.`,
    '',
  ].join('\n');
}
