/**
 * CI smoke for the I/O benchmarks (bench/run.ts --smoke): every scenario runs once per client
 * library with small counts against the local brokers, in child processes exactly as the full
 * benchmark does, and must produce sane numbers. It checks the harness works, not how fast
 * anything is: no timing is asserted.
 */
import { expect } from 'chai';
import { formatIoSections } from '../../../bench/io/format.js';
import { IO_SMOKE, runIo, type IoReport } from '../../../bench/io/harness.js';
import { SCENARIOS } from '../../../bench/io/scenarios.js';
import { checkTargets, formatTargets } from '../../../bench/io/targets.js';
import { mergeSections } from '../../../bench/markdown.js';
import { PEERS, requirePeers } from '../../support/peers.js';

const sane = (n: number): void => {
  expect(Number.isFinite(n), String(n)).to.equal(true);
  expect(n).to.be.greaterThan(0);
};

describe('bench: I/O smoke (AMQP, STOMP, large messages against the local brokers)', function () {
  this.timeout(60_000);
  // The benchmarks' own broker addresses (bench/io) are the default ones of these peers.
  requirePeers(PEERS.protonC, PEERS.rabbitAmqp, PEERS.rabbitStomp, PEERS.activemqStomp);
  let report: IoReport;

  before(async function () {
    report = await runIo({ ...IO_SMOKE, filter: [] });
  });

  it('runs every scenario on every side once and reports finite, positive figures', function () {
    expect(report.scenarios.map((s) => s.id)).to.deep.equal(SCENARIOS.map((s) => s.id));
    for (const s of report.scenarios) {
      expect(s.sides.map((x) => x.side)).to.deep.equal(SCENARIOS.find((x) => x.id === s.id)?.sides);
      for (const side of s.sides) {
        expect(side.results, `${s.id}/${side.side}`).to.have.length(1);
        const r = side.results[0];
        expect(r.count).to.equal(s.count);
        sane(r.bytes);
        sane(r.ms);
        sane(r.cpuUs);
        // The kernel's part is a part: never negative, never more than the whole.
        expect(r.sysUs, `${s.id}/${side.side} sysUs`).to.be.within(0, r.cpuUs);
        expect(side.userPerMsg.median, `${s.id}/${side.side} user`).to.be.within(0, side.cpuPerMsg.median);
        sane(side.rate.median);
        sane(side.cpuPerMsg.median);
      }
      sane(s.rateRatio);
      sane(s.cpuRatio);
      // The kernel divides CPU time into user and system at its timer ticks, and a smoke run lasts
      // a few ticks: a side may show no user time at all, so the ratio is only required to be a
      // ratio (never negative, never 0/0), and finite whenever the other side has user time.
      expect(s.userRatio, `${s.id} user ratio`).to.be.at.least(0);
      if (s.sides[1].userPerMsg.median > 0) expect(Number.isFinite(s.userRatio), `${s.id} user ratio`).to.equal(true);
    }
  });

  it('moves the payload it claims: 12-byte bodies, 1 MiB bodies for the large scenario', function () {
    for (const s of report.scenarios) {
      for (const side of s.sides) {
        const body = s.unit === 'MB' ? 1024 * 1024 : s.group === 'memory' ? 64 : 12;
        expect(side.results[0].bytes, `${s.id}/${side.side}`).to.equal(s.count * body);
      }
    }
  });

  it('measures the broker process\'s CPU in the large-message runs of both libraries', function () {
    const large = report.scenarios.filter((s) => s.group === 'large');
    expect(large).to.have.length(2);
    for (const s of large) {
      for (const side of s.sides.filter((x) => x.side !== 'tcp')) {
        // A smoke run may last fewer than one of the kernel's 10 ms ticks of the broker's time.
        expect(side.results[0].peerCpuUs, `${s.id}/${side.side}`).to.be.a('number').and.at.least(0);
        expect(side.peerCpuPerMsg?.median, `${s.id}/${side.side}`).to.be.at.least(0);
      }
      expect(s.sides.find((x) => x.side === 'tcp')?.peerCpuPerMsg, 'the TCP copy has no broker').to.equal(undefined);
    }
    const text = formatIoSections(report).find((x) => x.heading.startsWith('## Large messages'))?.text ?? '';
    expect(text).to.contain('CPU-bound ceiling');
  });

  it('checks the targets on every scenario they cover (smoke numbers: only that the table is whole)', function () {
    const rows = checkTargets(report);
    // Every scenario has its row; the null-sink send has a second, the default path against messageIds: false.
    expect([...new Set(rows.map((x) => x.scenario))]).to.have.members(report.scenarios.map((s) => s.label));
    const defaultPath = rows.filter((x) => x.target.startsWith('AMQP default path'));
    expect(defaultPath.map((x) => x.scenario)).to.deep.equal(['null sink, at-least-once send']);
    expect(rows).to.have.length(report.scenarios.length + 1);
    for (const x of rows) expect(Number.isFinite(x.value), `${x.scenario}: ${x.value}`).to.equal(true);
    const floorRows = rows.filter((x) => report.scenarios.find((s) => s.label === x.scenario)?.sides.some((y) => y.side === 'floor'));
    expect(floorRows.length).to.equal(6);
    for (const x of floorRows) expect(x.bound, x.scenario).to.be.a('number');
    expect(formatTargets(report).text).to.contain(`of ${rows.length} met`);
  });

  it('formats one markdown section per group and merges them into BENCHMARKS.md keeping other sections', function () {
    const sections = formatIoSections(report);
    const want = ['## AMQP send', '## AMQP receive', '## AMQP, each library with itself', '## Slow consumer memory', '## STOMP send and receive on RabbitMQ', '## Large messages', '## Cold start'];
    expect(sections).to.have.length(want.length);
    sections.forEach((s, i) => expect(s.heading.startsWith(want[i]), s.heading).to.equal(true));
    for (const s of sections) {
      expect(s.text.startsWith(s.heading)).to.equal(true);
      expect(s.text).to.match(/\| rx-mq \| [\d,.]+ \|/);
      expect(s.text).to.contain('Machine:');
      // Every row of a table has as many cells as its header (columns added in one place only break this).
      const lines = s.text.split('\n');
      lines.forEach((line, i) => {
        if (!line.startsWith('|') || i === 0 || lines[i - 1].startsWith('|')) return;
        const cells = line.split('|').length;
        for (let k = i + 1; k < lines.length && lines[k].startsWith('|'); k++) {
          expect(lines[k].split('|').length, `${s.heading}: ${lines[k]}`).to.equal(cells);
        }
      });
    }
    const before = '# Benchmarks\n\n## Codec: x\n\nold codec\n\n## Slow consumer memory\n\nkept by hand\n';
    const merged = mergeSections(before, [{ heading: '## Codec: x', text: '## Codec: x\n\nnew codec\n' }, ...sections]);
    expect(merged).to.contain('new codec').and.not.contain('old codec');
    expect(merged).to.contain('## Slow consumer memory\n\nkept by hand');
    expect(mergeSections(merged, sections)).to.equal(merged);
  });
});
