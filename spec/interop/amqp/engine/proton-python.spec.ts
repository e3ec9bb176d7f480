/**
 * Our engine against Qpid Proton (Python binding of Proton-C) as a listening peer: SASL
 * ANONYMOUS, every message section round-tripping, rejected outcomes, drain, large messages.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { boolean, int, list, map, string, symbol, timestamp, ulong, uuid, binary } from '../../../../src/amqp/codec/index.js';
import type { SenderLink } from '../../../../src/amqp/engine/link.js';
import { decodeSections, encodeSections, type MessageSections } from '../../../../src/amqp/frames/index.js';
import { EngineDriver } from '../../../support/engine-driver.js';
import { freePort, startPythonPeer, type PythonPeer } from '../../support/python-peer.js';
import { PEERS, requirePeers } from '../../../support/peers.js';

const SCRIPT = fileURLToPath(new URL('../../support/proton_peer.py', import.meta.url));

describe('interop: engine <-> Qpid Proton peer', function () {
  this.timeout(30_000);
  requirePeers(PEERS.protonPython);
  let peer: PythonPeer;
  let port: number;
  let driver: EngineDriver | undefined;

  before(async () => {
    port = await freePort();
    peer = await startPythonPeer(SCRIPT, [String(port)]);
  });
  after(async () => { await peer.stop(); });
  afterEach(() => { driver?.close(); driver = undefined; });

  async function open(): Promise<EngineDriver> {
    driver = new EngineDriver(port, { containerId: 'rx-mq-proton-test', sasl: {} });
    await driver.next('connection-open');
    return driver;
  }

  async function sender(d: EngineDriver, address: string): Promise<SenderLink> {
    const s = d.conn.session();
    const link = s.attachSender({ name: `to-${address}`, target: { kind: 'target', address: string(address) } });
    d.flush();
    await d.next('link-flow', (e) => e.link === link && link.credit.credit > 0);
    return link;
  }

  it('round-trips a message with every section through Proton', async () => {
    const d = await open();
    const message: MessageSections = {
      header: { durable: true, priority: 7, ttl: 60_000, firstAcquirer: false, deliveryCount: 0 },
      messageAnnotations: map([[symbol('x-opt-tag'), string('anno')]]),
      properties: {
        messageId: string('id-1'), userId: new TextEncoder().encode('anonymous'), to: string('sections'), subject: 'all',
        replyTo: string('back'), correlationId: ulong(42), contentType: 'application/json', contentEncoding: 'utf-8',
        absoluteExpiryTime: 1_900_000_000_000n, creationTime: 1_800_000_000_000n, groupId: 'g', groupSequence: 3, replyToGroupId: 'rg',
      },
      applicationProperties: map([
        [string('s'), string('text')], [string('i'), int(-5)], [string('b'), boolean(true)],
        [string('t'), timestamp(1_700_000_000_000)], [string('u'), uuid('0123456789abcdef0123456789abcdef')],
      ]),
      body: { kind: 'value', value: list([string('a'), int(1), binary(Uint8Array.of(0, 1, 2))]) },
      footer: map([[symbol('x-opt-footer'), string('f')]]),
    };
    const snd = await sender(d, 'sections');
    snd.send(encodeSections(message));
    d.flush();
    const update = await d.next('delivery-update');
    expect(update.delivery.remoteState?.kind).to.equal('accepted');

    const s = d.conn.session();
    const rcv = s.attachReceiver({ name: 'from-sections', source: { kind: 'source', address: string('sections') } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(1);
    d.flush();
    const got = decodeSections((await d.next('delivery')).delivery.payload);
    expect(got.body).to.deep.equal(message.body);
    expect(got.applicationProperties).to.deep.equal(message.applicationProperties);
    expect(got.messageAnnotations).to.deep.equal(message.messageAnnotations);
    expect(got.properties).to.deep.include({ ...message.properties, kind: 'properties' });
    expect(got.header).to.deep.include({ durable: true, priority: 7, ttl: 60_000 });
    // Proton's message model (pn_message) has no footer: a store-and-forward Proton peer drops it.
    // Our encoding of it is checked byte-for-byte in the frame tests and against rhea.
    expect(got.footer).to.equal(undefined);
  });

  it('carries amqp-sequence and data bodies (and delivery-annotations) through Proton', async () => {
    const d = await open();
    const sent: MessageSections[] = [
      {
        deliveryAnnotations: map([[symbol('x-opt-da'), string('kept')]]),
        body: { kind: 'sequence', sequences: [[string('x'), int(-2), boolean(false), list([int(3)])]] },
      },
      { body: { kind: 'data', data: [Uint8Array.of(9, 8, 7)] } },
    ];
    const snd = await sender(d, 'bodies');
    for (const m of sent) snd.send(encodeSections(m));
    d.flush();
    for (let i = 0; i < sent.length; i++) expect((await d.next('delivery-update')).delivery.remoteState?.kind).to.equal('accepted');
    const rcv = d.conn.session().attachReceiver({ name: 'from-bodies', source: { kind: 'source', address: string('bodies') } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(2);
    d.flush();
    const first = decodeSections((await d.next('delivery')).delivery.payload);
    expect(first.bodyKind).to.equal('sequence');
    expect(first.body).to.deep.equal(sent[0].body);
    // pn_message keeps delivery-annotations as its "instructions" and writes them out again.
    expect(first.deliveryAnnotations).to.deep.equal(sent[0].deliveryAnnotations);
    const second = decodeSections((await d.next('delivery')).delivery.payload);
    expect(second.body).to.deep.equal(sent[1].body);
  });

  it('receives a rejected outcome with Proton', async () => {
    const d = await open();
    const snd = await sender(d, 'rejects');
    snd.send(encodeSections({ properties: { subject: 'reject-me' }, body: { kind: 'value', value: string('x') } }));
    d.flush();
    const update = await d.next('delivery-update');
    expect(update.delivery.remoteState?.kind).to.equal('rejected');
    expect(update.delivery.settled).to.equal(true);
  });

  it('attaches a dynamic node and learns the address the peer gave it (reply-to)', async () => {
    const d = await open();
    const s = d.conn.session();
    const rcv = s.attachReceiver({ name: 'replies', source: { kind: 'source', dynamic: true } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    const source = rcv.remote?.source as { kind: 'source'; address?: { type: string; value: unknown } };
    expect(source.kind).to.equal('source');
    expect(source.address).to.deep.equal(string('dynamic-1'));
    // Messages sent to that address reach the dynamic receiver.
    rcv.flow(1);
    const snd = await sender(d, 'dynamic-1');
    snd.send(encodeSections({ body: { kind: 'value', value: string('reply') } }));
    d.flush();
    const got = decodeSections((await d.next('delivery', (e) => e.link === rcv)).delivery.payload);
    expect(got.body).to.deep.equal({ kind: 'value', value: string('reply') });
  });

  it('drains: Proton answers with credit consumed and nothing left behind', async () => {
    const d = await open();
    const snd = await sender(d, 'drain-q');
    for (let i = 0; i < 2; i++) snd.send(encodeSections({ body: { kind: 'value', value: int(i) } }));
    d.flush();
    await d.next('delivery-update');
    await d.next('delivery-update');
    const s = d.conn.session();
    const rcv = s.attachReceiver({ name: 'drainer', source: { kind: 'source', address: string('drain-q') } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(10, true);
    d.flush();
    await d.next('delivery');
    await d.next('delivery');
    await d.next('link-flow', (e) => e.link === rcv && rcv.credit.credit === 0);
    expect(rcv.credit.deliveryCount).to.equal(10);
    expect(rcv.credit.drain).to.equal(false);
  });
});
