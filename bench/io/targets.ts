/**
 * The speed targets, checked against one run's medians: one row per scenario a target covers,
 * with the value, the limit, whether it is met, and the run's own reference bound where it has
 * one (the floor's ratio for AMQP send and receive, the broker's CPU-bound ceiling for large
 * messages). The bounds are evidence, not proofs: the floor is one minimal client, and rx-mq
 * has beaten it (it batches writes differently), so a miss where the bound misses too is
 * marked as such, not declared unreachable.
 */
import type { IoReport, ScenarioReport } from './harness.js';
import type { Scenario } from './scenarios.js';

export type Verdict = 'met' | 'missed' | 'missed, bound misses too';

export interface TargetRow {
  readonly target: string;
  readonly scenario: string;
  /** The run's median (a ratio, a percentage or MB). */
  readonly value: number;
  readonly limit: number;
  /** 'max': the value must not exceed the limit; 'min': it must reach it. */
  readonly sense: 'max' | 'min';
  /** The run's reference bound (the floor's ratio, the broker's ceiling), where it has one. */
  readonly bound?: number;
  readonly verdict: Verdict;
  readonly unit: 'x' | '%' | 'MB';
}

interface TargetRule {
  readonly target: string;
  readonly groups: readonly Scenario['group'][];
  readonly unit: TargetRow['unit'];
  readonly limit: number;
  /** 'max': the value must not exceed the limit; 'min': it must reach it. */
  readonly sense: 'max' | 'min';
  value(s: ScenarioReport): number;
  bound?(s: ScenarioReport): number | undefined;
  /** Only the scenarios of the groups for which this holds (default: all of them). */
  applies?(s: ScenarioReport): boolean;
}

const RULES: readonly TargetRule[] = [
  {
    target: 'AMQP CPU per message, rx-mq / rhea', groups: ['amqp-send', 'amqp-receive', 'amqp-self'], unit: 'x', limit: 0.25, sense: 'max',
    value: (s) => s.cpuRatio,
    bound: (s) => s.floorCpuRatio,
  },
  {
    // Issue 28: a fresh process's first messages (CLIs, serverless functions, test suites).
    target: 'cold start CPU per message, rx-mq / rhea', groups: ['cold'], unit: 'x', limit: 0.25, sense: 'max',
    value: (s) => s.cpuRatio,
  },
  {
    // "The default path is the fast path" (issue 28): a generated id on each message costs no more.
    target: 'AMQP default path (generated ids) / messageIds: false, CPU per message', groups: ['amqp-self'], unit: 'x', limit: 1.1, sense: 'max',
    value: (s) => s.defaultPathRatio ?? NaN,
    applies: (s) => s.defaultPathRatio !== undefined,
  },
  {
    target: 'STOMP CPU per message, rx-mq / stompjs', groups: ['stomp'], unit: 'x', limit: 0.5, sense: 'max',
    value: (s) => s.cpuRatio,
  },
  {
    target: '1 MiB throughput, % of raw TCP', groups: ['large'], unit: '%', limit: 60, sense: 'min',
    value: (s) => (s.tcpShare?.ours ?? NaN) * 100,
    bound: (s) => (s.ceilingShare === undefined ? undefined : s.ceilingShare.brokerAndCopy * 100),
  },
  {
    target: 'slow-consumer RSS growth, MB', groups: ['memory'], unit: 'MB', limit: 30, sense: 'max',
    value: (s) => s.sides[0].rssGrowth?.median ?? NaN,
  },
];

export function checkTargets(r: IoReport): TargetRow[] {
  return RULES.flatMap((rule) => r.scenarios.filter((s) => rule.groups.includes(s.group) && (rule.applies?.(s) ?? true)).map((s): TargetRow => {
    const value = rule.value(s);
    const bound = rule.bound?.(s);
    const ok = (x: number): boolean => (rule.sense === 'max' ? x <= rule.limit : x >= rule.limit);
    const verdict: Verdict = ok(value) ? 'met' : bound !== undefined && !ok(bound) ? 'missed, bound misses too' : 'missed';
    return { target: rule.target, scenario: s.label, value, limit: rule.limit, sense: rule.sense, ...(bound === undefined ? {} : { bound }), verdict, unit: rule.unit };
  }));
}

const show = (n: number, unit: TargetRow['unit']): string =>
  unit === 'x' ? `${n.toFixed(2)}x` : unit === '%' ? `${n.toFixed(1)}%` : `${n.toFixed(1)} MB`;

/** A row for a target checked outside the I/O scenarios (codec, latency, cold start, long run). */
export function targetRow(target: string, scenario: string, value: number, limit: number, sense: 'max' | 'min', unit: TargetRow['unit']): TargetRow {
  const ok = sense === 'max' ? value <= limit : value >= limit;
  return { target, scenario, value, limit, sense, verdict: ok ? 'met' : 'missed', unit };
}

/**
 * The targets as a markdown section (only for a run of every scenario: a partial one would hide
 * rows), the I/O scenarios' and then `extra` (the other benchmarks' own checks).
 */
export function formatTargets(r: IoReport, extra: readonly TargetRow[] = []): { heading: string; text: string } {
  const heading = '## Targets, checked against this run';
  const rows = [...checkTargets(r), ...extra];
  const lines = [
    heading, '',
    'Each target against the medians of the run above (same run, every scenario). "Reference bound" is the',
    'run\'s own evidence of what is within reach on this machine: for AMQP send and receive the floor\'s CPU',
    'ratio (bench/io/floor.ts, one minimal client: evidence, not a proof, as rx-mq sometimes beats it), for',
    '1 MiB messages the CPU-bound ceiling with the broker\'s CPU and the raw TCP copy\'s own (a client that',
    'costs only the socket I/O of sending and receiving each byte once). A miss where the bound misses too',
    'is marked so.',
    '',
    '| target | scenario | this run | target | reference bound | verdict |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((x) => `| ${x.target} | ${x.scenario} | ${show(x.value, x.unit)} | ${x.sense === 'min' ? 'at least ' : 'at most '}${show(x.limit, x.unit)} | ${x.bound === undefined ? '' : show(x.bound, x.unit)} | ${x.verdict} |`),
    '',
    `${rows.filter((x) => x.verdict === 'met').length} of ${rows.length} met; ${rows.filter((x) => x.verdict === 'missed, bound misses too').length} missed where the bound misses too; ${rows.filter((x) => x.verdict === 'missed').length} missed.`,
    '',
  ];
  return { heading, text: lines.join('\n') };
}
