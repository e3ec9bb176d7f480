/**
 * The ratios chart linked from BENCHMARKS.md: for every I/O scenario, rx-mq's median CPU per
 * message and median throughput over the other library's (rhea, @stomp/stompjs), as horizontal
 * bars, with lines at 1 (parity) and 0.25 (the CPU target of issue #7) and, for AMQP send and
 * receive, a tick where the floor (floor.ts, a minimal client: a reference, not a proven limit) lies. Plain SVG written here,
 * no dependency. The latest ratios of each scenario are kept in bench/ratios.json, so a run of a
 * few scenarios (`--only`) updates their bars and keeps the others.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IoReport } from './harness.js';

export interface RatioEntry {
  readonly id: string;
  readonly label: string;
  /** Library compared with. */
  readonly other: string;
  readonly cpuRatio: number;
  /** The same over user-space CPU only (absent in entries from before it was measured). */
  readonly userRatio?: number;
  readonly rateRatio: number;
  /** Large messages: rx-mq's throughput as a share of the raw TCP copy. */
  readonly tcpShare?: number;
  /** AMQP send and receive: the floor's CPU per message over the other library's (see floor.ts). */
  readonly floorCpuRatio?: number;
  readonly date: string;
}

const JSON_FILE = fileURLToPath(new URL('../ratios.json', import.meta.url));
const SVG_FILE = fileURLToPath(new URL('../ratios.svg', import.meta.url));
/** Path of the chart relative to the repository root (for the markdown link). */
export const CHART_PATH = 'bench/ratios.svg';

const ORDER = ['amqp-send', 'amqp-receive', 'amqp-self', 'large', 'stomp', 'amqp-memory'];

/** Merge this report's ratios into bench/ratios.json and redraw bench/ratios.svg. */
export function updateRatioChart(r: IoReport): void {
  let entries: RatioEntry[] = [];
  try { entries = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as RatioEntry[]; } catch { /* first run */ }
  for (const s of r.scenarios) {
    if (s.group === 'memory') continue; // paced by a timer: its ratios say nothing
    const e: RatioEntry = {
      id: s.id, label: s.label, other: s.sides[1].label, cpuRatio: s.cpuRatio, userRatio: s.userRatio, rateRatio: s.rateRatio,
      ...(s.tcpShare === undefined ? {} : { tcpShare: s.tcpShare.ours }),
      ...(s.floorCpuRatio === undefined ? {} : { floorCpuRatio: s.floorCpuRatio }),
      date: r.machine.date,
    };
    entries = [...entries.filter((x) => x.id !== e.id), e];
  }
  const rank = (id: string): number => {
    const i = ORDER.findIndex((p) => id.startsWith(p));
    return i < 0 ? ORDER.length : i;
  };
  entries.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
  writeFileSync(JSON_FILE, `${JSON.stringify(entries, null, 2)}\n`);
  writeFileSync(SVG_FILE, ratioSvg(entries));
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The chart itself. */
export function ratioSvg(entries: readonly RatioEntry[]): string {
  const left = 330;
  const width = 900;
  const plot = width - left - 40;
  const rowH = 44;
  const top = 58;
  const max = Math.max(2, Math.ceil(Math.max(...entries.flatMap((e) => [e.cpuRatio, e.rateRatio]).filter(Number.isFinite), 1) * 2) / 2);
  const x = (v: number): number => left + (Math.min(v, max) / max) * plot;
  const height = top + entries.length * rowH + 50;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">rx-mq / other library (medians of the latest runs)</text>`);
  out.push(`<rect x="${left}" y="30" width="12" height="10" fill="#d9534f"/><text x="${left + 16}" y="39">CPU per message (below 1: rx-mq cheaper)</text>`);
  out.push(`<rect x="${left + 270}" y="30" width="12" height="10" fill="#337ab7"/><text x="${left + 286}" y="39">throughput (above 1: rx-mq faster)</text>`);
  out.push(`<rect x="${left + 490}" y="29" width="2" height="12" fill="#000"/><text x="${left + 497}" y="39">floor (minimal client)</text>`);
  for (let t = 0; t <= max + 1e-9; t += 0.5) {
    const gx = x(t);
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + entries.length * rowH}" stroke="${t === 1 ? '#333' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${gx}" y="${top + entries.length * rowH + 16}" text-anchor="middle">${t.toFixed(1)}</text>`);
  }
  const target = x(0.25);
  out.push(`<line x1="${target}" y1="${top - 6}" x2="${target}" y2="${top + entries.length * rowH}" stroke="#d9534f" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${target + 3}" y="${top + entries.length * rowH + 32}" fill="#d9534f">CPU target 0.25</text>`);
  entries.forEach((e, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(e.id)}</text>`);
    out.push(`<text x="${left - 8}" y="${y + 30}" text-anchor="end" fill="#666" font-size="10">vs ${esc(e.other)}${e.userRatio === undefined ? '' : `; user-space CPU ${e.userRatio.toFixed(2)}x`}${e.tcpShare === undefined ? '' : `; rx-mq ${(e.tcpShare * 100).toFixed(1)}% of raw TCP`}</text>`);
    const bar = (v: number, dy: number, color: string): void => {
      if (!Number.isFinite(v)) return;
      out.push(`<rect x="${left}" y="${y + dy}" width="${Math.max(1, x(v) - left)}" height="14" fill="${color}"/>`);
      out.push(`<text x="${x(v) + 4}" y="${y + dy + 11}">${v.toFixed(2)}x${v > max ? ' (clipped)' : ''}</text>`);
    };
    bar(e.cpuRatio, 4, '#d9534f');
    bar(e.rateRatio, 20, '#337ab7');
    if (e.floorCpuRatio !== undefined && Number.isFinite(e.floorCpuRatio)) {
      // The least any client reaches here: a black tick across the CPU bar.
      const fx = x(e.floorCpuRatio);
      out.push(`<line x1="${fx}" y1="${y + 1}" x2="${fx}" y2="${y + 21}" stroke="#000" stroke-width="2"/>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
