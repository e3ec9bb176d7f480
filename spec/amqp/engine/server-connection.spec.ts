/**
 * Byte-level tests of the server role: a scripted client feeds encoded frames to a
 * ServerConnection and the test decodes exactly what the server wrote back.
 */
import { expect } from 'chai';
import { ServerConnection, type SaslLogin, type ServerConnectionOptions } from '../../../src/amqp/engine/server-connection.js';
import type { EngineEvent } from '../../../src/amqp/engine/events.js';
import { AuthenticationError, SaslError } from '../../../src/amqp/engine/sasl.js';
import type { ReceiverLink, SenderLink } from '../../../src/amqp/engine/link.js';
import { FrameParser, encodeFrame, protocolHeaderBytes } from '../../../src/amqp/frames/index.js';
import type { ParserEvent } from '../../../src/amqp/frames/index.js';
import type { Performative, SaslFrameBody } from '../../../src/amqp/frames/definitions.generated.js';
import { string } from '../../../src/amqp/codec/index.js';

class Client {
  readonly server: ServerConnection;
  readonly events: EngineEvent[] = [];
  readonly trace: string[] = [];
  private readonly parser = new FrameParser();
  now = 1_000;

  constructor(options: Partial<ServerConnectionOptions> = {}) {
    this.server = new ServerConnection({ containerId: 'server-under-test', idleTimeout: 0, trace: (l) => this.trace.push(l), ...options });
    this.server.start(this.now);
  }

  send(bytes: Uint8Array): EngineEvent[] {
    const e = [...this.server.receive(bytes, this.now)];
    this.events.push(...e);
    return e;
  }

  frame(p: Performative | SaslFrameBody, channel = 0, payload?: Uint8Array): EngineEvent[] {
    return this.send(encodeFrame(channel, p, payload));
  }

  output(): ParserEvent[] {
    return this.parser.feed(this.server.takeOutput(this.now));
  }

  bodies(): (Performative | SaslFrameBody | string)[] {
    return this.output().map((e) => (e.type === 'header' ? `${e.protocol} header` : e.type === 'heartbeat' ? 'heartbeat' : e.type === 'payload' ? 'payload' : e.performative));
  }

  /** SASL ANONYMOUS, AMQP header, open, begin on channel 0. */
  openSession(open: Partial<Performative & { kind: 'open' }> = {}): void {
    this.send(protocolHeaderBytes('sasl'));
    this.frame({ kind: 'sasl-init', mechanism: 'ANONYMOUS', initialResponse: new TextEncoder().encode('anonymous') });
    this.send(protocolHeaderBytes('amqp'));
    this.frame({ kind: 'open', containerId: 'client', ...open } as Performative);
    this.frame({ kind: 'begin', nextOutgoingId: 0, incomingWindow: 100, outgoingWindow: 100 });
    this.output();
  }
}

const plain = (authzid: string, user: string, pass: string): Uint8Array => new TextEncoder().encode(`${authzid}\0${user}\0${pass}`);

describe('engine: ServerConnection (server role)', () => {
  it('writes nothing before the client header, then offers ANONYMOUS and PLAIN', () => {
    const c = new Client();
    expect(c.server.takeOutput(c.now).length).to.equal(0);
    c.send(protocolHeaderBytes('sasl'));
    const out = c.bodies();
    expect(out[0]).to.equal('sasl header');
    expect(out[1]).to.deep.include({ kind: 'sasl-mechanisms', saslServerMechanisms: ['ANONYMOUS', 'PLAIN'] });
  });

  it('checks PLAIN against the callback and answers ok, then the AMQP header and open', () => {
    const logins: SaslLogin[] = [];
    const c = new Client({ sasl: { authenticate: (l) => { logins.push(l); return l.username === 'u' && l.password === 'p'; } }, maxFrameSize: 4096, idleTimeout: 30_000 });
    c.send(protocolHeaderBytes('sasl'));
    c.output();
    c.frame({ kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: plain('', 'u', 'p') });
    expect(c.bodies()).to.deep.equal([{ kind: 'sasl-outcome', code: 'ok' }]);
    expect(logins).to.deep.equal([{ mechanism: 'PLAIN', username: 'u', password: 'p', authzid: undefined }]);
    expect(c.server.principal).to.deep.equal({ mechanism: 'PLAIN', username: 'u' });
    c.send(protocolHeaderBytes('amqp'));
    expect(c.bodies()).to.deep.equal(['amqp header']);
    const ev = c.frame({ kind: 'open', containerId: 'client', maxFrameSize: 100_000, idleTimeOut: 10_000 });
    expect(ev.map((e) => e.type)).to.deep.equal(['connection-open']);
    const [open] = c.bodies();
    expect(open).to.deep.include({ kind: 'open', containerId: 'server-under-test', maxFrameSize: 4096, idleTimeOut: 30_000 });
    expect(c.server.remoteMaxFrameSize).to.equal(4096);
    // Credentials never reach the trace.
    expect(c.trace.join('\n')).not.to.include('\0p');
    expect(c.trace.join('\n')).to.include('redacted');
  });

  it('EXTERNAL: the identity given by the layer below is the login, the response its authzid; refused without one', () => {
    const logins: SaslLogin[] = [];
    const c = new Client({ sasl: { mechanisms: ['EXTERNAL', 'PLAIN'], externalIdentity: 'client-cn', authenticate: (l) => { logins.push(l); return true; } } });
    c.send(protocolHeaderBytes('sasl'));
    expect(c.bodies()[1]).to.deep.include({ saslServerMechanisms: ['EXTERNAL', 'PLAIN'] });
    c.frame({ kind: 'sasl-init', mechanism: 'EXTERNAL', initialResponse: new TextEncoder().encode('other') });
    expect(c.bodies()).to.deep.equal([{ kind: 'sasl-outcome', code: 'ok' }]);
    expect(logins).to.deep.equal([{ mechanism: 'EXTERNAL', username: 'client-cn', authzid: 'other' }]);
    expect(c.server.principal).to.deep.equal({ mechanism: 'EXTERNAL', username: 'client-cn', authzid: 'other' });
    // The same offer without an established identity: EXTERNAL cannot succeed.
    const d = new Client({ sasl: { mechanisms: ['EXTERNAL'], authenticate: () => true } });
    d.send(protocolHeaderBytes('sasl'));
    d.output();
    const ev = d.frame({ kind: 'sasl-init', mechanism: 'EXTERNAL' });
    expect(d.bodies()).to.deep.equal([{ kind: 'sasl-outcome', code: 'auth' }]);
    expect((ev[0] as Extract<EngineEvent, { type: 'connection-error' }>).error).to.be.instanceOf(AuthenticationError);
  });

  it('refuses bad PLAIN credentials with outcome auth and reports an AuthenticationError', () => {
    const c = new Client({ sasl: { authenticate: (l) => l.password === 'right' } });
    c.send(protocolHeaderBytes('sasl'));
    c.output();
    const ev = c.frame({ kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: plain('', 'u', 'wrong-secret') });
    expect(c.bodies()).to.deep.equal([{ kind: 'sasl-outcome', code: 'auth' }]);
    expect(ev).to.have.length(1);
    const e = ev[0] as Extract<EngineEvent, { type: 'connection-error' }>;
    expect(e.type).to.equal('connection-error');
    expect(e.error).to.be.instanceOf(AuthenticationError);
    expect(e.error.message).not.to.include('wrong-secret');
    expect(c.server.done).to.equal(true);
  });

  it('refuses a mechanism it does not offer, and ANONYMOUS when only PLAIN is offered', () => {
    const c = new Client({ sasl: { mechanisms: ['PLAIN'] } });
    c.send(protocolHeaderBytes('sasl'));
    expect(c.bodies()[1]).to.deep.include({ saslServerMechanisms: ['PLAIN'] });
    c.frame({ kind: 'sasl-init', mechanism: 'ANONYMOUS' });
    expect(c.bodies()).to.deep.equal([{ kind: 'sasl-outcome', code: 'auth' }]);
  });

  it('answers a client that skips SASL with the SASL header and fails, unless allowNoSasl', () => {
    const strict = new Client();
    const ev = strict.send(protocolHeaderBytes('amqp'));
    expect(strict.bodies()).to.deep.equal(['sasl header']);
    expect((ev[0] as { error: Error }).error).to.be.instanceOf(SaslError);

    const lax = new Client({ allowNoSasl: true });
    lax.send(protocolHeaderBytes('amqp'));
    expect(lax.bodies()).to.deep.equal(['amqp header']);
    lax.frame({ kind: 'open', containerId: 'c' });
    expect(lax.bodies()[0]).to.deep.include({ kind: 'open' });
    expect(lax.server.principal).to.deep.equal({ mechanism: 'none' });
  });

  it('accepts the AMQP header pipelined right after sasl-init', () => {
    const c = new Client();
    c.send(protocolHeaderBytes('sasl'));
    const init = encodeFrame(0, { kind: 'sasl-init', mechanism: 'ANONYMOUS' });
    const hdr = protocolHeaderBytes('amqp');
    const open = encodeFrame(0, { kind: 'open', containerId: 'c' });
    const all = new Uint8Array(init.length + hdr.length + open.length);
    all.set(init, 0); all.set(hdr, init.length); all.set(open, init.length + hdr.length);
    const ev = c.send(all);
    expect(ev.map((e) => e.type)).to.deep.equal(['connection-open']);
    const out = c.bodies();
    expect(out.slice(2)).to.deep.equal([{ kind: 'sasl-outcome', code: 'ok' }, 'amqp header', out[4]]);
    expect(out[4]).to.deep.include({ kind: 'open' });
  });

  it('answers begin and reports link attaches for the owner to answer', () => {
    const c = new Client();
    c.send(protocolHeaderBytes('sasl'));
    c.frame({ kind: 'sasl-init', mechanism: 'ANONYMOUS' });
    c.send(protocolHeaderBytes('amqp'));
    c.frame({ kind: 'open', containerId: 'client' });
    c.output();
    const ev = c.frame({ kind: 'begin', nextOutgoingId: 0, incomingWindow: 100, outgoingWindow: 100 }, 3);
    expect(ev.map((e) => e.type)).to.deep.equal(['session-begin']);
    expect((ev[0] as { remoteInitiated: boolean }).remoteInitiated).to.equal(true);
    const [begin] = c.bodies();
    expect(begin).to.deep.include({ kind: 'begin', remoteChannel: 3 });

    // The client attaches a sender: the server gets a ReceiverLink to answer and give credit.
    const a = c.frame({ kind: 'attach', name: 'to-q', handle: 0, role: 'sender', target: { kind: 'target', address: string('q') }, initialDeliveryCount: 0 }, 3);
    const attach = a[0] as Extract<EngineEvent, { type: 'link-attach' }>;
    expect(attach.remoteInitiated).to.equal(true);
    const recv = attach.link as ReceiverLink;
    expect(recv.role).to.equal('receiver');
    recv.attach();
    recv.flow(10);
    const out = c.bodies();
    expect(out[0]).to.deep.include({ kind: 'attach', name: 'to-q', role: 'receiver' });
    expect(out[1]).to.deep.include({ kind: 'flow', handle: 0, linkCredit: 10 });

    // A transfer arrives as a delivery.
    const d = c.frame({ kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: Uint8Array.of(1), settled: false }, 3, Uint8Array.of(0x00, 0x53, 0x77, 0x40));
    expect(d.map((e) => e.type)).to.deep.equal(['delivery']);
  });

  it('answers an attach and detach that arrive in one read with its own attach (null termini), then detach', () => {
    const c = new Client();
    c.openSession();
    const attach = encodeFrame(0, { kind: 'attach', name: 'gone', handle: 0, role: 'sender', target: { kind: 'target', address: string('q') }, initialDeliveryCount: 0 });
    const detach = encodeFrame(0, { kind: 'detach', handle: 0, closed: true });
    const both = new Uint8Array(attach.length + detach.length);
    both.set(attach);
    both.set(detach, attach.length);
    const ev = c.send(both);
    expect(ev.map((e) => e.type)).to.deep.equal(['link-attach', 'link-detach']);
    const link = (ev[0] as Extract<EngineEvent, { type: 'link-attach' }>).link;
    expect(link.state).to.equal('closed');
    // The owner, seeing the attach event late, must not (and cannot) answer it again.
    expect(() => link.attach()).to.throw(/cannot attach in state closed/);
    const out = c.bodies();
    expect(out).to.have.length(2);
    expect(out[0]).to.deep.include({ kind: 'attach', name: 'gone', role: 'receiver' });
    const answer = out[0] as { source?: unknown; target?: unknown };
    expect([answer.source, answer.target]).to.deep.equal([undefined, undefined]);
    expect(out[1]).to.deep.include({ kind: 'detach', handle: 0, closed: true });
  });

  it('answers a dynamic receiver with a generated address through attach(answer)', () => {
    const c = new Client();
    c.openSession();
    const a = c.frame({ kind: 'attach', name: 'reply', handle: 0, role: 'receiver', source: { kind: 'source', dynamic: true } });
    const link = (a[0] as { link: SenderLink }).link;
    expect(link.role).to.equal('sender');
    link.attach(0, { source: { kind: 'source', address: string('tmp/1') } });
    const [attach] = c.bodies();
    expect(attach).to.deep.include({ kind: 'attach', role: 'sender', initialDeliveryCount: 0 });
    expect((attach as { source: { address: unknown } }).source.address).to.deep.equal(string('tmp/1'));
  });

  it('answers the client close and reports it', () => {
    const c = new Client();
    c.openSession();
    const ev = c.frame({ kind: 'close' });
    expect(ev.map((e) => e.type)).to.deep.equal(['connection-close']);
    expect(c.bodies()).to.deep.equal([{ kind: 'close' }]);
  });

  it('sends heartbeats at half the client idle-time-out and fails a silent client', () => {
    const c = new Client({ idleTimeout: 5_000 });
    c.openSession({ idleTimeOut: 2_000 });
    c.now += 1_000;
    expect(c.server.tick(c.now)).to.deep.equal([]);
    expect(c.bodies()).to.deep.equal(['heartbeat']);
    c.now += 5_001;
    const ev = c.server.tick(c.now);
    expect(ev.map((e) => e.type)).to.deep.equal(['connection-error']);
    expect(c.bodies()[0]).to.deep.include({ kind: 'close' });
  });

  it('fails frames on a channel without a session and a begin before open', () => {
    const c = new Client({ allowNoSasl: true });
    c.send(protocolHeaderBytes('amqp'));
    const ev = c.frame({ kind: 'begin', nextOutgoingId: 0, incomingWindow: 1, outgoingWindow: 1 });
    expect(ev.map((e) => e.type)).to.deep.equal(['connection-error']);
    const out = c.bodies();
    expect(out[1]).to.deep.include({ kind: 'open' });
    expect((out[2] as { error: { condition: string } }).error.condition).to.equal('amqp:illegal-state');

    const d = new Client();
    d.openSession();
    const ev2 = d.frame({ kind: 'flow', incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 1 }, 9);
    expect(ev2.map((e) => e.type)).to.deep.equal(['connection-error']);
  });
});
