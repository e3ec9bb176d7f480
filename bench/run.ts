/**
 * `npm run bench`: the codec benchmark, rx-mq against rhea. Prints a markdown table and writes it
 * to BENCHMARKS.md. `--smoke` runs each side once for ~0.3 s and writes nothing (for CI);
 * `--cpu-prof DIR` writes a V8 CPU profile of every child process into DIR.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FULL_OPTIONS, SMOKE_OPTIONS, formatReport, runBenchmark } from './harness.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const profIndex = args.indexOf('--cpu-prof');
const cpuProfDir = profIndex >= 0 ? args[profIndex + 1] : undefined;

const options = { ...(smoke ? SMOKE_OPTIONS : FULL_OPTIONS), cpuProfDir };

const report = await runBenchmark(options);
const text = formatReport(report);
process.stdout.write(text);
if (args.includes('--json')) process.stdout.write(`\n${JSON.stringify(report)}\n`);
if (!smoke && cpuProfDir === undefined) {
  writeFileSync(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), `# Benchmarks\n\n${text}`);
}
