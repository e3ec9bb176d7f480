/**
 * CI smoke for the codec benchmark (bench/run.ts --smoke): both sides run once in their own child
 * process and must produce sane numbers. It checks the harness works, not how fast anything is.
 */
import { expect } from 'chai';
import { SMOKE_OPTIONS, formatReport, runBenchmark } from '../../bench/harness.js';

describe('bench: codec smoke', function () {
  this.timeout(60_000);

  it('runs rx-mq and rhea side by side and reports finite, positive numbers', async function () {
    const report = await runBenchmark(SMOKE_OPTIONS);
    for (const side of [report.ours, report.rhea]) {
      expect(side.runs).to.have.length(1);
      expect(side.median).to.be.greaterThan(0);
      expect(Number.isFinite(side.median)).to.equal(true);
      expect(side.min).to.be.at.most(side.median);
      expect(side.max).to.be.at.least(side.median);
    }
    expect(Number.isFinite(report.ratio)).to.equal(true);
    expect(report.ratio).to.be.greaterThan(0);
    // The payload really carries the 1 KiB body plus the other three sections.
    expect(report.payloadBytes).to.be.within(1100, 2000);
    const table = formatReport(report);
    expect(table).to.match(/\| rx-mq \| [\d,]+ \|/);
    expect(table).to.match(/\| rhea \d+\.\d+\.\d+ \| [\d,]+ \|/);
    expect(table).to.contain(`${report.ratio.toFixed(2)}x`);
  });
});
