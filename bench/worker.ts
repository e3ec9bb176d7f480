/**
 * Child-process entry: measures one side of the codec benchmark and prints one JSON line.
 * Each side runs in its own fresh process so neither inherits the other's JIT state or garbage.
 * Usage: node --import tsx bench/worker.ts <ours|rhea> <measureMs> <warmupMs>
 */
import { MESSAGE, SIDES, type SideName } from './codec.js';

export interface WorkerResult {
  readonly side: SideName;
  readonly ops: number;
  readonly ms: number;
  readonly opsPerSec: number;
  readonly bytes: number;
}

function isSide(s: string | undefined): s is SideName {
  return s === 'ours' || s === 'rhea';
}

function main(): void {
  const [sideArg, measureArg, warmupArg] = process.argv.slice(2);
  if (!isSide(sideArg)) throw new Error(`unknown side ${String(sideArg)}`);
  const side = SIDES[sideArg];
  const measureMs = Number(measureArg ?? 1000);
  const warmupMs = Number(warmupArg ?? 300);

  // Both sides must really round-trip the payload: four sections, 1 KiB body included.
  const probe = side.encode(MESSAGE);
  if (side.decode(probe) !== 4 || probe.length < MESSAGE.body.length) {
    throw new Error(`${sideArg} did not round-trip the four sections`);
  }

  let sink = 0;
  const runFor = (ms: number): { ops: number; ms: number } => {
    const start = performance.now();
    let ops = 0;
    let now = start;
    // Check the clock every 64 operations so timing overhead stays out of the measurement.
    while (now - start < ms) {
      for (let i = 0; i < 64; i++) sink += side.decode(side.encode(MESSAGE));
      ops += 64;
      now = performance.now();
    }
    return { ops, ms: now - start };
  };
  runFor(warmupMs);
  const { ops, ms } = runFor(measureMs);
  if (sink === 0) throw new Error('nothing decoded');
  const result: WorkerResult = { side: sideArg, ops, ms, opsPerSec: (ops / ms) * 1000, bytes: probe.length };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
