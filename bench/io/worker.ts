/**
 * Child-process entry of the I/O benchmarks: runs the given jobs one after another and prints
 * their results as one JSON array on the last line, then exits (closing connections is not timed).
 * Usage: node --import tsx bench/io/worker.ts '<json: [{ scenario, side, count, warmup, tag }]>'
 */
import type { IoResult } from './common.js';
import { scenarioById, type Side } from './scenarios.js';

export interface IoJob {
  readonly scenario: string;
  readonly side: Side;
  readonly count: number;
  readonly warmup: number;
  readonly tag: string;
}

async function main(): Promise<void> {
  const jobs = JSON.parse(process.argv[2] ?? '[]') as IoJob[];
  const results: IoResult[] = [];
  for (const j of jobs) {
    results.push(await scenarioById(j.scenario).run(j.side, { count: j.count, warmup: j.warmup, tag: j.tag }));
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
