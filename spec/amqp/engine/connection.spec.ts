/**
 * Byte-level engine tests: a scripted peer feeds encoded frames to a Connection, and the test
 * decodes exactly what the engine wrote back. No sockets, no timers: time is a number.
 */
import { expect } from 'chai';
import { errorOf, kinds, only, Peer } from './scripted-peer.js';
import { AmqpError, IdleTimeoutError, IllegalStateError } from '../../../src/amqp/engine/errors.js';
import type { EngineEvent } from '../../../src/amqp/engine/events.js';
import { AuthenticationError, SaslError } from '../../../src/amqp/engine/sasl.js';
import { FrameParser, encodeFrame, protocolHeaderBytes } from '../../../src/amqp/frames/index.js';
import type { Frame } from '../../../src/amqp/frames/index.js';
import { ProtocolHeaderError } from '../../../src/amqp/frames/errors.js';
import { concat } from '../frames/helpers.js';

describe('amqp/engine connection (byte level)', () => {
  describe('SASL and open', () => {
    it('runs SASL PLAIN, then pipelines the AMQP header and open', () => {
      const p = new Peer({ sasl: { username: 'user', password: 'pw' }, hostname: 'vhost1' });
      const first = p.start();
      expect(first).to.deep.equal([{ type: 'header', protocol: 'sasl' }]);
      p.send(protocolHeaderBytes('sasl'), encodeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['ANONYMOUS', 'PLAIN'] }));
      const init = p.output()[0] as Frame;
      expect(init.type).to.equal('sasl');
      const body = (init as Extract<Frame, { type: 'sasl' }>).performative;
      expect(body).to.include({ kind: 'sasl-init', mechanism: 'PLAIN', hostname: 'vhost1' });
      expect(new TextDecoder().decode((body as { initialResponse: Uint8Array }).initialResponse)).to.equal('\0user\0pw');
      p.send(encodeFrame(0, { kind: 'sasl-outcome', code: 'ok' }));
      const out = p.output();
      expect(out[0]).to.deep.equal({ type: 'header', protocol: 'amqp' });
      const open = (out[1] as Extract<Frame, { type: 'amqp' }>).performative;
      expect(open).to.include({ kind: 'open', containerId: 'engine-under-test', hostname: 'vhost1', maxFrameSize: 1024 * 1024 });
      const ev = p.send(protocolHeaderBytes('amqp'), encodeFrame(0, { kind: 'open', containerId: 'peer' }));
      expect(ev.map((e) => e.type)).to.deep.equal(['connection-open']);
      expect(p.conn.state).to.equal('opened');
    });

    it('reports an auth failure as AuthenticationError and writes nothing more', () => {
      const p = new Peer({ sasl: { username: 'u', password: 'secret-pw' } });
      p.start();
      p.send(protocolHeaderBytes('sasl'), encodeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN'] }));
      p.output();
      const err = errorOf(p.send(encodeFrame(0, { kind: 'sasl-outcome', code: 'auth' })));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.not.include('secret-pw');
      expect(p.output()).to.deep.equal([]);
      expect(p.conn.done).to.equal(true);
    });

    it('fails clearly when the peer skips SASL or speaks another protocol', () => {
      const skipped = new Peer({ sasl: {} });
      skipped.start();
      expect(errorOf(skipped.send(protocolHeaderBytes('amqp')))).to.be.instanceOf(SaslError);

      const old = new Peer();
      old.start();
      const err = errorOf(old.send(Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1)));
      expect(err).to.be.instanceOf(ProtocolHeaderError);
      expect(err.message).to.match(/0-9-1/);

      const http = new Peer();
      http.start();
      expect(errorOf(http.send(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n')))).to.be.instanceOf(ProtocolHeaderError);
    });

    it('closes with frame-size-too-small when the peer offers less than 512', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.output();
      const err = errorOf(p.frame({ kind: 'open', containerId: 'peer', maxFrameSize: 256 }));
      expect((err as AmqpError).condition).to.equal('amqp:frame-size-too-small');
      expect(only(p.performatives(), 'close').error?.condition).to.equal('amqp:frame-size-too-small');
    });

    it('refuses a frame larger than our max-frame-size with a framing-error close', () => {
      const p = new Peer({ maxFrameSize: 512 });
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer' });
      p.output();
      const big = encodeFrame(0, { kind: 'open', containerId: 'x'.repeat(600) });
      const err = errorOf(p.send(big.subarray(0, 8)));
      expect(err.message).to.match(/exceeds max-frame-size 512/);
      expect(only(p.performatives(), 'close').error?.condition).to.equal('amqp:connection:framing-error');
    });

    it('answers a remote close and reports its error', () => {
      const p = new Peer();
      p.openSession();
      p.output();
      const ev = p.frame({ kind: 'close', error: { kind: 'error', condition: 'amqp:connection:forced', description: 'admin' } });
      const close = ev.find((e) => e.type === 'connection-close') as Extract<EngineEvent, { type: 'connection-close' }>;
      expect(close.error).to.be.instanceOf(AmqpError);
      expect(close.error?.condition).to.equal('amqp:connection:forced');
      expect(close.error?.local).to.equal(false);
      expect(only(p.performatives(), 'close').error).to.equal(undefined);
    });

    it('fails the connection on a frame for a channel with no session', () => {
      const p = new Peer();
      p.openSession();
      p.output();
      const err = errorOf(p.frame({ kind: 'flow', incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 1 }, 9));
      expect((err as AmqpError).condition).to.equal('amqp:connection:framing-error');
    });
  });

  describe('frame trace', () => {
    it('traces every frame both ways, decoded, with SASL credentials redacted', () => {
      const lines: string[] = [];
      const p = new Peer({ sasl: { username: 'user', password: 'pw-secret' }, trace: (l) => lines.push(l) });
      p.start();
      p.send(protocolHeaderBytes('sasl'), encodeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN'] }));
      p.send(encodeFrame(0, { kind: 'sasl-outcome', code: 'ok' }), protocolHeaderBytes('amqp'), encodeFrame(0, { kind: 'open', containerId: 'peer' }));
      const text = lines.join('\n');
      expect(text).to.match(/-> SASL header/);
      expect(text).to.match(/<- .*sasl-mechanisms/);
      expect(text).to.match(/-> .*sasl-init.*redacted/);
      expect(text).to.match(/-> .*open/);
      expect(text).to.match(/<- .*open.*peer/);
      expect(text).to.not.include('pw-secret');
      expect(text).to.not.include('user\0');
    });
  });

  describe('heartbeats and idle timeout', () => {
    it('sends an empty frame within half the peer idle-time-out', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer', idleTimeOut: 2000 });
      p.output();
      expect(p.conn.nextDeadline()).to.equal(p.now + 1000);
      p.now += 999;
      p.conn.tick(p.now);
      expect(p.output()).to.deep.equal([]);
      p.now += 1;
      p.conn.tick(p.now);
      expect(p.output()).to.deep.equal([{ type: 'heartbeat', channel: 0 }]);
    });

    it('fails with IdleTimeoutError when the peer is silent past our idle-time-out', () => {
      const p = new Peer({ idleTimeout: 3000 });
      const open = only(p.start().flatMap((e) => (e.type === 'amqp' ? [e.performative] : [])), 'open');
      p.send(protocolHeaderBytes('amqp'));
      expect(open.idleTimeOut).to.equal(3000);
      p.frame({ kind: 'open', containerId: 'peer' });
      p.now += 3000;
      expect(p.conn.tick(p.now)).to.deep.equal([]);
      p.now += 1;
      const err = errorOf([...p.conn.tick(p.now)]);
      expect(err).to.be.instanceOf(IdleTimeoutError);
      expect(only(p.performatives(), 'close').error?.condition).to.equal('amqp:resource-limit-exceeded');
    });
  });

  describe('sessions', () => {
    it('begins on channel 0 and maps the peer answer', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer' });
      const s = p.conn.session({ incomingWindow: 10 });
      const begin = only(p.performatives(), 'begin');
      expect(begin).to.include({ nextOutgoingId: 0, incomingWindow: 10 });
      expect(begin.remoteChannel).to.equal(undefined);
      const ev = p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 5, incomingWindow: 10, outgoingWindow: 10 }, 4);
      expect(ev[0]).to.include({ type: 'session-begin', remoteInitiated: false });
      expect(s.state).to.equal('mapped');
      expect(s.remoteChannel).to.equal(4);
    });

    it('opens several sessions up to the negotiated channel-max, then refuses', () => {
      const p = new Peer({ channelMax: 10 });
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer', channelMax: 2 });
      const channels = [p.conn.session(), p.conn.session(), p.conn.session()].map((x) => x.channel);
      expect(channels).to.deep.equal([0, 1, 2]);
      expect(() => p.conn.session()).to.throw(IllegalStateError, /channel-max 2/);
      expect(p.performatives().filter((x) => x.kind === 'begin')).to.have.length(3);
    });

    it('refuses an attach beyond handle-max with a framing error', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer' });
      p.conn.session({ handleMax: 3 });
      p.output();
      p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 10, outgoingWindow: 10 });
      const ev = p.frame({ kind: 'attach', name: 'x', handle: 4, role: 'sender' });
      const end = ev.find((e) => e.type === 'session-end') as Extract<EngineEvent, { type: 'session-end' }>;
      expect(end.error?.description).to.match(/exceeds handle-max 3/);
    });

    it('restores the incoming window with a session flow once half of it is used', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer' });
      const s = p.conn.session({ incomingWindow: 4 });
      s.attachReceiver({ name: 'r' });
      p.output();
      p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 10, outgoingWindow: 10 });
      p.frame({ kind: 'attach', name: 'r', handle: 0, role: 'sender', initialDeliveryCount: 0 });
      const t = (id: number): Uint8Array => encodeFrame(0, { kind: 'transfer', handle: 0, deliveryId: id, deliveryTag: Uint8Array.of(id), settled: true }, Uint8Array.of(0x00, 0x53, 0x77, 0x40));
      p.send(t(0), t(1));
      expect(p.performatives()).to.deep.equal([]);
      p.send(t(2));
      const flow = only(p.performatives(), 'flow');
      expect(flow).to.include({ nextIncomingId: 3, incomingWindow: 4 });
      expect(flow.handle).to.equal(undefined);
    });

    it('rejects a transfer on an unattached handle with unattached-handle', () => {
      const p = new Peer();
      p.openSession();
      p.output();
      const ev = p.frame({ kind: 'transfer', handle: 42, deliveryId: 0, deliveryTag: Uint8Array.of(1) });
      const end = ev.find((e) => e.type === 'session-end') as Extract<EngineEvent, { type: 'session-end' }>;
      expect(end.error?.condition).to.equal('amqp:session:unattached-handle');
      expect(only(p.performatives(), 'end').error?.condition).to.equal('amqp:session:unattached-handle');
    });
  });

  describe('receiver links', () => {
    it('grants credit with a flow carrying delivery-count and link-credit', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(5);
      const flow = only(p.performatives(), 'flow');
      expect(flow).to.include({ handle: link.handle, deliveryCount: 0, linkCredit: 5 });
      expect(flow.drain ?? false).to.equal(false);
      link.flow(0, true);
      expect(only(p.performatives(), 'flow').drain).to.equal(true);
    });

    it('reassembles multi-frame deliveries, discards aborted ones, counts credit', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(3);
      p.output();
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0), more: true }, 0, Uint8Array.of(1, 2));
      p.frame({ kind: 'transfer', handle: 7, more: true }, 0, Uint8Array.of(3));
      const ev = p.frame({ kind: 'transfer', handle: 7 }, 0, Uint8Array.of(4, 5));
      const e0 = ev[0] as Extract<EngineEvent, { type: 'delivery' }>;
      const d = e0.delivery;
      // The event is the delivery itself (one object per message).
      expect(d).to.equal(e0);
      expect(e0.link).to.equal(link);
      expect(Array.from(d.payload)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(d).to.include({ id: 0, remoteSettled: false, settled: false });
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1), more: true }, 0, Uint8Array.of(9));
      const aborted = p.frame({ kind: 'transfer', handle: 7, aborted: true });
      expect(aborted).to.deep.equal([]);
      expect(link.credit.credit).to.equal(1);
      expect(link.credit.deliveryCount).to.equal(2);
    });

    it('gives each delivery the tag of its first transfer, and fails a first transfer without one', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(3);
      p.output();
      // One frame (read fast, the tag copied when first asked) and several frames.
      const one = (p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(9, 8, 7) }, 0, Uint8Array.of(1))[0] as Extract<EngineEvent, { type: 'delivery' }>).delivery;
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(6), more: true }, 0, Uint8Array.of(2));
      const two = (p.frame({ kind: 'transfer', handle: 7 }, 0, Uint8Array.of(3))[0] as Extract<EngineEvent, { type: 'delivery' }>).delivery;
      expect([...one.tag]).to.deep.equal([9, 8, 7]);
      expect(one.tag, 'the same array at every read').to.equal(one.tag);
      expect([...two.tag]).to.deep.equal([6]);
      const ev = p.frame({ kind: 'transfer', handle: 7, deliveryId: 2 }, 0, Uint8Array.of(4));
      expect(ev.some((e) => e.type === 'delivery')).to.equal(false);
      expect(only(p.performatives(), 'detach').error).to.deep.include({ condition: 'amqp:invalid-field' });
    });

    it('delivers an over-credit transfer and reports the violation (nothing is lost)', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(1);
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0), settled: true }, 0, Uint8Array.of(1));
      const ev = p.frame({ kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1), settled: true }, 0, Uint8Array.of(2));
      expect(ev.map((e) => e.type)).to.deep.equal(['credit-violation', 'delivery']);
      expect(link.credit.credit).to.equal(0);
    });

    it('detaches with message-size-exceeded past our max-message-size', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(1);
      p.output();
      const ev = p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0) }, 0, new Uint8Array(1001));
      const det = ev.find((e) => e.type === 'link-detach') as Extract<EngineEvent, { type: 'link-detach' }>;
      expect(det.error?.condition).to.equal('amqp:link:message-size-exceeded');
      expect(only(p.performatives(), 'detach')).to.include({ handle: link.handle, closed: true });
    });

    it('keeps a one-frame delivery in the bytes it arrived in, and measures it there against max-message-size', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(2);
      p.output();
      const body = new Uint8Array(1000).map((_, i) => i & 0xff);
      const before = Uint8Array.of(0, 0, 0, 8, 2, 0, 0, 0); // a heartbeat frame ahead of it in the chunk
      const chunk = concat(before, encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0) }, body));
      const d = (p.send(chunk).find((e) => e.type === 'delivery') as Extract<EngineEvent, { type: 'delivery' }>).delivery;
      expect(d.payloadBuffer, 'no copy, no view').to.equal(chunk);
      expect(d.payloadEnd - d.payloadStart).to.equal(1000);
      expect(d.payloadEnd).to.equal(chunk.length);
      expect([...d.payload]).to.deep.equal([...body]);
      expect(d.payload.buffer).to.equal(chunk.buffer);
      // Exactly max-message-size (1000) passed; one byte more detaches.
      const ev = p.frame({ kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1) }, 0, new Uint8Array(1001));
      expect(ev.find((e) => e.type === 'link-detach')).to.deep.include({ type: 'link-detach' });
    });

    it('batches contiguous accepted settlements into one disposition range', () => {
      const p = new Peer();
      const link = p.attachReceiver();
      link.flow(4);
      const got = [0, 1, 2, 3].map((i) => (p.frame({ kind: 'transfer', handle: 7, deliveryId: i, deliveryTag: Uint8Array.of(i) }, 0, Uint8Array.of(i))[0] as Extract<EngineEvent, { type: 'delivery' }>).delivery);
      p.output();
      for (const d of got.slice(0, 3)) link.settle(d, { kind: 'accepted' });
      link.settle(got[3], { kind: 'rejected', error: { kind: 'error', condition: 'amqp:decode-error' } });
      const ds = p.performatives();
      expect(kinds(ds)).to.deep.equal(['disposition', 'disposition']);
      expect(ds[0]).to.deep.include({ role: 'receiver', first: 0, last: 2, settled: true, state: { kind: 'accepted' } });
      expect(ds[1]).to.deep.include({ role: 'receiver', first: 3, settled: true });
      expect(() => link.settle(got[0], { kind: 'accepted' })).to.throw(IllegalStateError);
    });
  });

  describe('sender links', () => {
    it('sends only with credit and advances delivery-count', () => {
      const p = new Peer();
      const link = p.attachSender();
      expect(link.sendable).to.equal(false);
      expect(() => link.send(Uint8Array.of(1))).to.throw(IllegalStateError, /no credit/);
      p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: 2 });
      link.send(Uint8Array.of(1));
      link.send(Uint8Array.of(2), { settled: true });
      const ts = p.performatives().filter((x) => x.kind === 'transfer');
      expect(ts).to.have.length(2);
      expect(ts[0]).to.include({ deliveryId: 0, settled: false });
      expect(ts[1]).to.include({ deliveryId: 1, settled: true });
      expect(link.sendable).to.equal(false);
      expect(link.credit.deliveryCount).to.equal(2);
      expect(link.unsettledCount).to.equal(1);
    });

    it('splits a message into frames no larger than the peer max-frame-size', () => {
      const p = new Peer();
      const link = p.attachSender({ maxFrameSize: 512 });
      p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: 1 });
      const payload = new Uint8Array(5000).map((_, i) => i & 0xff);
      link.send(payload);
      const raw = p.conn.takeOutput(p.now);
      const parser = new FrameParser({ expectHeader: false, maxFrameSize: 512 });
      const frames = parser.feed(raw) as Extract<Frame, { type: 'amqp' }>[];
      expect(frames.length).to.be.greaterThan(10);
      const joined = new Uint8Array(frames.reduce((n, f) => n + f.payload.length, 0));
      let at = 0;
      for (const f of frames) { joined.set(f.payload, at); at += f.payload.length; }
      expect(joined).to.deep.equal(payload);
      expect(frames.slice(0, -1).every((f) => (f.performative as { more?: boolean }).more === true)).to.equal(true);
      expect((frames[frames.length - 1].performative as { more?: boolean }).more ?? false).to.equal(false);
    });

    it('holds transfers while the session window is shut and asks with echo', () => {
      const p = new Peer();
      const s = p.openSession();
      const link = s.attachSender({ name: 's' });
      p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 1, outgoingWindow: 100 }, 1);
      void link;
      // The session above already mapped; use a fresh one with a 1-frame window.
      const p2 = new Peer();
      p2.start();
      p2.send(protocolHeaderBytes('amqp'));
      p2.frame({ kind: 'open', containerId: 'peer' });
      const s2 = p2.conn.session();
      const l2 = s2.attachSender({ name: 's' });
      p2.output();
      p2.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 1, outgoingWindow: 100 });
      p2.frame({ kind: 'attach', name: 's', handle: 0, role: 'receiver' });
      p2.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 5 });
      const d1 = l2.send(Uint8Array.of(1));
      const d2 = l2.send(Uint8Array.of(2));
      const d3 = l2.send(Uint8Array.of(3));
      const out = p2.performatives();
      expect(kinds(out)).to.deep.equal(['transfer', 'flow']);
      expect(out[1]).to.include({ echo: true });
      // The peer's answer opens the window: the held transfers go out, each with its own id and
      // tag (the link fills one performative object and one tag array for every one-frame
      // transfer; a held transfer must keep copies of both).
      p2.frame({ kind: 'flow', nextIncomingId: 1, incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 100 });
      const second = p2.performatives();
      expect(kinds(second)[0]).to.equal('transfer');
      expect(second[0]).to.deep.include({ deliveryId: 1, deliveryTag: Uint8Array.of(0, 0, 0, 1) });
      p2.frame({ kind: 'flow', nextIncomingId: 2, incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 100 });
      expect(p2.performatives()[0]).to.deep.include({ deliveryId: 2, deliveryTag: Uint8Array.of(0, 0, 0, 2) });
      expect([d1.tag, d2.tag, d3.tag].map((t) => [...t])).to.deep.equal([[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 2]]);
    });

    it('answers a drain by consuming credit, and applies ranged dispositions', () => {
      const p = new Peer();
      const link = p.attachSender();
      p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: 10, drain: true });
      expect(link.drainRequested).to.equal(true);
      const sent = [link.send(Uint8Array.of(1)), link.send(Uint8Array.of(2))];
      link.drained();
      const out = p.performatives();
      const flow = only(out, 'flow');
      expect(flow).to.include({ handle: link.handle, deliveryCount: 10, linkCredit: 0 });
      const ev = p.frame({ kind: 'disposition', role: 'receiver', first: 0, last: 1, settled: true, state: { kind: 'accepted' } });
      expect(ev.map((e) => e.type)).to.deep.equal(['delivery-update', 'delivery-update']);
      // Each update event is the delivery it is about, with its link.
      const updates = ev as Extract<EngineEvent, { type: 'delivery-update' }>[];
      expect(updates.map((e) => e.delivery)).to.deep.equal(sent).and.to.deep.equal(updates);
      expect(updates.every((e, i) => e.delivery === sent[i] && e.link === link && e.delivery.remoteState?.kind === 'accepted')).to.equal(true);
      expect(link.unsettledCount).to.equal(0);
    });

    it('settles on our side when the receiver settles second', () => {
      const p = new Peer();
      const link = p.attachSender();
      p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 3, deliveryCount: 0, linkCredit: 1 });
      link.send(Uint8Array.of(1));
      p.output();
      p.frame({ kind: 'disposition', role: 'receiver', first: 0, settled: false, state: { kind: 'rejected', error: { kind: 'error', condition: 'amqp:not-allowed' } } });
      const d = only(p.performatives(), 'disposition');
      expect(d).to.include({ role: 'sender', first: 0, settled: true });
    });
  });
});
