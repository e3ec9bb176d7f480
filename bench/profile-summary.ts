/**
 * Self time per function of V8 CPU profiles (`--cpu-prof` output), largest first, as a share of
 * the busy (non-idle) samples; and bytes allocated per function of sampled allocation profiles
 * (`--alloc-prof` output, `.heapprofile`), largest first, as a share of all sampled bytes.
 * Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile|FILE.heapprofile [more files...] [--top N]
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

/** One function's share: `amount` is microseconds (CPU profiles) or bytes (allocation profiles). */
export interface Entry { readonly key: string; readonly amount: number; readonly pct: number }

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
    const key = keyOf(f);
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const busy = total - idle;
  const entries = [...self].map(([key, us]) => ({ key, amount: us, pct: (us / busy) * 100 })).sort((a, b) => b.amount - a.amount);
  return { total, busy, entries };
}

/** A function as "name file" (base name, no query), so that its inlined copies add up. */
function keyOf(f: { readonly functionName: string; readonly url: string }): string {
  const file = f.url === '' ? '' : basename(f.url.replace(/\?.*$/, ''));
  return `${f.functionName || '(anonymous)'}${file === '' ? '' : ` ${file}`}`;
}

interface AllocationNode {
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly selfSize: number;
  readonly children: readonly AllocationNode[];
}

/** Bytes allocated per function key (self, not callees), as totals and shares. */
export function summariseAllocations(p: { readonly head: AllocationNode }): { total: number; entries: Entry[] } {
  const self = new Map<string, number>();
  let total = 0;
  const stack: AllocationNode[] = [p.head];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n.selfSize > 0) {
      const k = keyOf(n.callFrame);
      self.set(k, (self.get(k) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    stack.push(...n.children);
  }
  const entries = [...self].map(([key, bytes]) => ({ key, amount: bytes, pct: (bytes / total) * 100 })).sort((a, b) => b.amount - a.amount);
  return { total, entries };
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = args.filter((a, i) => a !== '--top' && (topAt < 0 || i !== topAt + 1));
for (const file of files) {
  if (file.endsWith('.heapprofile')) {
    const { total, entries } = summariseAllocations(JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode });
    process.stdout.write(`${basename(file)}: ${(total / 2 ** 20).toFixed(1)} MB allocated (sampled)\n`);
    for (const e of entries.slice(0, top)) process.stdout.write(`  ${e.pct.toFixed(1).padStart(5)}%  ${(e.amount / 2 ** 20).toFixed(2).padStart(8)} MB  ${e.key}\n`);
    continue;
  }
  const { total, busy, entries } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  process.stdout.write(`${basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (shares below are of busy time)\n`);
  for (const e of entries.slice(0, top)) process.stdout.write(`  ${e.pct.toFixed(1).padStart(5)}%  ${(e.amount / 1000).toFixed(1).padStart(8)} ms  ${e.key}\n`);
}
