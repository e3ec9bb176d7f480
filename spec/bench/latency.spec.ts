/**
 * bench/io/latency.ts and latency-report.ts, briefly, on the embedded broker (its own process):
 * one scenario of each kind (fixed rate, most sustained, request/reply), over both protocols, runs
 * once per library with small counts and reports sane percentiles (the interop smoke runs every
 * RabbitMQ scenario);
 * the targets are rx-mq's p50 and p99 against the other library's. No timing is asserted.
 */
import { expect } from 'chai';
import { formatLatency, latencyRatio, latencyTargets, runLatency, selectLatency, type LatencyReport } from '../../bench/io/latency-report.js';

describe('bench: latency scenarios (embedded broker, smoke)', function () {
  this.timeout(120_000);
  let report: LatencyReport;
  const FILTER = ['latency-amqp-embedded-10k', 'latency-amqp-embedded-rr100', 'latency-stomp-embedded-1k', 'latency-stomp-embedded-max', 'latency-stomp-embedded-rr1'];

  before(async () => {
    report = await runLatency({ mode: 'smoke', runs: 1, filter: FILTER });
  });

  it('runs one-way at fixed loads, at the most sustained, and request/reply, for both protocols and both libraries', () => {
    const ids = report.scenarios.map((s) => s.scenario.id);
    expect(ids).to.deep.equal(selectLatency(FILTER).map((s) => s.id));
    expect(ids).to.have.length(6); // the rr1 prefix takes rr100 too
    for (const s of report.scenarios) {
      expect(s.ours.side).to.equal('ours');
      expect(s.other.side).to.equal(s.scenario.protocol === 'amqp' ? 'rhea' : 'stompjs');
      for (const x of [s.ours, s.other]) {
        expect(x.results, `${s.scenario.id}/${x.side}`).to.have.length(1);
        const r = x.results[0];
        expect(r.count).to.equal(s.scenario.sizes.smoke);
        // Percentiles in order, all positive and finite.
        expect(r.p50, s.scenario.id).to.be.greaterThan(0);
        expect(r.p99).to.be.at.least(r.p50);
        expect(r.p999).to.be.at.least(r.p99);
        expect(r.max).to.be.at.least(r.p999);
        expect(Number.isFinite(r.max)).to.equal(true);
        expect(r.cpuUs).to.be.greaterThan(0);
      }
    }
  });

  it('checks one target per scenario (the larger of the p50 and p99 ratios) and formats both tables', () => {
    const rows = latencyTargets(report);
    expect(rows).to.have.length(report.scenarios.length);
    report.scenarios.forEach((s, i) => {
      expect(rows[i].value).to.equal(latencyRatio(s));
      expect(rows[i]).to.include({ limit: 1, sense: 'max', scenario: s.scenario.label });
    });
    const text = formatLatency(report).text;
    expect(text).to.contain('| AMQP, embedded broker, request/reply, 100 in flight | rx-mq |');
    expect(text).to.contain('| STOMP, embedded broker, one-way, most sustained (1,000 in flight) | rx-mq |');
    expect(text).to.contain('| STOMP, embedded broker, one-way, 1,000 msg/s |');
    expect(text).to.contain('SMOKE run');
  });
});
