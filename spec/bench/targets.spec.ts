/**
 * bench/io/targets.ts: each target is checked against the run's medians, and a miss is called
 * "bound misses too" only when the run's own bound (the floor, the broker's CPU ceiling) misses as well.
 */
import { expect } from 'chai';
import { scenarioReport, type IoReport, type ScenarioReport, type SideReport, type Stat } from '../../bench/io/harness.js';
import type { Side, Scenario } from '../../bench/io/scenarios.js';
import { checkTargets, formatTargets } from '../../bench/io/targets.js';

const st = (median: number): Stat => ({ median, min: median, max: median });

function side(s: Side, cpu: number, extra: Partial<SideReport> = {}): SideReport {
  return { side: s, label: s, results: [], rate: st(extra.rate?.median ?? 1000), cpuPerMsg: st(cpu), userPerMsg: st(cpu / 2), ...extra };
}

/** Derived as the harness derives a real run's report (2 CPUs, as in report() below). */
function scenario(id: string, group: Scenario['group'], sides: SideReport[]): ScenarioReport {
  return scenarioReport({ id, group, label: id, unit: group === 'large' ? 'MB' : 'msg', count: 1 }, sides, 2);
}

function report(scenarios: ScenarioReport[]): IoReport {
  return {
    scenarios,
    machine: { cpu: 'test', cores: 2, node: 'v20', date: '2026-12-03', load: 0, versions: {} },
    options: { mode: 'full', runs: 5, filter: [] },
  };
}

describe('bench: targets', () => {
  const r = report([
    scenario('send-met', 'amqp-send', [side('ours', 2), side('rhea', 10), side('floor', 1)]),
    scenario('send-missed', 'amqp-send', [side('ours', 3), side('rhea', 10), side('floor', 1)]),
    scenario('send-floor-above', 'amqp-send', [side('ours', 3), side('rhea', 10), side('floor', 2.8)]),
    scenario('stomp-met', 'stomp', [side('ours', 4), side('stompjs', 10)]),
    scenario('stomp-missed', 'stomp', [side('ours', 6), side('stompjs', 10)]),
    // Large: rx-mq 300 MB/s against 1,000 raw TCP (30%); broker 4,000 us/MiB and the raw copy's
    // 500 us/MiB on 2 CPUs allow 466 MB/s (46.6%; the broker alone 524 MB/s).
    scenario('large-broker-bound', 'large', [
      side('ours', 1000, { rate: st(300), peerCpuPerMsg: st(4000) }), side('rhea', 4000, { rate: st(100) }), side('tcp', 500, { rate: st(1000) }),
    ]),
    // A broker that alone allows 139.8% (1,500 us/MiB), but not with the raw copy's 2,500 us/MiB (52.4%).
    scenario('large-copy-bound', 'large', [
      side('ours', 1000, { rate: st(300), peerCpuPerMsg: st(1500) }), side('rhea', 4000, { rate: st(100) }), side('tcp', 2500, { rate: st(1000) }),
    ]),
    // The same with a cheap broker (500 us/MiB, with the copy 2,097 MB/s, 210%): the miss is rx-mq's.
    scenario('large-missed', 'large', [
      side('ours', 1000, { rate: st(300), peerCpuPerMsg: st(500) }), side('rhea', 4000, { rate: st(100) }), side('tcp', 500, { rate: st(1000) }),
    ]),
    scenario('large-met', 'large', [side('ours', 1000, { rate: st(700) }), side('rhea', 4000, { rate: st(100) }), side('tcp', 500, { rate: st(1000) })]),
    scenario('memory', 'memory', [side('ours', 1, { rssGrowth: st(2) }), side('rhea', 1, { rssGrowth: st(80) })]),
  ]);

  it('checks every scenario a target covers, with the limit and the run\'s own bound', () => {
    const rows = checkTargets(r);
    const by = Object.fromEntries(rows.map((x) => [x.scenario, x]));
    expect(rows.map((x) => x.scenario)).to.deep.equal([
      'send-met', 'send-missed', 'send-floor-above', 'stomp-met', 'stomp-missed', 'large-broker-bound', 'large-copy-bound', 'large-missed', 'large-met', 'memory',
    ]);
    expect(by['send-met']).to.include({ value: 0.2, limit: 0.25, bound: 0.1, verdict: 'met' });
    expect(by['send-missed'].verdict).to.equal('missed');
    expect(by['send-floor-above']).to.include({ verdict: 'missed, bound misses too' });
    expect(by['send-floor-above'].bound).to.be.closeTo(0.28, 1e-12);
    expect(by['stomp-met']).to.include({ value: 0.4, limit: 0.5, verdict: 'met' });
    expect(by['stomp-missed'].verdict).to.equal('missed');
    expect(by['stomp-met'].bound).to.equal(undefined);
    expect(by['large-broker-bound'].value).to.be.closeTo(30, 1e-9);
    expect(by['large-broker-bound'].bound).to.be.closeTo(46.6034, 1e-4);
    expect(by['large-broker-bound'].verdict).to.equal('missed, bound misses too');
    expect(by['large-copy-bound'].bound).to.be.closeTo(52.4288, 1e-9);
    expect(by['large-copy-bound'].verdict).to.equal('missed, bound misses too');
    expect(by['large-missed'].verdict).to.equal('missed');
    expect(by['large-met']).to.include({ verdict: 'met', limit: 60 });
    expect(by.memory).to.include({ value: 2, limit: 30, verdict: 'met' });
  });

  it('formats one table row per check and a count of each verdict', () => {
    const t = formatTargets(r);
    expect(t.text.startsWith(t.heading)).to.equal(true);
    const rows = t.text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target'));
    expect(rows).to.have.length(10);
    expect(rows[0]).to.equal('| AMQP CPU per message, rx-mq / rhea | send-met | 0.20x | at most 0.25x | 0.10x | met |');
    expect(rows[5]).to.equal('| 1 MiB throughput, % of raw TCP | large-broker-bound | 30.0% | at least 60.0% | 46.6% | missed, bound misses too |');
    expect(rows[6]).to.equal('| 1 MiB throughput, % of raw TCP | large-copy-bound | 30.0% | at least 60.0% | 52.4% | missed, bound misses too |');
    expect(t.text).to.contain('4 of 10 met; 3 missed where the bound misses too; 3 missed.');
  });

  it('checks the default path (generated ids) against rx-mq with messageIds: false, only where that side ran', () => {
    const rows = checkTargets(report([
      scenario('self-send', 'amqp-self', [side('ours', 1.05), side('rhea', 10), side('ours-ids-off', 1)]),
      scenario('self-receive', 'amqp-self', [side('ours', 1), side('rhea', 10)]),
      scenario('self-send-slow', 'amqp-self', [side('ours', 3), side('rhea', 20), side('ours-ids-off', 1)]),
    ]));
    const path = rows.filter((x) => x.target.startsWith('AMQP default path'));
    expect(path.map((x) => x.scenario)).to.deep.equal(['self-send', 'self-send-slow']);
    expect(path[0].value).to.be.closeTo(1.05, 1e-12);
    expect(path[0]).to.include({ limit: 1.1, verdict: 'met' });
    expect(path[1]).to.include({ value: 3, verdict: 'missed' });
    // The CPU ratio against rhea still covers all three.
    expect(rows.filter((x) => x.target.startsWith('AMQP CPU')).map((x) => x.scenario)).to.deep.equal(['self-send', 'self-receive', 'self-send-slow']);
  });
});
