/**
 * The fuzz harness's bounded run (issue 26 item 2): a few thousand generated cases against the
 * broker's AMQP and STOMP listeners and the clients' decoders, with a fixed seed, must give no
 * crash, no internal error, no hang, and healthy clients served throughout. The long run is
 * `npm run fuzz` (scripts/fuzz.ts); the harness is spec/support/fuzz.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Queue } from '../../src/broker/queue.js';
import { makeCase } from '../support/fuzz/cases.js';
import { caseSeed, Rng } from '../support/fuzz/rng.js';
import { formatReport, fuzzDecoders, fuzzListener, type FuzzReport } from '../support/fuzz/run.js';

const SEED = 2026;

function clean(r: FuzzReport, cases: number): void {
  expect(r.failures, formatReport(r)).to.deep.equal([]);
  expect([r.cases, r.crashes, r.internal, r.hangs]).to.deep.equal([cases, 0, 0, 0]);
  for (const family of ['random', 'preamble', 'mutated', 'hostile']) {
    expect(Object.keys(r.byFamily).some((k) => k.endsWith(family)), `no ${family} case ran`).to.equal(true);
  }
}

describe('broker: fuzz harness (bounded run)', function () {
  this.timeout(120_000);

  it('makes the same case from the same seed and index, and different ones otherwise', () => {
    const a = makeCase('amqp', new Rng(caseSeed(SEED, 7)));
    const b = makeCase('amqp', new Rng(caseSeed(SEED, 7)));
    const c = makeCase('amqp', new Rng(caseSeed(SEED, 8)));
    expect(b).to.deep.equal(a);
    expect(c).to.not.deep.equal(a);
  });

  it('AMQP listener: 1,000 cases, no crash, internal error or hang; a healthy rhea client served throughout', async () => {
    const r = await fuzzListener('amqp', { cases: 1000, seed: SEED, healthyEvery: 100 });
    clean(r, 1000);
    expect(r.healthyRoundTrips).to.equal(11);
  });

  it('STOMP listener: 1,000 cases, no crash, internal error or hang; a healthy stompjs client served throughout', async () => {
    const r = await fuzzListener('stomp', { cases: 1000, seed: SEED, healthyEvery: 100 });
    clean(r, 1000);
    expect(r.healthyRoundTrips).to.equal(11);
  });

  it("clients' decoders (AMQP frames, sections and values; STOMP frames): 1,500 cases, typed errors only", () => {
    clean(fuzzDecoders({ cases: 1500, seed: SEED }), 1500);
  });

  it('counts what reaches the boundary (the harness can fail)', async () => {
    // A broker with a bug: every consumer attach throws. The cases that attach one must be
    // counted as internal errors, with the case that replays them.
    const original = Queue.prototype.addConsumer;
    const stub = sinon.stub(Queue.prototype, 'addConsumer').callsFake(function (this: Queue, c) {
      if (this.name.startsWith('fz-')) throw new Error('injected bug');
      return original.call(this, c);
    });
    try {
      const r = await fuzzListener('amqp', { cases: 300, seed: SEED, healthyEvery: 1000 });
      expect(r.internal).to.be.greaterThan(0);
      expect(r.failures[0].message).to.match(/internal error: Error: injected bug/);
      expect(r.failures[0].index).to.be.within(0, 299);
    } finally {
      stub.restore();
    }
  });
});
