import { expect } from 'chai';
import fc from 'fast-check';
import { StompDecodeError } from '../../src/stomp/codec/index.js';
import { StompEngine, type StompEngineOptions } from '../../src/stomp/engine/index.js';
import { StompAuthenticationError, StompError, StompHeartbeatTimeoutError, StompProtocolError, StompStateError } from '../../src/stomp/errors.js';
import { bytes, show } from './helpers.js';

function connected(version = '1.2', hb = '0,0', opts: Partial<StompEngineOptions> = {}): StompEngine {
  const e = new StompEngine({ host: 'vh', heartbeat: [0, 0], ...opts });
  e.connect(0);
  e.takeOutput();
  const ev = e.receive(bytes(`CONNECTED\nversion:${version}\nheart-beat:${hb}\n\n\0`), 0);
  expect(ev[0].type).to.equal('connected');
  return e;
}
const out = (e: StompEngine): string => show(e.takeOutput());

describe('stomp engine', () => {
  it('sends CONNECT with accept-version, host, login, passcode and heart-beat', () => {
    const e = new StompEngine({ host: '/', login: 'guest', passcode: 'p:w', heartbeat: [5000, 7000] });
    e.connect(0);
    expect(out(e)).to.equal('CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\nlogin:guest\npasscode:p:w\nheart-beat:5000,7000\n\n^@');
    expect(e.state.phase).to.equal('connecting');
  });
  it('can use the STOMP command and a restricted version list', () => {
    const e = new StompEngine({ host: 'h', versions: ['1.1'], connectCommand: 'STOMP', heartbeat: [0, 0] });
    e.connect(0);
    expect(out(e)).to.equal('STOMP\naccept-version:1.1\nhost:h\nheart-beat:0,0\n\n^@');
  });
  it('reports CONNECTED with version, session, server and negotiated heart-beats', () => {
    const e = new StompEngine({ host: 'h', heartbeat: [1000, 4000] });
    e.connect(0);
    const [ev] = e.receive(bytes('CONNECTED\nversion:1.1\nsession:s-1\nserver:RabbitMQ/3.10.8\nheart-beat:2000,3000\n\n\0\n'), 5);
    expect(ev).to.deep.include({ type: 'connected', version: '1.1', session: 's-1', server: 'RabbitMQ/3.10.8', heartbeat: { send: 3000, receive: 4000 } });
    expect(e.version).to.equal('1.1');
  });
  it('takes a CONNECTED without version as STOMP 1.0 (no heart-beats)', () => {
    const e = new StompEngine({ host: 'h', heartbeat: [1000, 1000] });
    e.connect(0);
    const [ev] = e.receive(bytes('CONNECTED\nsession:x\n\n\0'), 0);
    expect(ev).to.deep.include({ type: 'connected', version: '1.0', heartbeat: { send: 0, receive: 0 } });
  });
  it('fails on a version it did not offer', () => {
    const e = new StompEngine({ host: 'h', versions: ['1.2'] });
    e.connect(0);
    const [ev] = e.receive(bytes('CONNECTED\nversion:1.1\n\n\0'), 0);
    expect(ev.type === 'failed' && ev.error).to.be.instanceOf(StompProtocolError);
  });
  it('turns an ERROR frame into a StompError with headers and body', () => {
    const e = new StompEngine({ host: 'h' });
    e.connect(0);
    const [ev] = e.receive(bytes('ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\ncontent-length:12\n\nAccess\0refus\0'), 0);
    expect(ev.type).to.equal('failed');
    const err = (ev as { error: StompError }).error;
    expect(err).to.be.instanceOf(StompError);
    expect(err.brokerMessage).to.equal('Bad CONNECT');
    expect(show(err.body)).to.equal('Access^@refus');
    expect(err.headers).to.deep.include(['content-type', 'text/plain']);
    expect(e.state.phase).to.equal('closed');
  });
  it('tells a refused login among the ERRORs answering CONNECT (StompAuthenticationError), and only there', () => {
    const answer = (frame: string, first = true): StompError => {
      const e = first ? new StompEngine({ host: 'h' }) : connected();
      if (first) { e.connect(0); e.takeOutput(); }
      const [ev] = e.receive(bytes(frame), 0);
      return (ev as { error: StompError }).error;
    };
    // As RabbitMQ, ActiveMQ and the embedded broker word it.
    for (const refusal of [
      "ERROR\nmessage:Bad CONNECT\n\nAccess refused for user 'guest'\0",
      'ERROR\nmessage:User name [app] or password is invalid.\n\n\0',
      'ERROR\nmessage:access refused: wrong login or passcode\n\n\0',
      "ERROR\nmessage:Bad CONNECT\n\nVirtual host '/x' access denied\0",
    ]) {
      expect(answer(refusal), refusal).to.be.instanceOf(StompAuthenticationError).and.instanceOf(StompError);
    }
    // A refusal that may pass (worth retrying) is a plain StompError.
    const limit = answer('ERROR\nmessage:Bad CONNECT\n\nconnection limit reached\0');
    expect(limit).to.be.instanceOf(StompError).and.not.instanceOf(StompAuthenticationError);
    // After CONNECTED, "access refused" is about a destination, not the login.
    const forbidden = answer("ERROR\nmessage:access_refused\n\nACCESS_REFUSED - access to queue 'q' refused\0", false);
    expect(forbidden).to.be.instanceOf(StompError).and.not.instanceOf(StompAuthenticationError);
  });
  it('subscribes with ids and ack modes and demultiplexes messages', () => {
    const e = connected();
    expect(e.subscribe('/queue/a', { ack: 'client-individual', headers: { 'prefetch-count': '5' } }, 0).id).to.equal('sub-1');
    expect(e.subscribe('/queue/b', { id: 'mine' }, 0).id).to.equal('mine');
    expect(out(e)).to.equal('SUBSCRIBE\nprefetch-count:5\ndestination:/queue/a\nid:sub-1\nack:client-individual\n\n^@SUBSCRIBE\ndestination:/queue/b\nid:mine\nack:auto\n\n^@');
    expect(() => e.subscribe('/queue/c', { id: 'mine' }, 0)).to.throw(StompStateError);
    const evs = e.receive(bytes('MESSAGE\ndestination:/queue/b\nmessage-id:1\nsubscription:mine\n\nx\0\nMESSAGE\ndestination:/queue/a\nmessage-id:2\nsubscription:sub-1\nack:A2\n\ny\0'), 0);
    expect(evs.map((v) => v.type === 'message' && v.subscription)).to.deep.equal(['mine', 'sub-1']);
    e.unsubscribe('mine', { receipt: true }, 0);
    expect(out(e)).to.match(/^UNSUBSCRIBE\nid:mine\nreceipt:rcpt-\d+\n\n\^@$/);
    expect(() => e.unsubscribe('mine', {}, 0)).to.throw(StompStateError);
  });
  const acks: [string, string, string][] = [
    ['1.0', 'ACK\nmessage-id:m1\n\n^@', ''],
    ['1.1', 'ACK\nmessage-id:m1\nsubscription:s\n\n^@', 'NACK\nmessage-id:m1\nsubscription:s\n\n^@'],
    ['1.2', 'ACK\nid:A1\n\n^@', 'NACK\nid:A1\n\n^@'],
  ];
  for (const [v, ack, nack] of acks) {
    it(`writes ACK/NACK headers per STOMP ${v}`, () => {
      const e = connected(v);
      const m = { headers: [['destination', 'd'], ['message-id', 'm1'], ['subscription', 's'], ['ack', 'A1']] as const };
      e.ack(m, {}, 0);
      expect(out(e)).to.equal(ack);
      if (nack) { e.nack(m, {}, 0); expect(out(e)).to.equal(nack); } else expect(() => e.nack(m, {}, 0)).to.throw(StompStateError, /NACK does not exist in STOMP 1.0/);
    });
  }
  it('sends transactional SEND/ACK and BEGIN/COMMIT/ABORT', () => {
    const e = connected();
    const { transaction } = e.begin(undefined, {}, 0);
    e.send('/queue/q', bytes('a'), { transaction, headers: { 'content-type': 'text/plain', destination: 'ignored' } }, 0);
    e.ack({ headers: [['ack', 'X']] }, { transaction }, 0);
    e.commit(transaction, {}, 0);
    e.begin('t2', {}, 0);
    e.abort('t2', { receipt: true }, 0);
    expect(out(e)).to.equal(`BEGIN\ntransaction:${transaction}\n\n^@SEND\ndestination:/queue/q\ntransaction:${transaction}\ncontent-type:text/plain\ncontent-length:1\n\na^@ACK\nid:X\ntransaction:${transaction}\n\n^@COMMIT\ntransaction:${transaction}\n\n^@BEGIN\ntransaction:t2\n\n^@ABORT\ntransaction:t2\nreceipt:rcpt-2\n\n^@`);
  });
  it('asks for receipts on SUBSCRIBE and BEGIN when told to, and only then', () => {
    const e = connected();
    expect(e.subscribe('/queue/a', { id: 's1', receipt: true }, 0)).to.deep.equal({ id: 's1', receipt: 'rcpt-1' });
    expect(e.subscribe('/queue/b', { id: 's2' }, 0)).to.deep.equal({ id: 's2', receipt: undefined });
    expect(e.begin('t1', { receipt: true }, 0)).to.deep.equal({ transaction: 't1', receipt: 'rcpt-2' });
    expect(out(e)).to.equal('SUBSCRIBE\ndestination:/queue/a\nid:s1\nack:auto\nreceipt:rcpt-1\n\n^@SUBSCRIBE\ndestination:/queue/b\nid:s2\nack:auto\n\n^@BEGIN\ntransaction:t1\nreceipt:rcpt-2\n\n^@');
    expect(e.receive(bytes('RECEIPT\nreceipt-id:rcpt-1\n\n\0RECEIPT\nreceipt-id:rcpt-2\n\n\0'), 0)).to.deep.equal([{ type: 'receipt', receiptId: 'rcpt-1' }, { type: 'receipt', receiptId: 'rcpt-2' }]);
  });
  it('correlates receipts', () => {
    const e = connected();
    const r = e.send('/q', bytes('x'), { receipt: true }, 0);
    expect(r).to.be.a('string');
    expect(e.receive(bytes(`RECEIPT\nreceipt-id:${r}\n\n\0`), 0)).to.deep.equal([{ type: 'receipt', receiptId: r }]);
  });
  it('disconnects gracefully with a receipt', () => {
    const e = connected();
    const r = e.disconnect(0);
    expect(out(e)).to.equal(`DISCONNECT\nreceipt:${r}\n\n^@`);
    expect(() => e.send('/q', bytes('x'), {}, 0)).to.throw(StompStateError);
    expect(e.receive(bytes(`RECEIPT\nreceipt-id:${r}\n\n\0`), 0)).to.deep.equal([{ type: 'disconnected' }]);
    expect(e.state.phase).to.equal('closed');
  });
  it('refuses frames before CONNECTED', () => {
    const e = new StompEngine({ host: 'h' });
    expect(() => e.send('/q', bytes('x'), {}, 0)).to.throw(StompStateError, /idle/);
    e.connect(0);
    expect(() => e.subscribe('/q', {}, 0)).to.throw(StompStateError, /connecting/);
  });
  it('fails on protocol breaches: missing headers, client frames, second CONNECTED, garbage', () => {
    const cases = ['MESSAGE\ndestination:d\nmessage-id:1\n\n\0', 'SEND\ndestination:d\n\n\0', 'CONNECTED\nversion:1.2\n\n\0', 'RECEIPT\n\n\0'];
    for (const c of cases) {
      const [ev] = connected().receive(bytes(c), 0);
      expect(ev.type === 'failed' && ev.error, c).to.be.instanceOf(StompProtocolError);
    }
    const [ev] = connected().receive(bytes('NOPE\n\n\0'), 0);
    expect(ev.type === 'failed' && ev.error).to.be.instanceOf(StompDecodeError);
  });
  it('unescapes headers with the negotiated version', () => {
    const e = connected('1.1');
    const [ev] = e.receive(bytes('MESSAGE\ndestination:d\nmessage-id:1\nsubscription:s\nk:a\\cb\\nc\\\\\n\n\0'), 0);
    expect(ev.type === 'message' && ev.frame.headers[3]).to.deep.equal(['k', 'a:b\nc\\']);
  });
  it('sends heart-beats in time and detects a silent peer', () => {
    const e = new StompEngine({ host: 'h', heartbeat: [1000, 1000], heartbeatTolerance: 2, heartbeatGraceMs: 0 });
    e.connect(0);
    e.takeOutput();
    e.receive(bytes('CONNECTED\nversion:1.2\nheart-beat:500,1500\n\n\0'), 0);
    // Negotiated send interval 1500 ms; the beat goes at half of it (see sendEvery).
    expect(e.nextDeadline()).to.equal(750);
    expect(e.tick(749)).to.deep.equal([]);
    expect(out(e)).to.equal('');
    e.tick(750);
    expect(out(e)).to.equal('\n');
    e.receive(bytes('\n'), 1800);
    expect(e.tick(3799)).to.deep.equal([]);
    const [ev] = e.tick(3801);
    expect(ev.type === 'failed' && ev.error).to.be.instanceOf(StompHeartbeatTimeoutError);
  });
  it('does not send heart-beats while frames flow', () => {
    const e = connected('1.2', '0,1000', { heartbeat: [1000, 0] });
    e.send('/q', bytes('x'), {}, 900);
    e.takeOutput();
    e.tick(1399);
    expect(out(e)).to.equal('');
    e.tick(1400);
    expect(out(e)).to.equal('\n');
  });

  it('turns any received bytes into events or a typed failure, never a throw', () => {
    const prefix = bytes('MESSAGE\ndestination:d\nmessage-id:1\nsubscription:s\n');
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.uint8Array({ maxLength: 60 }).map((b) => new Uint8Array([...prefix, ...b]))), (junk) => {
      const e = connected();
      const evs = e.receive(junk, 1);
      for (const ev of evs) expect(['message', 'receipt', 'failed']).to.include(ev.type);
      const failed = evs.find((v) => v.type === 'failed');
      if (failed) expect(e.state.phase).to.equal('closed');
    }));
  });
});
