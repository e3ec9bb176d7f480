/**
 * Our sans-IO engine against rhea in the server role (an independent AMQP 1.0 implementation),
 * over real loopback TCP: SASL, open, sessions, links, credit, transfers, dispositions, detach
 * with error, large multi-frame messages, authentication failure.
 */
import { expect } from 'chai';
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import { AuthenticationError } from '../../../src/amqp/engine/sasl.js';
import type { IncomingDelivery, SenderLink } from '../../../src/amqp/engine/link.js';
import { decodeSections, encodeSections } from '../../../src/amqp/frames/index.js';
import { string } from '../../../src/amqp/codec/index.js';
import { EngineDriver } from '../../support/engine-driver.js';

interface RheaPeer {
  readonly container: rhea.Container;
  readonly server: Server;
  readonly port: number;
}

async function startRhea(opts: { maxFrameSize?: number; idleTimeout?: number } = {}): Promise<RheaPeer> {
  const container = rhea.create_container({ id: 'rhea-peer' });
  container.sasl_server_mechanisms.enable_plain((user: string, pass: string) => user === 'guest' && pass === 'guest');
  container.sasl_server_mechanisms.enable_anonymous();
  // rhea's typings do not list the connection options its listen() passes on to accepted peers.
  const listen = container.listen.bind(container) as unknown as (o: object) => Server;
  const server = listen({ port: 0, host: '127.0.0.1', max_frame_size: opts.maxFrameSize, idle_time_out: opts.idleTimeout });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { container, server, port: (server.address() as AddressInfo).port };
}

const textMessage = (s: string): Uint8Array => encodeSections({ body: { kind: 'value', value: string(s) } });
const bodyText = (payload: Uint8Array): string => {
  const body = decodeSections(payload).body;
  if (body?.kind !== 'value' || body.value.type !== 'string') throw new Error('expected an amqp-value string');
  return body.value.value;
};

describe('interop: engine <-> rhea server', function () {
  this.timeout(30_000);
  let peer: RheaPeer;
  let driver: EngineDriver | undefined;

  beforeEach(async () => { peer = await startRhea(); });
  afterEach(() => {
    driver?.close();
    driver = undefined;
    peer.server.close();
  });

  const connect = async (extra: Partial<ConstructorParameters<typeof EngineDriver>[1]> = {}): Promise<EngineDriver> => {
    driver = new EngineDriver(peer.port, { containerId: 'rx-mq-test', sasl: { username: 'guest', password: 'guest' }, ...extra });
    const open = await driver.next('connection-open');
    expect(open.remote.containerId).to.equal('rhea-peer');
    return driver;
  };

  it('opens with SASL PLAIN, attaches a sender and gets accepted outcomes', async () => {
    const received: string[] = [];
    peer.container.on('message', (ctx: rhea.EventContext) => { received.push(String(ctx.message?.body)); });
    const d = await connect();
    const session = d.conn.session();
    d.flush();
    await d.next('session-begin');
    const sender = session.attachSender({ name: 'to-q1', target: { kind: 'target', address: string('q1') } });
    d.flush();
    await d.next('link-attach');
    await d.next('link-flow', (e) => (e.link as SenderLink).credit.credit > 0);
    expect(sender.sendable).to.equal(true);
    for (const s of ['one', 'two', 'three']) sender.send(textMessage(s));
    d.flush();
    for (let i = 0; i < 3; i++) {
      const u = await d.next('delivery-update');
      expect(u.delivery.remoteState?.kind).to.equal('accepted');
      expect(u.delivery.settled).to.equal(true);
    }
    expect(received).to.deep.equal(['one', 'two', 'three']);
    expect(sender.unsettledCount).to.equal(0);
  });

  it('receives exactly as many messages as the credit granted', async () => {
    let sent = 0;
    const accepted: number[] = [];
    peer.container.on('sendable', (ctx: rhea.EventContext) => {
      const s = ctx.sender as rhea.Sender;
      while (s.sendable() && sent < 5) s.send({ body: `m${sent++}` });
    });
    peer.container.on('accepted', () => { accepted.push(1); });
    const d = await connect();
    const session = d.conn.session();
    const receiver = session.attachReceiver({ name: 'from-q2', source: { kind: 'source', address: string('q2') } });
    d.flush();
    await d.next('link-attach');
    receiver.flow(3);
    d.flush();
    const deliveries: IncomingDelivery[] = [];
    for (let i = 0; i < 3; i++) deliveries.push((await d.next('delivery')).delivery);
    // No fourth message may arrive while credit is exhausted.
    await new Promise((r) => setTimeout(r, 200));
    expect(d.events.filter((e) => e.type === 'delivery')).to.have.length(0);
    expect(receiver.credit.credit).to.equal(0);
    receiver.flow(2);
    d.flush();
    for (let i = 0; i < 2; i++) deliveries.push((await d.next('delivery')).delivery);
    expect(deliveries.map((x) => bodyText(x.payload))).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(receiver.unsettledCount).to.equal(5);
    // Settle all five; contiguous accepted dispositions go out as one ranged frame.
    for (const x of deliveries) receiver.settle(x, { kind: 'accepted' });
    expect(() => receiver.settle(deliveries[0], { kind: 'accepted' })).to.throw(/already settled/);
    d.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).to.have.length(5);
    expect(receiver.unsettledCount).to.equal(0);
  });

  it('reports a remote detach with its error condition', async () => {
    peer.container.on('sender_open', (ctx: rhea.EventContext) => {
      ctx.sender?.close({ condition: 'amqp:not-found', description: 'no such node: nowhere' });
    });
    const d = await connect();
    const session = d.conn.session();
    session.attachReceiver({ name: 'from-nowhere', source: { kind: 'source', address: string('nowhere') } });
    d.flush();
    const det = await d.next('link-detach');
    expect(det.error?.condition).to.equal('amqp:not-found');
    expect(det.error?.description).to.equal('no such node: nowhere');
    expect(det.error?.local).to.equal(false);
  });

  it('fails with a typed AuthenticationError on bad credentials, without leaking them', async () => {
    driver = new EngineDriver(peer.port, { containerId: 'x', sasl: { username: 'guest', password: 'wrong-secret' } });
    const e = await driver.next('connection-error');
    expect(e.error).to.be.instanceOf(AuthenticationError);
    expect(e.error.message).to.not.include('wrong-secret');
  });

  it('keeps a 4 s idle connection open to a peer with a 1 s idle-time-out (heartbeats)', async function () {
    this.timeout(20_000);
    peer.server.close();
    // rhea drops a connection it hears nothing on for twice its idle-time-out: 2 s, twice over.
    peer = await startRhea({ idleTimeout: 1000 });
    let peerErrors = 0;
    peer.container.on('disconnected', () => { peerErrors++; });
    const d = await connect({ idleTimeout: 0 });
    expect(d.conn.remote?.idleTimeOut).to.equal(1000);
    await new Promise((r) => setTimeout(r, 4000));
    expect(peerErrors).to.equal(0);
    expect(d.socketClosed).to.equal(false);
    // Still usable after the quiet spell.
    d.conn.session();
    d.flush();
    await d.next('session-begin');
  });

  it('carries a 5 MiB message both ways across 512-byte frames', async function () {
    this.timeout(60_000);
    peer.server.close();
    peer = await startRhea({ maxFrameSize: 512 });
    const big = 'x'.repeat(5 * 1024 * 1024);
    let gotAtPeer = '';
    peer.container.on('message', (ctx: rhea.EventContext) => { gotAtPeer = String(ctx.message?.body); });
    peer.container.on('sendable', (ctx: rhea.EventContext) => {
      const s = ctx.sender as rhea.Sender;
      if (s.sendable() && !(s as unknown as { done?: boolean }).done) {
        (s as unknown as { done?: boolean }).done = true;
        s.send({ body: big });
      }
    });
    const d = await connect({ maxFrameSize: 512 });
    expect(d.conn.remoteMaxFrameSize).to.equal(512);
    const session = d.conn.session({ incomingWindow: 100_000 });
    const sender = session.attachSender({ name: 'big-out', target: { kind: 'target', address: string('big') } });
    const receiver = session.attachReceiver({ name: 'big-in', source: { kind: 'source', address: string('big') } });
    d.flush();
    await d.next('link-flow', (e) => e.link === sender && sender.credit.credit > 0);
    sender.send(textMessage(big));
    receiver.flow(1);
    d.flush();
    const update = await d.next('delivery-update', undefined, 50_000);
    expect(update.delivery.remoteState?.kind).to.equal('accepted');
    expect(gotAtPeer.length).to.equal(big.length);
    const incoming = await d.next('delivery', undefined, 50_000);
    expect(bodyText(incoming.delivery.payload)).to.equal(big);
  });
});

