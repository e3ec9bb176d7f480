/** --rate parsing and the feeder that paces `send` (on sinon's fake clock: no real waiting). */
import { expect } from 'chai';
import sinon from 'sinon';
import { Feeder, dueAt, dueCount, parseRate } from '../../src/cli/pacing.js';
import { UsageError } from '../../src/cli/errors.js';

describe('cli: pacing', () => {
  it('parses rates', () => {
    expect(parseRate('100/s')).to.equal(100);
    expect(parseRate('100')).to.equal(100);
    expect(parseRate('0.5/s')).to.equal(0.5);
    expect(parseRate('120/m')).to.equal(2);
    for (const bad of ['0', '0/s', '-1', 'x', '10/h', '']) expect(() => parseRate(bad), bad).to.throw(UsageError);
  });

  it('knows how many messages are due and when', () => {
    expect(dueCount(0, 10)).to.equal(1);
    expect(dueCount(99, 10)).to.equal(1);
    expect(dueCount(100, 10)).to.equal(2);
    expect(dueCount(1000, 10)).to.equal(11);
    expect(dueAt(0, 10)).to.equal(0);
    expect(dueAt(3, 10)).to.equal(300);
  });

  it('never runs more than the window ahead of the outcomes', () => {
    const f = new Feeder(10, (i) => i, undefined, 3);
    const got: number[] = [];
    let completed = false;
    f.messages$.subscribe({ next: (v) => got.push(v), complete: () => { completed = true; } });
    expect(got).to.deep.equal([0, 1, 2]);
    f.settled();
    expect(got).to.deep.equal([0, 1, 2, 3]);
    for (let i = 0; i < 6; i++) f.settled();
    expect(got).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(completed).to.equal(true);
  });

  it('copes with outcomes that arrive inside next()', () => {
    const f = new Feeder(5, (i) => i, undefined, 1);
    const got: number[] = [];
    f.messages$.subscribe((v) => { got.push(v); f.settled(); });
    expect(got).to.deep.equal([0, 1, 2, 3, 4]);
  });

  describe('with a rate', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => { clock = sinon.useFakeTimers({ now: 1_000_000 }); });
    afterEach(() => clock.restore());

    it('emits in order, no faster than the rate', () => {
      const f = new Feeder(5, (i) => i, 10, 100); // 10 a second: one each 100 ms
      const got: number[] = [];
      let completed = false;
      const sub = f.messages$.subscribe({ next: (v) => got.push(v), complete: () => { completed = true; } });
      expect(got).to.deep.equal([0]);
      clock.tick(99);
      expect(got).to.deep.equal([0]);
      clock.tick(1);
      expect(got).to.deep.equal([0, 1]);
      clock.tick(250);
      expect(got).to.deep.equal([0, 1, 2, 3]);
      clock.tick(100);
      expect(got).to.deep.equal([0, 1, 2, 3, 4]);
      expect(completed).to.equal(true);
      sub.unsubscribe();
      expect(clock.countTimers()).to.equal(0);
    });

    it('stops its timer when unsubscribed', () => {
      const f = new Feeder(100, (i) => i, 1, 100);
      const sub = f.messages$.subscribe(() => undefined);
      expect(clock.countTimers()).to.equal(1);
      sub.unsubscribe();
      expect(clock.countTimers()).to.equal(0);
    });
  });
});
