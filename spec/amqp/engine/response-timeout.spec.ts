/**
 * The engine's response deadline (ConnectionCoreOptions.responseTimeout) on a clock that is a
 * number: what counts as awaited work, what counts as an answer (a frame, not a heart-beat), the
 * liveness probe and when it is (not) sent, and that the deadline rides on nextDeadline.
 */
import { expect } from 'chai';
import { string } from '../../../src/amqp/codec/index.js';
import { encodeSections } from '../../../src/amqp/frames/sections.js';
import { ResponseTimeoutError } from '../../../src/errors.js';
import { errorOf, Peer } from './scripted-peer.js';

const T = 1000;
const HEARTBEAT = new Uint8Array([0, 0, 0, 8, 2, 0, 0, 0]);
const body = encodeSections({ body: { kind: 'value', value: string('x') } });

/** A sender attached on a connection with responseTimeout T, credit 10; the clock at 1,000. */
function sender(): { p: Peer; send(): void } {
  const p = new Peer({ responseTimeout: T });
  const link = p.attachSender();
  p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: 10 });
  p.output();
  return { p, send: () => { link.send(body); p.output(); } };
}

const at = (p: Peer, now: number) => { p.now = now; return p.conn.tick(now); };

describe('amqp engine: responseTimeout', () => {
  it('an outcome awaited and nothing but heart-beats for T: connection-error ResponseTimeoutError, and a close saying so', () => {
    const { p, send } = sender();
    const t0 = p.now;
    send();
    expect(p.conn.nextDeadline()).to.equal(t0 + T);
    p.now = t0 + 600;
    p.send(HEARTBEAT);
    expect(at(p, t0 + T - 1)).to.deep.equal([]);
    const err = errorOf([...at(p, t0 + T)]);
    expect(err).to.be.instanceOf(ResponseTimeoutError);
    expect(err).to.include({ timeoutMs: T, waitingFor: '1 outcome on session 0' });
    const close = p.performatives().find((x) => x.kind === 'close');
    expect(close?.kind === 'close' && close.error?.condition).to.equal('amqp:connection:forced');
  });

  it('a frame from the peer moves the deadline; the outcome clears the wait', () => {
    const { p, send } = sender();
    const t0 = p.now;
    send();
    p.now = t0 + 900;
    p.frame({ kind: 'flow', nextIncomingId: 1, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100 });
    expect(at(p, t0 + T)).to.deep.equal([]);
    expect(p.conn.nextDeadline()).to.equal(t0 + 900 + T);
    p.frame({ kind: 'disposition', role: 'receiver', first: 0, settled: true, state: { kind: 'accepted' } });
    // Nothing awaited any more: the next check clears the wait, and nothing fails for good.
    expect(at(p, t0 + 900 + T)).to.deep.equal([]);
    expect(at(p, t0 + 10 * T)).to.deep.equal([]);
    expect(p.conn.done).to.equal(false);
  });

  it('an unanswered attach counts; off (0) nothing is watched', () => {
    const p = new Peer({ responseTimeout: T });
    const s = p.openSession();
    s.attachReceiver({ name: 'r', source: { kind: 'source', address: string('q') } });
    p.output();
    const t0 = p.now;
    expect(errorOf([...at(p, t0 + T)])).to.include({ waitingFor: 'the answer to the attach of link r' });

    const off = new Peer();
    const s2 = off.openSession();
    s2.attachReceiver({ name: 'r', source: { kind: 'source', address: string('q') } });
    off.output();
    expect(off.conn.nextDeadline()).to.equal(undefined);
    expect(at(off, off.now + 100 * T)).to.deep.equal([]);
  });

  it('an idle receiver with credit is probed (flow echo=true) once the peer has shown it sends receivers flows; unanswered, it fails', () => {
    const p = new Peer({ responseTimeout: T });
    const link = p.attachReceiver();
    link.flow(5);
    p.output();
    const t0 = p.now;
    // The attach answer arrived at t0; the grant is no awaited work. No flow from the peer yet: no probe.
    expect(at(p, t0 + T)).to.deep.equal([]);
    expect(p.performatives().filter((x) => x.kind === 'flow')).to.deep.equal([]);
    // The peer sends a flow for our receiver: from then on it is probed when silent.
    p.now = t0 + T;
    p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 7, deliveryCount: 0, linkCredit: 5, available: 0 });
    expect(at(p, t0 + 2 * T)).to.deep.equal([]);
    const probe = p.performatives().filter((x) => x.kind === 'flow');
    expect(probe).to.have.length(1);
    expect(probe[0]).to.deep.include({ handle: 0, echo: true, linkCredit: 5 });
    // Heart-beats are no answer.
    p.now = t0 + 2 * T + 500;
    p.send(HEARTBEAT);
    expect(errorOf([...at(p, t0 + 3 * T)])).to.include({ waitingFor: 'the answer to a liveness probe (a flow with echo=true)' });
  });

  it('an answered probe keeps the connection; the next one follows a deadline later', () => {
    const p = new Peer({ responseTimeout: T });
    const link = p.attachReceiver();
    link.flow(5);
    const flow = { kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 7, deliveryCount: 0, linkCredit: 5 } as const;
    p.frame(flow);
    p.output();
    const t0 = p.now;
    for (let i = 1; i <= 5; i++) {
      expect(at(p, t0 + i * T)).to.deep.equal([]);
      expect(p.performatives().filter((x) => x.kind === 'flow' && x.echo === true), `probe ${i}`).to.have.length(1);
      p.frame(flow);
    }
    expect(p.conn.done).to.equal(false);
  });
});
