/** The progress drawer: silent unless stderr is a terminal, and only for runs over a second. */
import { expect } from 'chai';
import sinon from 'sinon';
import { Progress } from '../../src/cli/progress.js';

/** Just what Progress uses of a WriteStream. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns: 60, write: (s: string) => { written.push(s); return true; } };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

describe('cli: progress', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => { clock = sinon.useFakeTimers({ now: 0 }); });
  afterEach(() => clock.restore());

  it('draws nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const p = new Progress(stream, 'send', 100);
    p.update(50);
    clock.tick(5000);
    p.stop();
    expect(written).to.deep.equal([]);
    expect(clock.countTimers()).to.equal(0);
  });

  it('draws nothing for a run shorter than a second', () => {
    const { stream, written } = fakeStream(true);
    const p = new Progress(stream, 'send', 100);
    clock.tick(900);
    p.stop();
    expect(written).to.deep.equal([]);
    expect(clock.countTimers()).to.equal(0);
  });

  it('redraws one line in place after a second, within the width, and erases it at the end', () => {
    const { stream, written } = fakeStream(true);
    const p = new Progress(stream, 'send', 100);
    p.update(10);
    clock.tick(1000);
    expect(written).to.have.length(1);
    expect(written[0]).to.match(/^\r\u001b\[2Ksend \[#+-+\] 10\/100  10%/);
    p.update(60);
    clock.tick(100);
    expect(written[1]).to.contain('60/100');
    expect(written.every((w) => w.replace('\r\u001b[2K', '').length < 60)).to.equal(true);
    p.stop();
    expect(written[written.length - 1]).to.equal('\r\u001b[2K');
    expect(clock.countTimers()).to.equal(0);
  });
});
