/**
 * The fuzz harness's randomness: a small seeded generator (mulberry32), so that a case is fully
 * named by (seed, index) and any failure can be replayed with `npm run fuzz -- --seed N`.
 */
import { concatParts } from '../../../src/amqp/engine/output.js';
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** The seed of case `index` of a run seeded with `seed` (each case replayable on its own). */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** The parts as one new array (never one of the parts itself: cases mutate what they get). */
export const concat = (parts: readonly Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0].slice() : concatParts(parts));

/** Values that break naive size and count arithmetic, as 32-bit fields. */
export const HOSTILE_U32: readonly number[] = [0, 1, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/**
 * Mutate `input`: a few of bit flips, random bytes, insertions, deletions, duplicated ranges,
 * hostile 32-bit and 8-bit values written over what may be sizes and counts, truncation.
 */
export function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  let b = Array.from(input);
  const n = 1 + rng.int(rng.chance(0.8) ? 4 : 32);
  for (let k = 0; k < n; k++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(8)) {
      case 0: if (b.length > 0) b[at] ^= 1 << rng.int(8); break;
      case 1: if (b.length > 0) b[at] = rng.int(256); break;
      case 2: b.splice(at, 0, ...rng.bytes(1 + rng.int(16))); break;
      case 3: b.splice(at, 1 + rng.int(16)); break;
      case 4: { const len = 1 + rng.int(64); b.splice(rng.int(b.length + 1), 0, ...b.slice(at, at + len)); break; }
      case 5: {
        const v = rng.pick(HOSTILE_U32);
        for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v >>> (24 - 8 * i)) & 0xff;
        break;
      }
      case 6: if (b.length > 0) b[at] = rng.pick([0x00, 0x40, 0x45, 0x53, 0x70, 0x71, 0x80, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0, 0xff]); break;
      case 7: b = b.slice(0, at); break;
    }
  }
  return Uint8Array.from(b);
}

/** Cut bytes into 1 to 4 writes at random places (read boundaries matter to parsers). */
export function chunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const cuts = new Set<number>();
  const k = rng.int(4);
  for (let i = 0; i < k && bytes.length > 1; i++) cuts.add(1 + rng.int(bytes.length - 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of sorted) { out.push(bytes.subarray(prev, c)); prev = c; }
  out.push(bytes.subarray(prev));
  return out;
}
