/**
 * The tally behind the fault suite's and the cluster test's counts (spec/support/at-least-once.ts):
 * lost is what never arrived among the sequence numbers sent, duplicated is every arrival beyond
 * the first, and `all()` resolves on the last missing one (or reports that it did not come).
 */
import { expect } from 'chai';
import { Tally } from './at-least-once.js';

describe('spec support: Tally', () => {
  it('counts lost and duplicated by sequence number', () => {
    const t = new Tally(5);
    for (const id of [0, 1, 1, 3, 3, 3]) t.receive(id);
    expect(t.received).to.equal(6);
    expect(t.lost).to.equal(2);
    expect(t.missing()).to.deep.equal([2, 4]);
    expect(t.duplicated).to.equal(3);
    expect(t.line()).to.match(/received 6, lost 2, duplicated 3$/);
    expect(t.line(false)).to.match(/outstanding \(unfinished\) 2/);
  });

  it('an arrival outside the numbers sent (a corrupt body) is foreign, not one of them', async () => {
    const t = new Tally(2);
    t.receive(0);
    t.receive(Number('garbage'));
    t.receive(2);
    expect(t).to.include({ lost: 1, duplicated: 0, foreign: 2, received: 3 });
    expect(await t.all(20)).to.equal(false);
    expect(t.line()).to.match(/foreign 2$/);
  });

  it('all(): resolves true when the last missing message arrives, false at its bound', async () => {
    const t = new Tally(2);
    const early = t.all(5000);
    t.receive(1);
    setTimeout(() => t.receive(0), 10);
    expect(await early).to.equal(true);
    expect(await new Tally(1).all(20)).to.equal(false);
  });
});
