/**
 * `npm run bench`: every benchmark side by side - the codec (rx-mq vs rhea), the I/O scenarios
 * against the local brokers (AMQP send/receive vs rhea, STOMP vs @stomp/stompjs, 1 MiB messages
 * vs a raw TCP copy), latency (one-way at fixed loads, request/reply), the cold start of a fresh
 * process, and the long-run memory of steady traffic. Prints markdown and updates the matching
 * sections of BENCHMARKS.md; a run of everything ends with the table of every target checked.
 *
 *   --smoke          each side once with small counts; writes nothing (CI runs this)
 *   --only a,b       only the benchmarks whose id starts with a or b ("codec", "amqp-send",
 *                    "amqp-receive-rabbit", "stomp", "large", "latency", "cold", "long-run", ...);
 *                    see bench/README.md
 *   --runs N         rounds per I/O scenario in full mode (default 5)
 *   --cpu-prof DIR   write V8 CPU profiles into DIR (writes no file): of every codec child, and of
 *                    every timed region of the I/O children (no start-up, warm-up or clean-up)
 *   --alloc-prof DIR write sampled allocation profiles of every timed I/O region into DIR (writes
 *                    no file); `npx tsx bench/profile-summary.ts` reads both kinds
 *   --json           also print the raw reports as JSON
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { FULL_OPTIONS, SMOKE_OPTIONS, formatReport, runBenchmark } from './harness.js';
import { CHART_PATH, updateRatioChart } from './io/chart.js';
import { formatIoSections } from './io/format.js';
import { IO_FULL, IO_SMOKE, runIo, selectScenarios, type IoReport } from './io/harness.js';
import { formatLatency, latencyTargets, runLatency, selectLatency } from './io/latency-report.js';
import { checkLongRun, formatLongRun, LONG_RUN_FULL, LONG_RUN_SMOKE, runLongRun } from './io/long-run.js';
import { formatTargets, targetRow, type TargetRow } from './io/targets.js';
import { mergeSections, type Section } from './markdown.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const smoke = args.includes('--smoke');
const cpuProfDir = flag('--cpu-prof');
const allocProfDir = flag('--alloc-prof');
/** Profiled runs measure the profiler too: they write no tables. */
const profiling = cpuProfDir !== undefined || allocProfDir !== undefined;
const only = (flag('--only') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
const runsArg = flag('--runs');
const wants = (id: string): boolean => only.length === 0 || only.some((f) => id.startsWith(f));
/** Benchmarks that are not I/O scenarios of io/scenarios.ts: a filter naming one of them is not an I/O filter. */
const OTHER_IDS = ['codec', 'latency', 'long-run'];
const log = (line: string): void => { process.stderr.write(`${line}\n`); };
const machineLine = (): string => {
  const cpus = os.cpus();
  return `Machine: ${cpus[0]?.model.trim() ?? 'unknown'} (${cpus.length} logical CPUs, brokers on the same machine), Node ${process.version}, `
    + `${new Date().toISOString()}, load average ${os.loadavg()[0].toFixed(2)} at the end${smoke ? ' (SMOKE run: numbers not meaningful)' : ''}.`;
};

const sections: Section[] = [];
const json: unknown[] = [];
/** Targets checked by the benchmarks other than the I/O scenarios, for the closing table. */
const extraTargets: TargetRow[] = [];
const emit = (s: Section): void => {
  process.stdout.write(`${s.text}\n`);
  sections.push(s);
};

if (wants('codec')) {
  const report = await runBenchmark({ ...(smoke ? SMOKE_OPTIONS : FULL_OPTIONS), cpuProfDir });
  const text = formatReport(report);
  emit({ heading: text.split('\n')[0], text });
  json.push(report);
  extraTargets.push(targetRow('codec ops/s, rx-mq / rhea', 'encode + decode of the representative message', report.ratio, 3, 'min', 'x'));
}

const ioFilter = only.filter((f) => !OTHER_IDS.some((id) => id.startsWith(f)));
let ioReport: IoReport | undefined;
if ((only.length === 0 || ioFilter.length > 0) && selectScenarios(ioFilter).length > 0) {
  const base = smoke ? IO_SMOKE : IO_FULL;
  ioReport = await runIo(
    { ...base, runs: runsArg !== undefined ? Number(runsArg) : base.runs, filter: ioFilter, cpuProfDir, allocProfDir },
    log,
  );
  for (const s of formatIoSections(ioReport)) emit(s);
  json.push(ioReport);
  if (!smoke && !profiling) {
    updateRatioChart(ioReport);
    sections.push({
      heading: '## Ratios chart',
      text: `## Ratios chart\n\n![rx-mq / other library: CPU per message and throughput, per scenario](${CHART_PATH})\n\n`
        + `[${CHART_PATH}](${CHART_PATH}) (drawn by bench/io/chart.ts from bench/ratios.json, the latest medians of each scenario).\n`,
    });
  }
}

const latencyFilter = only.filter((f) => f.startsWith('latency') || 'latency'.startsWith(f));
if (only.length === 0 || latencyFilter.length > 0) {
  const filter = latencyFilter.filter((f) => f.length > 'latency'.length);
  if (selectLatency(filter).length > 0) {
    const r = await runLatency({ mode: smoke ? 'smoke' : 'full', runs: runsArg !== undefined ? Number(runsArg) : 3, filter }, log);
    emit(formatLatency(r));
    json.push(r);
    extraTargets.push(...latencyTargets(r));
  }
}

if (wants('long-run')) {
  const r = await runLongRun(smoke ? LONG_RUN_SMOKE : LONG_RUN_FULL, log);
  emit(formatLongRun(r, machineLine()));
  json.push(r);
  for (const c of checkLongRun(r)) extraTargets.push(targetRow(`long-run ${c.what}, MB`, `${r.seconds} s of AMQP + STOMP at ${r.rate} msg/s each`, c.value, c.limit, 'max', 'MB'));
}

// The targets table only for a run of everything: a partial run would drop rows from it.
if (only.length === 0 && ioReport !== undefined) emit(formatTargets(ioReport, extraTargets));

if (sections.length === 0) {
  process.stderr.write(`no benchmark matches --only ${only.join(',')}\n`);
  process.exit(2);
}
if (args.includes('--json')) process.stdout.write(`\n${JSON.stringify(json)}\n`);
if (!smoke && !profiling) {
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
  let existing = '# Benchmarks\n';
  try { existing = readFileSync(file, 'utf8'); } catch { /* first run */ }
  writeFileSync(file, mergeSections(existing, sections));
}
