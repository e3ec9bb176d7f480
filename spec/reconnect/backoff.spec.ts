/**
 * The reconnecting client's backoff as a pure function: the exponential sequence, the jitter
 * range (jitter only shortens a delay), the cap, and the validation of the options.
 */
import { expect } from 'chai';
import { backoffOf, reconnectDelay } from '../../../src/amqp/rx/client.js';

describe('amqp/rx amqpClient backoff', () => {
  it('doubles from the initial delay by default, without jitter', () => {
    const b = backoffOf({ jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(b, n, () => 0.5)))
      .to.deep.equal([100, 200, 400, 800, 1600, 3200, 6400]);
  });

  it('caps every delay at maxDelay (default 10 s), even after a very long outage', () => {
    const b = backoffOf({ jitter: 0 });
    expect([7, 8, 20, 64, 1000, 1e6].map((n) => reconnectDelay(b, n))).to.deep.equal([10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
    const small = backoffOf({ initialDelay: 50, maxDelay: 300, multiplier: 3, jitter: 0 });
    expect([0, 1, 2, 3].map((n) => reconnectDelay(small, n))).to.deep.equal([50, 150, 300, 300]);
  });

  it('takes at most `jitter` of a delay off, never adds to it', () => {
    const b = backoffOf({ initialDelay: 1000, maxDelay: 1000, jitter: 0.2 });
    // random() = 0 keeps the full delay; random() -> 1 takes the whole jitter fraction off.
    expect(reconnectDelay(b, 0, () => 0)).to.equal(1000);
    expect(reconnectDelay(b, 0, () => 0.5)).to.equal(900);
    expect(reconnectDelay(b, 0, () => 0.999999)).to.equal(800);
    // At the cap too: the cap stays an upper bound with jitter.
    expect(reconnectDelay(b, 30, () => 0)).to.equal(1000);
    expect(reconnectDelay(b, 30, () => 0.75)).to.equal(850);
  });

  it('stays within [delay * (1 - jitter), delay] for any random source, out-of-range ones included', () => {
    const b = backoffOf({ initialDelay: 100, maxDelay: 5000, multiplier: 2, jitter: 0.5 });
    let seed = 7;
    const lcg = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let level = 0; level < 12; level++) {
      const full = Math.min(5000, 100 * 2 ** level);
      for (let i = 0; i < 50; i++) {
        const d = reconnectDelay(b, level, lcg);
        expect(d).to.be.within(Math.round(full * 0.5), full);
      }
      expect(reconnectDelay(b, level, () => -3)).to.equal(full);
      expect(reconnectDelay(b, level, () => 7)).to.equal(Math.round(full * 0.5));
    }
  });

  it('a zero initial delay retries at once, however high the level', () => {
    const b = backoffOf({ initialDelay: 0, multiplier: 1e10, jitter: 0 });
    expect(reconnectDelay(b, 0)).to.equal(0);
    expect(reconnectDelay(b, 500)).to.equal(0);
  });

  it('rejects options that cannot work with a RangeError', () => {
    expect(() => backoffOf({ initialDelay: -1 })).to.throw(RangeError);
    expect(() => backoffOf({ maxDelay: Number.NaN })).to.throw(RangeError);
    expect(() => backoffOf({ multiplier: 0.5 })).to.throw(RangeError);
    expect(() => backoffOf({ jitter: 1.5 })).to.throw(RangeError);
    expect(() => backoffOf({ jitter: -0.1 })).to.throw(RangeError);
    expect(() => backoffOf({ maxAttempts: 0 })).to.throw(RangeError);
    expect(() => backoffOf({ maxAttempts: 2.5 })).to.throw(RangeError);
    expect(backoffOf()).to.deep.equal({ initialDelay: 100, maxDelay: 10_000, multiplier: 2, jitter: 0.2, maxAttempts: undefined });
  });
});
