/**
 * bench/receive-in-process.ts still runs: a few small passes of each message shape give one
 * finite, positive figure per reported pass (it checks itself that every message arrived with
 * its body). A smoke test of the tool, never of a speed.
 */
import { expect } from 'chai';
import { receiveInProcess } from '../../bench/receive-in-process.js';

describe('bench: receive in process (smoke)', function () {
  this.timeout(30_000);

  for (const message of ['rabbit', 'proton'] as const) {
    it(`reports one figure per pass after the warm-up (${message} message)`, async () => {
      const ns = await receiveInProcess({ count: 1200, passes: 3, warmup: 1, perRead: 20, message });
      expect(ns).to.have.length(3);
      for (const x of ns) expect(Number.isFinite(x) && x > 0, `${x} ns`).to.equal(true);
    });
  }

  it('takes one transfer a read, and a last chunk shorter than the others', async () => {
    expect(await receiveInProcess({ count: 45, passes: 1, warmup: 0, perRead: 1, message: 'rabbit' })).to.have.length(1);
    expect(await receiveInProcess({ count: 45, passes: 2, warmup: 0, perRead: 20, message: 'proton' })).to.have.length(2);
  });
});
