/**
 * The engine against RabbitMQ 3.10 with rabbitmq_amqp1_0 (installed and started by
 * scripts/brokers.sh): SASL PLAIN, the peer's identity, sections round-tripping through a queue
 * (amqp-sequence bodies and footer included),
 * a 5 MiB message over small frames, typed authentication failure, not-found on a bad address.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { int, map, string, symbol, toNative } from '../../../../src/amqp/codec/index.js';
import { AuthenticationError } from '../../../../src/amqp/engine/sasl.js';
import type { ReceiverLink, SenderLink } from '../../../../src/amqp/engine/link.js';
import type { Session } from '../../../../src/amqp/engine/session.js';
import { decodeSections, encodeSections, type MessageSections } from '../../../../src/amqp/frames/index.js';
import { EngineDriver } from '../../../support/engine-driver.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

const RABBIT_AMQP = { kind: 'tcp', host: PEERS.rabbitAmqp.host, port: PEERS.rabbitAmqp.port } as const;

describe('brokers: engine <-> RabbitMQ 3.10 (AMQP 1.0)', function () {
  this.timeout(60_000);
  requirePeers(PEERS.rabbitAmqp);
  let driver: EngineDriver | undefined;
  afterEach(() => { driver?.close(); driver = undefined; });

  async function open(extra: Partial<ConstructorParameters<typeof EngineDriver>[1]> = {}): Promise<EngineDriver> {
    driver = new EngineDriver(RABBIT_AMQP, {
      containerId: 'rx-mq-rabbit-test', hostname: 'localhost', sasl: { username: RABBITMQ.user, password: RABBITMQ.password }, ...extra,
    });
    await driver.next('connection-open');
    return driver;
  }

  /** A receiver on `q` in session `s`, attached, with `credit` (receive first so the queue exists). */
  async function receiverOn(d: EngineDriver, s: Session, q: string, credit: number, name = 'rcv'): Promise<ReceiverLink> {
    const rcv = s.attachReceiver({ name: `${name}-${randomUUID()}`, source: { kind: 'source', address: string(q) } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(credit);
    d.flush();
    return rcv;
  }

  async function sendAll(d: EngineDriver, address: string, payloads: readonly Uint8Array[]): Promise<void> {
    const s = d.conn.session();
    const link: SenderLink = s.attachSender({ name: `snd-${randomUUID()}`, target: { kind: 'target', address: string(address) } });
    d.flush();
    let sent = 0;
    while (sent < payloads.length) {
      await d.next('link-flow', (e) => e.link === link && link.credit.credit > 0);
      while (link.sendable && sent < payloads.length) link.send(payloads[sent++]);
      d.flush();
    }
    for (let i = 0; i < payloads.length; i++) {
      const u = await d.next('delivery-update', (e) => e.link === link);
      expect(u.delivery.remoteState?.kind).to.equal('accepted');
    }
  }

  it('opens with PLAIN and learns the broker product from the open properties', async () => {
    const d = await open();
    const props = toNative(d.conn.remote?.properties ?? map([])) as Record<string, unknown>;
    expect(props.product).to.equal('RabbitMQ');
    expect(String(props.version)).to.match(/^3\.10\./);
  });

  it('round-trips every section through a queue', async () => {
    const d = await open();
    const q = `/queue/rxmq-sections-${randomUUID()}`;
    const message: MessageSections = {
      header: { durable: true, priority: 5 },
      messageAnnotations: map([[symbol('x-opt-app'), string('rx-mq')]]),
      properties: { messageId: string('m-1'), subject: 'subj', contentType: 'application/octet-stream', correlationId: string('c-1') },
      applicationProperties: map([[string('k'), string('v')], [string('n'), int(7)]]),
      body: { kind: 'data', data: [Uint8Array.of(0, 1, 2, 255)] },
    };
    // Receive first so the queue exists, then send.
    const rcv = await receiverOn(d, d.conn.session(), q, 1);
    await sendAll(d, q, [encodeSections(message)]);
    const got = (await d.next('delivery', (e) => e.link === rcv)).delivery;
    rcv.settle(got, { kind: 'accepted' });
    d.flush();
    const sections = decodeSections(got.payload);
    expect(sections.body).to.deep.equal(message.body);
    expect(sections.applicationProperties).to.deep.equal(message.applicationProperties);
    expect(sections.properties).to.deep.include({ messageId: string('m-1'), subject: 'subj', correlationId: string('c-1') });
    expect(sections.header).to.deep.include({ durable: true, priority: 5 });
    const annotations = toNative(sections.messageAnnotations ?? map([])) as Record<string, unknown>;
    expect(annotations['x-opt-app']).to.equal('rx-mq');
  });

  it('round-trips amqp-sequence bodies and a footer (several sequence sections come back reversed)', async () => {
    const d = await open();
    const q = `/queue/rxmq-sequence-${randomUUID()}`;
    // No delivery-annotations here: RabbitMQ 3.10 was seen never settling a message that carries
    // them (no outcome, no error); they are per-hop anyway. Proton and rhea carry them (spec/interop).
    const one: MessageSections = {
      properties: { messageId: string('seq-1') },
      body: { kind: 'sequence', sequences: [[string('a'), int(-1), symbol('s')]] },
      footer: map([[symbol('x-opt-f'), string('foot')]]),
    };
    const two: MessageSections = { body: { kind: 'sequence', sequences: [[string('first')], [string('second')]] } };
    const rcv = await receiverOn(d, d.conn.session(), q, 2);
    await sendAll(d, q, [encodeSections(one), encodeSections(two)]);
    const got = [(await d.next('delivery', (e) => e.link === rcv)).delivery, (await d.next('delivery', (e) => e.link === rcv)).delivery];
    for (const g of got) rcv.settle(g, { kind: 'accepted' });
    d.flush();
    const a = decodeSections(got[0].payload);
    expect(a.bodyKind).to.equal('sequence');
    expect(a.body).to.deep.equal(one.body);
    expect(a.properties).to.deep.include({ messageId: string('seq-1') });
    expect(a.footer).to.deep.equal(one.footer);
    // RabbitMQ 3.10 hands several amqp-sequence sections back in reverse order (observed; the
    // specification keeps their order). Every section arrives, its content intact.
    const b = decodeSections(got[1].payload);
    expect(b.sections.filter((x) => x.name === 'amqp-sequence')).to.have.length(2);
    expect(b.body).to.deep.equal({ kind: 'sequence', sequences: [[string('second')], [string('first')]] });
  });

  it('carries a 5 MiB message across 512-byte frames', async () => {
    const d = await open({ maxFrameSize: 512 });
    expect(d.conn.remoteMaxFrameSize).to.equal(512);
    const q = `/queue/rxmq-big-${randomUUID()}`;
    const body = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const rcv = await receiverOn(d, d.conn.session({ incomingWindow: 65_536 }), q, 1, 'big');
    await sendAll(d, q, [encodeSections({ body: { kind: 'data', data: [body] } })]);
    const got = (await d.next('delivery', (e) => e.link === rcv, 50_000)).delivery;
    rcv.settle(got, { kind: 'accepted' });
    d.flush();
    const b = decodeSections(got.payload).body;
    expect(b?.kind).to.equal('data');
    expect((b as { data: readonly Uint8Array[] }).data[0]).to.deep.equal(body);
  });

  it('fails with AuthenticationError on wrong credentials', async () => {
    driver = new EngineDriver(RABBIT_AMQP, { containerId: 'x', hostname: 'localhost', sasl: { username: RABBITMQ.user, password: 'not-the-password' } });
    const e = await driver.next('connection-error');
    expect(e.error).to.be.instanceOf(AuthenticationError);
    expect(e.error.message).to.not.include('not-the-password');
  });

  it('reports amqp:not-found for an address that does not exist (RabbitMQ ends the session)', async () => {
    const d = await open();
    const s = d.conn.session();
    const link = s.attachReceiver({ name: `nf-${randomUUID()}`, source: { kind: 'source', address: string(`/amq/queue/no-such-queue-${randomUUID()}`) } });
    d.flush();
    // RabbitMQ 3.10 answers with end(amqp:not-found) for the whole session; the engine reports it
    // on the link too, so a receiver's owner sees the reason.
    const det = await d.next('link-detach', (e) => e.link === link);
    expect(det.error?.condition).to.equal('amqp:not-found');
    expect(det.error?.local).to.equal(false);
    const end = await d.next('session-end');
    expect(end.error?.condition).to.equal('amqp:not-found');
  });
});
