/**
 * Runs the latency scenarios (latency.ts) side by side and reports them: for every scenario,
 * `runs` rounds of one fresh child per side (the order rotating), then per side the medians over
 * the runs of each percentile, its CPU per message and the rate reached, and the ratios rx-mq /
 * other library. Smoke mode runs each scenario once per side with small counts.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LATENCY_SCENARIOS, runLatencyChild, WARM_UP_MESSAGES, type LatencyResult, type LatencyScenario, type LatencySide } from './latency.js';
import { targetRow, type TargetRow } from './targets.js';
import { median } from '../stats.js';
import { versions } from './harness.js';

export interface LatencySideReport {
  readonly side: LatencySide;
  readonly results: readonly LatencyResult[];
  /** Medians over the runs. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** The largest latency of any run. */
  readonly max: number;
  readonly cpuPerMsgUs: number;
  readonly rate: number;
}

export interface LatencyScenarioReport {
  readonly scenario: LatencyScenario;
  readonly ours: LatencySideReport;
  readonly other: LatencySideReport;
}

export interface LatencyReport { readonly scenarios: readonly LatencyScenarioReport[]; readonly mode: 'smoke' | 'full'; readonly runs: number; readonly load: number }

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tagSeq = 0;

function sideReport(side: LatencySide, rs: readonly LatencyResult[]): LatencySideReport {
  return {
    side, results: rs,
    p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)),
    max: Math.max(...rs.map((r) => r.max)),
    cpuPerMsgUs: median(rs.map((r) => r.cpuUs / r.count)),
    rate: median(rs.map((r) => r.count / (r.ms / 1000))),
  };
}

export function selectLatency(filter: readonly string[]): LatencyScenario[] {
  return LATENCY_SCENARIOS.filter((s) => filter.length === 0 || filter.some((f) => s.id.startsWith(f)));
}

export async function runLatency(o: { mode: 'smoke' | 'full'; runs: number; filter: readonly string[] }, log: (line: string) => void = () => {}): Promise<LatencyReport> {
  const load = os.loadavg()[0];
  const out: LatencyScenarioReport[] = [];
  const runs = o.mode === 'smoke' ? 1 : o.runs;
  const chosen = selectLatency(o.filter);
  if (o.mode === 'smoke') {
    // One child per library running all its scenarios with small counts, the children at once:
    // smoke numbers mean nothing, they only prove every scenario runs end to end.
    const sides = [...new Set(chosen.flatMap((s) => s.sides))];
    const all = (await Promise.all(sides.map((side) => runLatencyChild(
      chosen.filter((s) => s.sides.includes(side)).map((s) => ({ scenario: s.id, side, count: s.sizes.smoke, tag: `${side}-${process.pid}-${++tagSeq}` })),
      ROOT)))).flat();
    for (const s of chosen) {
      const of = (side: LatencySide): LatencyResult[] => all.filter((r) => r.scenario === s.id && r.side === side);
      out.push({ scenario: s, ours: sideReport(s.sides[0], of(s.sides[0])), other: sideReport(s.sides[1], of(s.sides[1])) });
    }
    return { scenarios: out, mode: o.mode, runs, load };
  }
  for (const s of chosen) {
    const results: Record<string, LatencyResult[]> = { [s.sides[0]]: [], [s.sides[1]]: [] };
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? s.sides : [s.sides[1], s.sides[0]];
      for (const side of order) {
        const job = { scenario: s.id, side, count: s.sizes[o.mode], tag: `${side}-${process.pid}-${++tagSeq}` };
        let r: LatencyResult;
        try {
          [r] = await runLatencyChild([job], ROOT);
        } catch (e) {
          log(`${s.id} ${side}: failed (${(e as Error).message.split('\n')[0]}), retrying once`);
          [r] = await runLatencyChild([{ ...job, tag: `${job.tag}-retry` }], ROOT);
        }
        log(`${s.id} round ${round + 1}/${runs} ${side}: p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} max ${r.max.toFixed(1)} ms, ${(r.cpuUs / r.count).toFixed(1)} us CPU/msg, ${Math.round(r.count / (r.ms / 1000))} msg/s`);
        results[side].push(r);
      }
    }
    out.push({ scenario: s, ours: sideReport(s.sides[0], results[s.sides[0]]), other: sideReport(s.sides[1], results[s.sides[1]]) });
  }
  return { scenarios: out, mode: o.mode, runs, load };
}

/** The larger of rx-mq's p50 and p99 ratios to the other library's: the target is at most 1. */
export function latencyRatio(s: LatencyScenarioReport): number {
  return Math.max(s.ours.p50 / s.other.p50, s.ours.p99 / s.other.p99);
}

export function latencyTargets(r: LatencyReport): TargetRow[] {
  return r.scenarios.map((s) => targetRow(
    `latency p50 and p99, rx-mq / ${s.scenario.sides[1] === 'rhea' ? 'rhea' : 'stompjs'} (the larger)`, s.scenario.label, latencyRatio(s), 1, 'max', 'x'));
}

const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatLatency(r: LatencyReport): { heading: string; text: string } {
  const heading = '## Latency: one-way at fixed loads and request/reply, rx-mq vs rhea and @stomp/stompjs';
  const v = versions();
  const name = (side: LatencySide): string => (side === 'ours' ? 'rx-mq' : side === 'rhea' ? `rhea ${v.rhea}` : `@stomp/stompjs ${v['@stomp/stompjs']}`);
  const lines = [
    heading, '',
    'From the send call to the subscriber\'s callback (one-way), or from a request\'s send to its reply\'s arrival',
    '(request/reply), in milliseconds, on the embedded broker (its own process) and on RabbitMQ 3.10. One-way at',
    'a fixed offered load: a timer every 1 ms sends the messages due by then, and a subscriber on the same',
    'connection takes them; "most sustained" keeps 1,000 messages in flight (one sent per arrival) and shows the',
    'rate reached. Request/reply: a responder of the same library on its own connection echoes each request to',
    'a reply queue; the next request goes as a reply arrives, with 1 or 100 in flight. AMQP sends at-least-once',
    'with each library\'s defaults (rx-mq: a generated message-id on each), receivers with credit 500 and auto',
    'accept; STOMP sends without receipts to a SUBSCRIBE with ack:auto; heart-beats off. Each run is a fresh child',
    `process (untimed warm-up: ${WARM_UP_MESSAGES.toLocaleString('en-US')} messages as fast as the library goes, then a fifth of the count at the`,
    `scenario's load; then the timed pass: latency in steady state, the first messages of a process are the cold`,
    `scenario's); ${r.runs} run(s) per side,`,
    'alternating; the table gives medians over the runs (max: the largest of any run) and the client process\'s',
    'CPU (user + system, requester and responder together for request/reply) per message.',
    '',
    '| scenario | client | msg/s | p50 ms | p99 ms | p99.9 ms | max ms | CPU us/msg | runs |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of r.scenarios) {
    for (const [i, x] of [s.ours, s.other].entries()) {
      lines.push(`| ${i === 0 ? s.scenario.label : ''} | ${name(x.side)} | ${int(x.rate)} | ${ms(x.p50)} | ${ms(x.p99)} | ${ms(x.p999)} | ${ms(x.max)} | ${x.cpuPerMsgUs.toFixed(1)} | ${x.results.length} |`);
    }
  }
  lines.push('', '| scenario | p50 rx-mq / other | p99 rx-mq / other | CPU per message rx-mq / other |', '|---|---:|---:|---:|');
  for (const s of r.scenarios) {
    lines.push(`| ${s.scenario.label} | ${(s.ours.p50 / s.other.p50).toFixed(2)}x | ${(s.ours.p99 / s.other.p99).toFixed(2)}x | ${(s.ours.cpuPerMsgUs / s.other.cpuPerMsgUs).toFixed(2)}x |`);
  }
  const cpus = os.cpus();
  lines.push('', `Machine: ${cpus[0]?.model.trim() ?? 'unknown'} (${cpus.length} logical CPUs, brokers on the same machine), Node ${process.version}, `
    + `rx-mq ${v['rx-mq']}, rhea ${v.rhea}, @stomp/stompjs ${v['@stomp/stompjs']}; ${new Date().toISOString()}, load average ${r.load.toFixed(2)} at start`
    + `${r.mode === 'smoke' ? ' (SMOKE run: numbers not meaningful)' : ''}.`, '');
  return { heading, text: lines.join('\n') };
}
