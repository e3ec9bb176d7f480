/**
 * `npm run bench`: every benchmark side by side - the codec (rx-mq vs rhea) and the I/O scenarios
 * against the local brokers (AMQP send/receive vs rhea, STOMP vs @stomp/stompjs, 1 MiB messages
 * vs a raw TCP copy). Prints markdown and updates the matching sections of BENCHMARKS.md.
 *
 *   --smoke          each side once with small counts; writes nothing (CI runs this)
 *   --only a,b       only the benchmarks whose id starts with a or b ("codec", "amqp-send",
 *                    "amqp-receive-rabbit", "stomp", "large", ...); see bench/README.md
 *   --runs N         rounds per I/O scenario in full mode (default 5)
 *   --cpu-prof DIR   write V8 CPU profiles into DIR (writes no file): of every codec child, and of
 *                    every timed region of the I/O children (no start-up, warm-up or clean-up)
 *   --alloc-prof DIR write sampled allocation profiles of every timed I/O region into DIR (writes
 *                    no file); `npx tsx bench/profile-summary.ts` reads both kinds
 *   --json           also print the raw reports as JSON
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FULL_OPTIONS, SMOKE_OPTIONS, formatReport, runBenchmark } from './harness.js';
import { CHART_PATH, updateRatioChart } from './io/chart.js';
import { formatIoSections } from './io/format.js';
import { IO_FULL, IO_SMOKE, runIo, selectScenarios } from './io/harness.js';
import { formatTargets } from './io/targets.js';
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

const sections: Section[] = [];
const json: unknown[] = [];

if (wants('codec')) {
  const report = await runBenchmark({ ...(smoke ? SMOKE_OPTIONS : FULL_OPTIONS), cpuProfDir });
  const text = formatReport(report);
  process.stdout.write(`${text}\n`);
  sections.push({ heading: text.split('\n')[0], text });
  json.push(report);
}

const ioFilter = only.filter((f) => !'codec'.startsWith(f));
if ((only.length === 0 || ioFilter.length > 0) && selectScenarios(ioFilter).length > 0) {
  const base = smoke ? IO_SMOKE : IO_FULL;
  const report = await runIo(
    { ...base, runs: runsArg !== undefined ? Number(runsArg) : base.runs, filter: ioFilter, cpuProfDir, allocProfDir },
    (line) => process.stderr.write(`${line}\n`),
  );
  // The targets table only for a run of every scenario: a partial run would drop rows from it.
  const targets = ioFilter.length === 0 ? [formatTargets(report)] : [];
  for (const s of [...formatIoSections(report), ...targets]) {
    process.stdout.write(`${s.text}\n`);
    sections.push(s);
  }
  json.push(report);
  if (!smoke && !profiling) {
    updateRatioChart(report);
    sections.push({
      heading: '## Ratios chart',
      text: `## Ratios chart\n\n![rx-mq / other library: CPU per message and throughput, per scenario](${CHART_PATH})\n\n`
        + `[${CHART_PATH}](${CHART_PATH}) (drawn by bench/io/chart.ts from bench/ratios.json, the latest medians of each scenario).\n`,
    });
  }
}

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
