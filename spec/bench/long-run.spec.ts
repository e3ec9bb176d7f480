/**
 * bench/io/long-run.ts, briefly: a fresh client process moves messages over AMQP and STOMP at
 * once against the embedded broker (its own process), samples its memory, and the report and
 * checks come out of the samples. It proves the harness works, not how much memory anything takes.
 */
import { expect } from 'chai';
import { checkLongRun, formatLongRun, runLongRun, seriesStat, type LongRunResult } from '../../bench/io/long-run.js';

describe('bench: long-run memory', function () {
  this.timeout(60_000);

  it('runs both protocols at once, samples memory and reports every message moved', async () => {
    const r = await runLongRun({ seconds: 2, rate: 250, sampleMs: 500 });
    expect(r.samples.length).to.be.at.least(4);
    for (const x of r.samples) {
      expect(x.rssMb).to.be.greaterThan(10);
      expect(x.heapMb).to.be.greaterThan(1);
    }
    // Traffic flowed on both protocols the whole time, and what was sent was received.
    expect(r.samples[r.samples.length - 1].amqp).to.be.greaterThan(r.samples[0].amqp);
    expect(r.samples[r.samples.length - 1].stomp).to.be.greaterThan(r.samples[0].stomp);
    expect(r.amqpReceived).to.be.at.least(r.amqpSent - 50).and.to.be.greaterThan(100);
    expect(r.stompReceived).to.be.at.least(r.stompSent - 50).and.to.be.greaterThan(100);
    expect(r.cpuPerMsgUs).to.be.greaterThan(0);
    const text = formatLongRun(r, 'Machine: test').text;
    expect(text).to.match(/\| RSS, MB \| [\d.]+ \| [\d.]+ \|/);
    expect(text).to.match(/\| heap used after GC, MB \| [\d.]+ \| [\d.]+ \|/);
  });

  it('checks growth from the first sample to the last against the limits', () => {
    const r: LongRunResult = {
      seconds: 10, rate: 1, amqpSent: 1, amqpReceived: 1, stompSent: 1, stompReceived: 1, cpuPerMsgUs: 1,
      samples: [
        { s: 0, rssMb: 100, heapMb: 10, amqp: 0, stomp: 0 },
        { s: 5, rssMb: 130, heapMb: 30, amqp: 1, stomp: 1 },
        { s: 10, rssMb: 108, heapMb: 16, amqp: 2, stomp: 2 },
      ],
    };
    expect(seriesStat(r.samples.map((x) => x.rssMb))).to.deep.equal({ start: 100, end: 108, min: 100, max: 130 });
    const [heap, rss] = checkLongRun(r);
    expect(heap).to.include({ value: 6, limit: 5, met: false });
    expect(rss).to.include({ value: 8, limit: 10, met: true });
  });
});
