/**
 * CI smoke for the latency scenarios on RabbitMQ (bench/io/latency.ts): every RabbitMQ scenario
 * runs once per library with small counts and reports sane percentiles. No timing is asserted.
 */
import { expect } from 'chai';
import { runLatency, selectLatency } from '../../../bench/io/latency-report.js';
import { PEERS, requirePeers } from '../../support/peers.js';

describe('bench: latency smoke on RabbitMQ (AMQP and STOMP)', function () {
  this.timeout(120_000);
  requirePeers(PEERS.rabbitAmqp, PEERS.rabbitStomp);

  it('runs every RabbitMQ latency scenario on both libraries and reports ordered, finite percentiles', async () => {
    const filter = ['latency-amqp-rabbit', 'latency-stomp-rabbit'];
    const r = await runLatency({ mode: 'smoke', runs: 1, filter });
    expect(r.scenarios.map((s) => s.scenario.id)).to.deep.equal(selectLatency(filter).map((s) => s.id));
    for (const s of r.scenarios) {
      for (const x of [s.ours, s.other]) {
        const res = x.results[0];
        expect(res.p50, `${s.scenario.id}/${x.side}`).to.be.greaterThan(0);
        expect(res.p99).to.be.at.least(res.p50);
        expect(res.max).to.be.at.least(res.p999);
        expect(Number.isFinite(res.max)).to.equal(true);
      }
    }
  });
});
