/**
 * The reconnecting clients' backoff as a pure function (src/reconnect/backoff.ts, re-exported by
 * rx-mq/amqp and rx-mq/stomp): the exponential sequence, the jitter range (jitter only shortens
 * a delay), the cap as a hard bound with jitter, and the validation of the options.
 */
import { expect } from 'chai';
import { backoffDelay as amqpBackoffDelay } from '../../src/amqp/index.js';
import { backoffDelay as stompBackoffDelay } from '../../src/stomp/index.js';
import { backoffDelay, resolveReconnectOptions } from '../../src/reconnect/backoff.js';

describe('reconnect: backoffDelay', () => {
  it('is the one function behind both protocol entries', () => {
    expect(amqpBackoffDelay).to.equal(backoffDelay);
    expect(stompBackoffDelay).to.equal(backoffDelay);
  });

  it('doubles from the initial delay by default, without jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { jitter: 0 }, () => 0.5)))
      .to.deep.equal([100, 200, 400, 800, 1600, 3200, 6400]);
  });

  it('caps every delay at maxDelayMs (default 10 s), even after a very long outage', () => {
    expect([7, 8, 20, 64, 1000, 1e6, Infinity].map((n) => backoffDelay(n, { jitter: 0 }))).to.deep.equal(new Array(7).fill(10_000));
    const small = { initialDelayMs: 50, maxDelayMs: 300, factor: 3, jitter: 0 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, small))).to.deep.equal([50, 150, 300, 300]);
  });

  it('keeps maxDelayMs a hard cap with jitter (the old STOMP backoff gave 11,996 ms here)', () => {
    expect(backoffDelay(20, { maxDelayMs: 10_000 }, () => 0.999)).to.be.at.most(10_000);
    for (const r of [0, 0.25, 0.5, 0.999999, 1, 5, -5]) {
      for (const attempt of [0, 3, 10, 30]) {
        expect(backoffDelay(attempt, { initialDelayMs: 700, maxDelayMs: 1000.5, jitter: 1 }, () => r)).to.be.at.most(1000.5);
      }
    }
  });

  it('takes at most `jitter` of a delay off, never adds to it', () => {
    const o = { initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.2 };
    // random() = 0 keeps the full delay; random() -> 1 takes the whole jitter fraction off.
    expect(backoffDelay(0, o, () => 0)).to.equal(1000);
    expect(backoffDelay(0, o, () => 0.5)).to.equal(900);
    expect(backoffDelay(0, o, () => 0.999999)).to.equal(800);
    expect(backoffDelay(30, o, () => 0)).to.equal(1000);
    expect(backoffDelay(30, o, () => 0.75)).to.equal(850);
  });

  it('stays within [delay * (1 - jitter), delay] for any random source, out-of-range ones included', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.5 };
    let seed = 7;
    const lcg = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let attempt = 0; attempt < 12; attempt++) {
      const full = Math.min(5000, 100 * 2 ** attempt);
      for (let i = 0; i < 50; i++) expect(backoffDelay(attempt, o, lcg)).to.be.within(Math.floor(full * 0.5), full);
      expect(backoffDelay(attempt, o, () => -3)).to.equal(full);
      expect(backoffDelay(attempt, o, () => 7)).to.equal(Math.floor(full * 0.5));
    }
  });

  it('a zero initial delay retries at once, however many attempts failed; odd attempt numbers count as 0', () => {
    expect(backoffDelay(0, { initialDelayMs: 0, factor: 1e10, jitter: 0 })).to.equal(0);
    expect(backoffDelay(500, { initialDelayMs: 0, factor: 1e10, jitter: 0 })).to.equal(0);
    expect(backoffDelay(-1, { jitter: 0 })).to.equal(100);
    expect(backoffDelay(Number.NaN, { jitter: 0 })).to.equal(100);
  });

  it('rejects options that cannot work, and options of the old shape, with a RangeError', () => {
    for (const bad of [
      { initialDelayMs: -1 }, { maxDelayMs: Number.NaN }, { maxDelayMs: Infinity }, { maxDelayMs: 2 ** 31 }, { factor: 0.5 },
      { factor: Infinity }, { jitter: 1.5 }, { jitter: -0.1 }, { maxAttempts: 0 }, { maxAttempts: 2.5 }, { resetAfterMs: -1 },
      { initialDelay: 100 }, { multiplier: 2 },
    ]) {
      expect(() => backoffDelay(0, bad as object), JSON.stringify(bad)).to.throw(RangeError);
    }
    expect(resolveReconnectOptions()).to.deep.equal({
      initialDelayMs: 100, maxDelayMs: 10_000, factor: 2, jitter: 0.2, maxAttempts: undefined, resetAfterMs: 5000,
    });
  });
});
