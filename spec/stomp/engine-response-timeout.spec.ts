/**
 * The STOMP engine's response deadline (StompEngineOptions.responseTimeout) on a numeric clock:
 * receipts awaited, heart-beats that do not count, frames that do, transactional receipts that
 * are not awaited (RabbitMQ writes them at COMMIT), and off by default.
 */
import { expect } from 'chai';
import { ResponseTimeoutError } from '../../src/errors.js';
import { StompEngine, type StompEngineOptions } from '../../src/stomp/engine/index.js';
import { bytes } from './helpers.js';

const T = 1000;
function connected(opts: Partial<StompEngineOptions> = {}): StompEngine {
  const e = new StompEngine({ host: 'vh', heartbeat: [0, 0], responseTimeout: T, ...opts });
  e.connect(0);
  e.takeOutput();
  expect(e.receive(bytes('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0'), 0)[0].type).to.equal('connected');
  return e;
}
const failure = (evs: ReturnType<StompEngine['tick']>): unknown => {
  const f = evs.find((x) => x.type === 'failed');
  return f?.type === 'failed' ? f.error : undefined;
};

describe('stomp engine: responseTimeout', () => {
  it('a receipt awaited with nothing but heart-beats for T fails with ResponseTimeoutError', () => {
    const e = connected();
    const id = e.send('/queue/q', 'x', { receipt: true }, 100);
    expect(id).to.be.a('string');
    expect(e.nextDeadline()).to.equal(100 + T);
    e.receive(bytes('\n'), 600);
    expect(e.tick(100 + T - 1)).to.deep.equal([]);
    const err = failure(e.tick(100 + T));
    expect(err).to.be.instanceOf(ResponseTimeoutError);
    expect(err).to.include({ waitingFor: '1 receipt', timeoutMs: T });
    expect(e.state.phase).to.equal('closed');
  });

  it('a frame moves the deadline; the RECEIPT clears it', () => {
    const e = connected();
    const id = e.send('/queue/q', 'x', { receipt: true }, 100) as string;
    e.receive(bytes('MESSAGE\ndestination:/queue/q\nmessage-id:1\nsubscription:s\n\n\0'), 900);
    expect(e.tick(100 + T)).to.deep.equal([]);
    expect(e.nextDeadline()).to.equal(900 + T);
    e.receive(bytes(`RECEIPT\nreceipt-id:${id}\n\n\0`), 950);
    expect(e.nextDeadline()).to.equal(undefined);
    expect(e.tick(100 * T)).to.deep.equal([]);
  });

  it('receipts of frames in a transaction are not awaited; BEGIN and COMMIT receipts are', () => {
    const e = connected();
    e.send('/queue/q', 'x', { receipt: true, transaction: 'tx-1' }, 0);
    const prepared = e.prepareSend('/queue/q', { transaction: 'tx-1' });
    e.sendPrepared(prepared, 'y', true, 0);
    expect(e.nextDeadline()).to.equal(undefined);
    e.commit('tx-1', { receipt: true }, 10);
    expect(e.nextDeadline()).to.equal(10 + T);
  });

  it('is off by default', () => {
    const e = connected({ responseTimeout: undefined });
    e.send('/queue/q', 'x', { receipt: true }, 0);
    expect(e.nextDeadline()).to.equal(undefined);
    expect(e.tick(1000 * T)).to.deep.equal([]);
  });
});
