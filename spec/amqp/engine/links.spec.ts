/**
 * Byte-level link and session rules: the peer's handle-max, echo flows, settle-mode negotiation,
 * the receiver's max-message-size on outgoing messages, and the hard bound on over-credit
 * transfers. Each test scripts the peer's frames and decodes exactly what the engine wrote.
 */
import { expect } from 'chai';
import { string } from '../../../src/amqp/codec/index.js';
import {
  AmqpError, HandleMaxError, MessageSizeExceededError, SettleModeError, TransferLimitError,
} from '../../../src/amqp/engine/errors.js';
import type { EngineEvent } from '../../../src/amqp/engine/events.js';
import { DEFAULT_OVER_CREDIT_LIMIT, type LinkOptions, type ReceiverLink, type SenderLink } from '../../../src/amqp/engine/link.js';
import type { Session } from '../../../src/amqp/engine/session.js';
import type { Attach, Flow } from '../../../src/amqp/frames/definitions.generated.js';
import { encodeFrame, protocolHeaderBytes } from '../../../src/amqp/frames/index.js';
import { kinds, only, Peer } from './scripted-peer.js';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: readonly EngineEvent[], type: T): Ev<T>[] =>
  events.filter((e): e is Ev<T> => e.type === type);

/** Open, then begin a session answered by a peer begin with the given fields. */
function session(p: Peer, begin: { handleMax?: number } = {}, options: Parameters<Peer['conn']['session']>[0] = {}): Session {
  p.start();
  p.send(protocolHeaderBytes('amqp'));
  p.frame({ kind: 'open', containerId: 'peer' });
  const s = p.conn.session(options);
  p.output();
  p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 100, outgoingWindow: 100, ...begin });
  return s;
}

/** Peer-side link flow (session fields filled in). */
const linkFlow = (fields: Partial<Flow>): Flow => ({
  kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, ...fields,
});

/** A sender of ours, answered by the peer's attach with `answer` fields; the peer's handle is 3. */
function sender(p: Peer, options: Partial<LinkOptions> = {}, answer: Partial<Attach> = {}): { link: SenderLink; events: EngineEvent[] } {
  const s = session(p);
  const link = s.attachSender({ name: 's', target: { kind: 'target', address: string('q') }, ...options });
  p.output();
  const events = p.frame({ kind: 'attach', name: 's', handle: 3, role: 'receiver', ...answer });
  return { link, events };
}

/** A receiver of ours, answered by the peer's attach; the peer's handle is 7. */
function receiver(p: Peer, options: Partial<LinkOptions> = {}, answer: Partial<Attach> = {}): { link: ReceiverLink; events: EngineEvent[] } {
  const s = session(p);
  const link = s.attachReceiver({ name: 'r', source: { kind: 'source', address: string('q') }, ...options });
  p.output();
  const events = p.frame({ kind: 'attach', name: 'r', handle: 7, role: 'sender', initialDeliveryCount: 0, ...answer });
  return { link, events };
}

/** One single-frame transfer from the peer on handle 7. */
const transfer = (id: number, settled = false): Uint8Array =>
  encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: id, deliveryTag: Uint8Array.of(id & 0xff, id >> 8), settled }, Uint8Array.of(0x00, 0x53, 0x77, 0x40));

describe('amqp/engine links and sessions (byte level)', () => {
  describe('handle-max', () => {
    it("allocates our handles within the peer's handle-max and refuses beyond it with HandleMaxError", () => {
      const p = new Peer();
      const s = session(p, { handleMax: 1 });
      const a = s.attachSender({ name: 'a' });
      const b = s.attachReceiver({ name: 'b' });
      expect([a.handle, b.handle]).to.deep.equal([0, 1]);
      expect(kinds(p.performatives())).to.deep.equal(['attach', 'attach']);
      let err: unknown;
      try { s.attachSender({ name: 'c' }); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(HandleMaxError);
      expect((err as HandleMaxError).handleMax).to.equal(1);
      // Nothing went out for the refused link: a handle of 2 would make the peer close the connection.
      expect(p.performatives()).to.deep.equal([]);
      // Once a link is gone its handle can be used again.
      p.frame({ kind: 'attach', name: 'a', handle: 0, role: 'receiver' });
      a.detach();
      p.frame({ kind: 'detach', handle: 0, closed: true });
      p.output();
      const c = s.attachSender({ name: 'c' });
      expect(c.handle).to.equal(0);
      expect(only(p.performatives(), 'attach')).to.include({ name: 'c', handle: 0 });
    });

    it('states our own handle-max in begin and also keeps to it for our links', () => {
      const p = new Peer();
      p.start();
      p.send(protocolHeaderBytes('amqp'));
      p.frame({ kind: 'open', containerId: 'peer' });
      const s = p.conn.session({ handleMax: 0 });
      expect(only(p.performatives(), 'begin').handleMax).to.equal(0);
      p.frame({ kind: 'begin', remoteChannel: 0, nextOutgoingId: 0, incomingWindow: 100, outgoingWindow: 100, handleMax: 100 });
      s.attachSender({ name: 'a' });
      expect(() => s.attachSender({ name: 'b' })).to.throw(HandleMaxError, /handle-max 0/);
    });

    it("ends the session when a peer's attach needs a handle beyond the peer's own handle-max", () => {
      const p = new Peer();
      const s = session(p, { handleMax: 0 });
      s.attachSender({ name: 'a' });
      p.output();
      const ev = p.frame({ kind: 'attach', name: 'peer-link', handle: 1, role: 'sender', initialDeliveryCount: 0 });
      const end = ofType(ev, 'session-end')[0];
      expect(end.error?.condition).to.equal('amqp:resource-limit-exceeded');
      expect(only(p.performatives(), 'end').error?.condition).to.equal('amqp:resource-limit-exceeded');
    });
  });

  describe('a detach before the peer answered the attach', () => {
    for (const role of ['sender', 'receiver'] as const) {
      it(`${role}: the peer's late attach and its detach close the link, with no second detach and the session intact`, () => {
        const p = new Peer();
        const s = session(p);
        const link = role === 'sender'
          ? s.attachSender({ name: 'early', target: { kind: 'target', address: string('q') } })
          : s.attachReceiver({ name: 'early', source: { kind: 'source', address: string('q') } });
        link.detach();
        expect(kinds(p.performatives())).to.deep.equal(['attach', 'detach']);
        const peerRole = role === 'sender' ? 'receiver' : 'sender';
        const onAttach = p.frame({ kind: 'attach', name: 'early', handle: 0, role: peerRole, initialDeliveryCount: 0 });
        expect(onAttach.map((e) => e.type)).to.deep.equal([]);
        expect(link.state).to.equal('detach-sent');
        const onDetach = p.frame({ kind: 'detach', handle: 0, closed: true });
        expect(onDetach.map((e) => e.type)).to.deep.equal(['link-detach']);
        expect(link.state).to.equal('closed');
        expect(p.performatives(), 'nothing answers the answer').to.deep.equal([]);
        // The peer reuses its handle 0 for the next link, which attaches normally.
        const next = s.attachSender({ name: 'next', target: { kind: 'target', address: string('q') } });
        p.output();
        const ev = p.frame({ kind: 'attach', name: 'next', handle: 0, role: 'receiver' });
        expect(ev.map((e) => e.type)).to.deep.equal(['link-attach']);
        expect(next.state).to.equal('attached');
        expect(s.state).to.equal('mapped');
      });
    }
  });

  describe('echo', () => {
    it('a receiver answers a link flow with echo=true with its own flow (and does not echo back)', () => {
      const p = new Peer();
      const { link } = receiver(p);
      link.flow(5);
      p.output();
      p.frame(linkFlow({ handle: 7, deliveryCount: 0, linkCredit: 5, available: 3, echo: true }));
      const flow = only(p.performatives(), 'flow');
      expect(flow).to.include({ handle: link.handle, deliveryCount: 0, linkCredit: 5, nextIncomingId: 0, incomingWindow: 2048 });
      expect(flow.echo ?? false).to.equal(false);
      expect(link.credit.available).to.equal(3);
      // Without echo a sender's flow needs no answer.
      p.frame(linkFlow({ handle: 7, deliveryCount: 0, linkCredit: 5 }));
      expect(p.performatives()).to.deep.equal([]);
    });

    it('a sender answers a link flow with echo=true with its delivery-count and credit', () => {
      const p = new Peer();
      const { link } = sender(p);
      p.output();
      p.frame(linkFlow({ handle: 3, deliveryCount: 0, linkCredit: 3, echo: true }));
      const flow = only(p.performatives(), 'flow');
      expect(flow).to.include({ handle: link.handle, deliveryCount: 0, linkCredit: 3 });
      expect(flow.echo ?? false).to.equal(false);
      link.send(Uint8Array.of(0x00, 0x53, 0x77, 0x40));
      p.output();
      p.frame(linkFlow({ handle: 3, deliveryCount: 0, linkCredit: 3, echo: true }));
      expect(only(p.performatives(), 'flow')).to.include({ handle: link.handle, deliveryCount: 1, linkCredit: 2, nextOutgoingId: 1 });
    });

    it('answers a session flow with echo=true with a session flow of its current window', () => {
      const p = new Peer();
      const { link } = receiver(p);
      link.flow(2);
      p.send(transfer(0, true), transfer(1, true));
      p.output();
      p.frame({ kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 2, outgoingWindow: 100, echo: true });
      const flow = only(p.performatives(), 'flow');
      expect(flow).to.include({ nextIncomingId: 2, incomingWindow: 2046, nextOutgoingId: 0 });
      expect(flow.handle).to.equal(undefined);
      expect(flow.echo ?? false).to.equal(false);
    });
  });

  describe('settle-mode negotiation', () => {
    it("a sender adopts the receiver's snd-settle-mode 'settled' and sends pre-settled", () => {
      const p = new Peer();
      const { link, events } = sender(p, { sndSettleMode: 'unsettled', rcvSettleMode: 'first' }, { sndSettleMode: 'settled', rcvSettleMode: 'first' });
      expect(events.map((e) => e.type)).to.deep.equal(['link-attach']);
      expect(link.sndSettleMode).to.equal('settled');
      expect(link.rcvSettleMode).to.equal('first');
      p.frame(linkFlow({ handle: 3, deliveryCount: 0, linkCredit: 1 }));
      const d = link.send(Uint8Array.of(0x00, 0x53, 0x77, 0x40), { settled: false });
      expect(d.presettled).to.equal(true);
      expect(only(p.performatives(), 'transfer')).to.include({ settled: true });
      expect(link.unsettledCount).to.equal(0);
    });

    it("a sender keeps its mode when the receiver answers 'mixed', and takes the receiver's rcv-settle-mode", () => {
      const p = new Peer();
      const { link } = sender(p, { sndSettleMode: 'unsettled' }, { sndSettleMode: 'mixed', rcvSettleMode: 'second' });
      expect(link.sndSettleMode).to.equal('unsettled');
      expect(link.rcvSettleMode).to.equal('second');
      p.frame(linkFlow({ handle: 3, deliveryCount: 0, linkCredit: 1 }));
      // Mode 'unsettled' binds every delivery: a per-send request for pre-settled cannot break it.
      const d = link.send(Uint8Array.of(0x00, 0x53, 0x77, 0x40), { settled: true });
      expect(d.presettled).to.equal(false);
      expect(only(p.performatives(), 'transfer')).to.include({ settled: false });
    });

    it("a receiver records the sender's snd-settle-mode as the mode in use", () => {
      const p = new Peer();
      const { link } = receiver(p, { sndSettleMode: 'unsettled', rcvSettleMode: 'first' }, { sndSettleMode: 'settled' });
      expect(link.sndSettleMode).to.equal('settled');
      expect(link.rcvSettleMode).to.equal('first');
      // Fields left out of the answer take the specification's defaults.
      const q = new Peer();
      expect(receiver(q, { sndSettleMode: 'unsettled' }).link.sndSettleMode).to.equal('mixed');
    });

    it('with requireSettleModes, a sender refuses a different snd-settle-mode with SettleModeError', () => {
      const p = new Peer();
      const { link, events } = sender(p, { sndSettleMode: 'unsettled', requireSettleModes: true }, { sndSettleMode: 'settled' });
      expect(events.map((e) => e.type)).to.deep.equal(['link-detach']);
      const err = ofType(events, 'link-detach')[0].error;
      expect(err).to.be.instanceOf(SettleModeError);
      expect(err).to.include({ condition: 'amqp:precondition-failed', mode: 'snd-settle-mode', requested: 'unsettled', answered: 'settled', local: true });
      const detach = only(p.performatives(), 'detach');
      expect(detach).to.include({ handle: link.handle, closed: true });
      expect(detach.error?.condition).to.equal('amqp:precondition-failed');
    });

    it('with requireSettleModes, a receiver refuses a sender that does not use the mode asked for', () => {
      const p = new Peer();
      const { events } = receiver(p, { sndSettleMode: 'unsettled', rcvSettleMode: 'first', requireSettleModes: true }, { sndSettleMode: 'mixed' });
      const err = ofType(events, 'link-detach')[0]?.error;
      expect(err).to.be.instanceOf(SettleModeError);
      expect(err).to.include({ mode: 'snd-settle-mode', requested: 'unsettled', answered: 'mixed' });
      const q = new Peer();
      const second = receiver(q, { rcvSettleMode: 'first', requireSettleModes: true }, { rcvSettleMode: 'second' });
      expect(ofType(second.events, 'link-detach')[0]?.error).to.include({ mode: 'rcv-settle-mode', requested: 'first', answered: 'second' });
      // An answer that grants what was asked attaches normally.
      const r = new Peer();
      const ok = receiver(r, { sndSettleMode: 'unsettled', rcvSettleMode: 'first', requireSettleModes: true }, { sndSettleMode: 'unsettled', rcvSettleMode: 'first' });
      expect(ok.events.map((e) => e.type)).to.deep.equal(['link-attach']);
    });
  });

  describe("the receiver's max-message-size on our messages", () => {
    it('refuses a larger message with MessageSizeExceededError before using credit or writing anything', () => {
      const p = new Peer();
      const { link } = sender(p, {}, { maxMessageSize: 10n });
      expect(link.remoteMaxMessageSize).to.equal(10);
      p.frame(linkFlow({ handle: 3, deliveryCount: 0, linkCredit: 2 }));
      p.output();
      let err: unknown;
      try { link.send(new Uint8Array(11)); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(MessageSizeExceededError);
      expect(err).to.be.instanceOf(AmqpError);
      expect(err).to.include({ size: 11, maxMessageSize: 10, condition: 'amqp:link:message-size-exceeded' });
      expect(p.performatives()).to.deep.equal([]);
      expect(link.credit.credit).to.equal(2);
      expect(link.credit.deliveryCount).to.equal(0);
      // The link is intact: a message at the limit goes out as delivery 0.
      const d = link.send(new Uint8Array(10));
      expect(d.id).to.equal(0);
      expect(only(p.performatives(), 'transfer')).to.include({ deliveryId: 0, handle: link.handle });
      expect(link.state).to.equal('attached');
    });
  });

  describe('bounded unsettled state (over-credit transfers)', () => {
    it('delivers up to overCreditLimit transfers past credit, then detaches with transfer-limit-exceeded', () => {
      const p = new Peer();
      const { link } = receiver(p, { overCreditLimit: 2 });
      link.flow(1);
      p.output();
      const ev = p.send(transfer(0), transfer(1), transfer(2));
      expect(ev.map((e) => e.type)).to.deep.equal(['delivery', 'credit-violation', 'delivery', 'credit-violation', 'delivery']);
      expect(link.unsettledCount).to.equal(3);
      expect(p.performatives()).to.deep.equal([]);
      const over = p.send(transfer(3));
      expect(over.map((e) => e.type)).to.deep.equal(['link-detach']);
      const err = ofType(over, 'link-detach')[0].error;
      expect(err).to.be.instanceOf(TransferLimitError);
      expect(err).to.include({ condition: 'amqp:link:transfer-limit-exceeded', limit: 2, local: true });
      const detach = only(p.performatives(), 'detach');
      expect(detach).to.include({ handle: link.handle, closed: true });
      expect(detach.error?.condition).to.equal('amqp:link:transfer-limit-exceeded');
      // Transfers still in flight after our detach are not delivered and do not fail it again;
      // each is released, so that a peer keeping a detached link's deliveries does not hold it.
      expect(p.send(transfer(4))).to.deep.equal([]);
      expect(p.performatives()).to.deep.equal([{ kind: 'disposition', role: 'receiver', first: 4, settled: true, state: { kind: 'released' } }]);
    });

    it('a new grant restarts the allowance; multi-frame deliveries count once', () => {
      const p = new Peer();
      const { link } = receiver(p, { overCreditLimit: 1 });
      link.flow(1);
      p.send(transfer(0), transfer(1));
      link.flow(1);
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 2, deliveryTag: Uint8Array.of(2), more: true }, 0, Uint8Array.of(0x00, 0x53));
      p.frame({ kind: 'transfer', handle: 7, more: false }, 0, Uint8Array.of(0x77, 0x40));
      p.send(transfer(3));
      expect(ofType(p.events, 'delivery').map((e) => e.delivery.id)).to.deep.equal([0, 1, 2, 3]);
      expect(ofType(p.events, 'link-detach')).to.deep.equal([]);
      const ev = p.frame({ kind: 'transfer', handle: 7, deliveryId: 4, deliveryTag: Uint8Array.of(4), more: true }, 0, Uint8Array.of(0));
      expect(ofType(ev, 'link-detach')[0]?.error).to.be.instanceOf(TransferLimitError);
    });

    it(`caps over-credit transfers at ${DEFAULT_OVER_CREDIT_LIMIT} by default`, () => {
      const p = new Peer();
      const { link } = receiver(p);
      const frames = Array.from({ length: DEFAULT_OVER_CREDIT_LIMIT + 1 }, (_, i) => transfer(i, true));
      const ev = p.send(...frames);
      expect(ofType(ev, 'delivery')).to.have.length(DEFAULT_OVER_CREDIT_LIMIT);
      expect(ofType(ev, 'link-detach')[0]?.error).to.be.instanceOf(TransferLimitError);
      expect(link.state).to.equal('detach-sent');
    });
  });

  describe("assembly into the connection's allocate", () => {
    /** An allocator that hands out arrays full of 0xee (as uninitialised memory may be) and logs their sizes. */
    function dirtyAllocator(): { allocate: (n: number) => Uint8Array; sizes: number[] } {
      const sizes: number[] = [];
      return { sizes, allocate: (n) => { sizes.push(n); return new Uint8Array(n).fill(0xee); } };
    }
    const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
    const cat = (...xs: Uint8Array[]): Uint8Array => {
      const out = new Uint8Array(xs.reduce((a, x) => a + x.length, 0));
      let at = 0;
      for (const x of xs) { out.set(x, at); at += x.length; }
      return out;
    };

    it('a delivery of several transfers is assembled in one array sized from its data section, every byte written', () => {
      const a = dirtyAllocator();
      const p = new Peer({ allocate: a.allocate });
      const { link } = receiver(p);
      link.flow(1);
      // A data section of 5,000 bytes (0x00 0x53 0x75 vbin32), split over three transfers.
      const message = cat(Uint8Array.of(0x00, 0x53, 0x75, 0xb0, 0, 0, 0x13, 0x88), bytes(5000, 1));
      const parts = [message.subarray(0, 300), message.subarray(300, 301), message.subarray(301)];
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0), more: true }, 0, parts[0]);
      p.frame({ kind: 'transfer', handle: 7, more: true }, 0, parts[1]);
      p.frame({ kind: 'transfer', handle: 7, more: false }, 0, parts[2]);
      const [d] = ofType(p.events, 'delivery');
      expect(d.delivery.payload).to.deep.equal(message);
      expect(a.sizes).to.deep.equal([message.length]);
    });

    it('without a size to go by, the array grows, and the delivery keeps exactly its bytes', () => {
      const a = dirtyAllocator();
      const p = new Peer({ allocate: a.allocate });
      const { link } = receiver(p);
      link.flow(2);
      const parts = [bytes(300, 1), bytes(1, 2), bytes(4000, 3)];
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0), more: true }, 0, parts[0]);
      p.frame({ kind: 'transfer', handle: 7, more: true }, 0, parts[1]);
      p.frame({ kind: 'transfer', handle: 7, more: false }, 0, parts[2]);
      // A section stating 1,000,000 bytes that ends after 20: the spare room is not kept.
      const liar = cat(Uint8Array.of(0x00, 0x53, 0x75, 0xb0, 0x00, 0x0f, 0x42, 0x40), bytes(12, 4));
      p.frame({ kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1), more: true }, 0, liar.subarray(0, 10));
      p.frame({ kind: 'transfer', handle: 7, more: false }, 0, liar.subarray(10));
      const [d, e] = ofType(p.events, 'delivery').map((x) => x.delivery.payload);
      expect(d).to.deep.equal(cat(...parts));
      expect(d.buffer.byteLength).to.equal(4301);
      expect(e).to.deep.equal(liar);
      expect(e.buffer.byteLength).to.equal(20);
      expect(a.sizes).to.deep.equal([300, 600, 4301, 1_000_008, 20]);
    });

    it('a large frame spread over reads (handed over in parts) and a small one (assembled by the parser) come out exact', () => {
      const a = dirtyAllocator();
      const p = new Peer({ allocate: a.allocate });
      const { link } = receiver(p);
      link.flow(2);
      const big = bytes(40_000, 4);
      const small = bytes(3000, 5);
      const wire = cat(
        encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0) }, big),
        encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1) }, small),
      );
      // Reads of 1,000 bytes: both frames span reads.
      for (let at = 0; at < wire.length; at += 1000) p.send(wire.subarray(at, at + 1000));
      const ds = ofType(p.events, 'delivery');
      expect(ds.map((e) => e.delivery.payload)).to.deep.equal([big, small]);
      // The large frame's payload is one allocation of its exact size; the small frame was
      // assembled whole (header, performative and payload) by the parser.
      expect(a.sizes[0]).to.equal(big.length);
      expect(a.sizes).to.have.length(2);
      expect(a.sizes[1]).to.be.greaterThan(small.length).and.lessThan(small.length + 64);
    });

    it("with reads going where nextRead says, a large delivery's payload is read into its own array, not copied", () => {
      const a = dirtyAllocator();
      const p = new Peer({ allocate: a.allocate });
      const { link } = receiver(p);
      link.flow(10);
      const body = bytes(300_000, 6);
      const message = cat(Uint8Array.of(0x00, 0x53, 0x75, 0xb0, 0x00, 0x04, 0x93, 0xe0), body);
      const third = Math.ceil(message.length / 3);
      const small = Uint8Array.of(0x00, 0x53, 0x77, 0xa1, 0x02, 0x68, 0x69);
      const wire = cat(
        ...[0, 1, 2].map((i) => encodeFrame(0, i === 0
          ? { kind: 'transfer', handle: 7, deliveryId: 0, deliveryTag: Uint8Array.of(0), more: true }
          : { kind: 'transfer', handle: 7, more: i < 2 }, message.subarray(i * third, (i + 1) * third))),
        encodeFrame(0, { kind: 'transfer', handle: 7, deliveryId: 1, deliveryTag: Uint8Array.of(1) }, small),
      );
      const targets = new Set<ArrayBufferLike>();
      let intoTarget = 0;
      let reads = 0;
      for (let at = 0; at < wire.length; reads++) {
        const want = p.conn.nextRead();
        // Reads come in pieces of at most 40,000 bytes whatever the owner asks, as a socket's do.
        if (want instanceof Uint8Array) {
          const k = Math.min(want.length, wire.length - at, 40_000);
          want.set(wire.subarray(at, at + k));
          targets.add(want.buffer);
          intoTarget += k;
          p.send(want.subarray(0, k));
          at += k;
        } else {
          const k = Math.min(want ?? 65_536, wire.length - at, 40_000);
          p.send(wire.slice(at, at + k));
          at += k;
        }
      }
      const [big, last] = ofType(p.events, 'delivery').map((e) => e.delivery.payload);
      expect(big).to.deep.equal(message);
      expect(last).to.deep.equal(small);
      // One array, sized from the data section, that the reads went into.
      expect(a.sizes).to.deep.equal([message.length]);
      expect([...targets]).to.deep.equal([big.buffer]);
      // All went straight there but the first read (nothing streaming yet) and the first bytes of
      // the other frames (read short, with their heads).
      expect(intoTarget).to.be.greaterThan(message.length - 40_000 - 2 * 1024);
      expect(reads).to.be.lessThan(20);
    });
  });
});
