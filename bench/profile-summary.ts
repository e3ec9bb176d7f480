/**
 * Self time per function of V8 CPU profiles (`--cpu-prof` output), largest first, as a share of
 * the busy (non-idle) samples.
 * Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [more files...] [--top N]
 * Each file is summarised on its own; functions are keyed by name and source file (base name),
 * so inlined or duplicated entries of one function add up.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Entry { readonly key: string; readonly us: number; readonly pct: number }

/** Self time per function key, in microseconds and as a share of all samples. */
export function summarise(p: Profile): { total: number; busy: number; entries: Entry[] } {
  const byId = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    if (n === undefined) continue;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const f = n.callFrame;
    if (f.functionName === '(idle)') { idle += dt; continue; }
    const file = f.url === '' ? '' : basename(f.url.replace(/\?.*$/, ''));
    const key = `${f.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const busy = total - idle;
  const entries = [...self].map(([key, us]) => ({ key, us, pct: (us / busy) * 100 })).sort((a, b) => b.us - a.us);
  return { total, busy, entries };
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = args.filter((a, i) => a !== '--top' && (topAt < 0 || i !== topAt + 1));
for (const file of files) {
  const { total, busy, entries } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  process.stdout.write(`${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (shares below are of busy time)\n`);
  for (const e of entries.slice(0, top)) process.stdout.write(`  ${e.pct.toFixed(1).padStart(5)}%  ${(e.us / 1000).toFixed(1).padStart(8)} ms  ${e.key}\n`);
}
