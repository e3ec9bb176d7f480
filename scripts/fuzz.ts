/**
 * `npm run fuzz -- [--cases N] [--seed N] [--target amqp|stomp|decoders] [--concurrency N] [--first I]`:
 * the fuzz harness of spec/support/fuzz over many cases (default 100,000 per target, every
 * target). Prints cases, crashes, internal errors, hangs and RSS per target, with the case index
 * of the first failures (replay one with `--seed S --first INDEX --cases 1`). Exits 1 on any failure.
 */
import { formatReport, fuzzDecoders, fuzzListener, type FuzzReport, type FuzzTargetName } from '../spec/support/fuzz/run.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const cases = Number(opt('cases') ?? 100_000);
const seed = Number(opt('seed') ?? Date.now() % 0xffffffff);
const concurrency = Number(opt('concurrency') ?? 16);
const first = Number(opt('first') ?? 0);
const targets = (opt('target')?.split(',') ?? ['amqp', 'stomp', 'decoders']) as FuzzTargetName[];
for (const t of targets) {
  if (!['amqp', 'stomp', 'decoders'].includes(t)) throw new Error(`unknown target ${t}: amqp, stomp or decoders`);
}
if (!Number.isInteger(cases) || cases <= 0 || !Number.isInteger(seed)) throw new Error('--cases and --seed take whole numbers');

const progress = (r: FuzzReport): void => { console.log(`  ... ${formatReport(r)}`); };
let failed = false;
for (const target of targets) {
  const t0 = Date.now();
  const r = target === 'decoders'
    ? fuzzDecoders({ cases, seed, first, onProgress: progress, progressEvery: 10_000 })
    : await fuzzListener(target, { cases, seed, first, concurrency, onProgress: progress, progressEvery: 10_000 });
  console.log(`${formatReport(r)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of r.failures) console.log(`  case ${f.index} (${f.family}): ${f.kind}: ${f.message}`);
  if (r.crashes + r.internal + r.hangs > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
