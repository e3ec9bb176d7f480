/**
 * Every message section through rhea in the server role (in-process, over loopback TCP): rhea
 * decodes what our engine sent, stores it, re-encodes it with its own codec and sends it back.
 * One message per body kind (amqp-value, data, amqp-sequence), each with header,
 * delivery-annotations, message-annotations, properties, application-properties and footer.
 * Also: the receiver's max-message-size, set in rhea's attach, enforced by our sender.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import {
  binary, boolean, int, list, map, string, symbol,
} from '../../../src/amqp/codec/index.js';
import { ByteReader, readValue } from '../../../src/amqp/codec/decoder.js';
import type { AmqpMap } from '../../../src/amqp/codec/types.js';
import { MessageSizeExceededError } from '../../../src/amqp/engine/errors.js';
import type { SenderLink } from '../../../src/amqp/engine/link.js';
import { decodeSections, encodeSections, type MessageBody, type MessageSections } from '../../../src/amqp/frames/index.js';
import { EngineDriver } from '../../support/engine-driver.js';
import { useRheaStoreWithEngine } from '../../support/rhea-store.js';

const annotations = (tag: string): AmqpMap => map([[symbol('x-opt-tag'), string(tag)], [symbol('x-opt-n'), int(-7)]]);

/** A message with every non-body section, around `body`. */
function full(body: MessageBody, n: number): MessageSections {
  return {
    header: { durable: true, priority: 6, ttl: 30_000, firstAcquirer: true, deliveryCount: 2 },
    deliveryAnnotations: annotations(`da-${n}`),
    messageAnnotations: annotations(`ma-${n}`),
    properties: {
      messageId: string(`id-${n}`), userId: new TextEncoder().encode('guest'), to: string('sections'), subject: `s-${n}`,
      replyTo: string('back'), correlationId: string(`c-${n}`), contentType: 'text/plain', contentEncoding: 'utf-8',
      absoluteExpiryTime: 1_900_000_000_000n, creationTime: 1_800_000_000_000n, groupId: 'g', groupSequence: n, replyToGroupId: 'rg',
    },
    applicationProperties: map([[string('s'), string('text')], [string('i'), int(-5)], [string('b'), boolean(true)]]),
    body,
    footer: map([[symbol('x-opt-footer'), string(`f-${n}`)]]),
  };
}

/**
 * The payload's sections in wire order, as descriptor code and bytes, without the order check
 * decodeSections applies (to see how a peer laid them out).
 */
function wireSections(payload: Uint8Array): { code: number; bytes: Uint8Array }[] {
  const r = new ByteReader(payload);
  const out: { code: number; bytes: Uint8Array }[] = [];
  while (r.pos < payload.length) {
    const start = r.pos;
    const v = readValue(r, 0);
    if (v.type !== 'described' || v.descriptor.type !== 'ulong') throw new Error('not a section');
    out.push({ code: Number(v.descriptor.value), bytes: payload.subarray(start, r.pos) });
  }
  return out;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

// Integers are negative: rhea maps JavaScript numbers back to AMQP types by value (a positive
// one becomes uint), so only types its inference reproduces can round-trip exactly.
const BODIES: readonly MessageBody[] = [
  { kind: 'value', value: list([string('a'), int(-1), binary(Uint8Array.of(0, 1, 2))]) },
  { kind: 'data', data: [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)] },
  { kind: 'sequence', sequences: [[string('x'), int(-2), boolean(false)]] },
];

describe('interop: every message section through rhea (server role)', function () {
  this.timeout(30_000);
  const store = useRheaStoreWithEngine('rx-mq-sections');
  const open = (): Promise<EngineDriver> => store.open();

  async function sender(d: EngineDriver, address: string): Promise<SenderLink> {
    const link = d.conn.session().attachSender({ name: `to-${address}`, target: { kind: 'target', address: string(address) } });
    d.flush();
    await d.next('link-flow', (e) => e.link === link && link.credit.credit > 0);
    return link;
  }

  it('round-trips header, both annotations, properties, application-properties, each body kind and footer', async () => {
    const d = await open();
    const snd = await sender(d, 'sections');
    const sent = BODIES.map((b, i) => full(b, i));
    for (const m of sent) snd.send(encodeSections(m));
    d.flush();
    for (let i = 0; i < sent.length; i++) expect((await d.next('delivery-update')).delivery.remoteState?.kind).to.equal('accepted');

    // What rhea's own decoder made of our bytes.
    const atPeer = store.peer().seen.get('sections') ?? [];
    expect(atPeer).to.have.length(3);
    expect(atPeer[0].body).to.deep.equal(['a', -1, Buffer.from([0, 1, 2])]);
    const data = atPeer[1].body as { typecode: number; multiple?: boolean; content: Buffer[] };
    expect(data.typecode).to.equal(0x75);
    expect(data.content.map((b) => [...b])).to.deep.equal([[1, 2, 3], [4, 5]]);
    const seq = atPeer[2].body as { typecode: number; content: unknown };
    expect(seq.typecode).to.equal(0x76);
    expect(seq.content).to.deep.equal(['x', -2, false]);
    for (const [i, m] of atPeer.entries()) {
      expect(m.delivery_annotations).to.deep.equal({ 'x-opt-tag': `da-${i}`, 'x-opt-n': -7 });
      expect(m.message_annotations).to.deep.equal({ 'x-opt-tag': `ma-${i}`, 'x-opt-n': -7 });
      expect(m.footer).to.deep.equal({ 'x-opt-footer': `f-${i}` });
      expect(m.application_properties).to.deep.equal({ s: 'text', i: -5, b: true });
      expect(m).to.deep.include({ durable: true, priority: 6, ttl: 30_000, first_acquirer: true, delivery_count: 2 });
      expect(m).to.deep.include({ message_id: `id-${i}`, subject: `s-${i}`, group_sequence: i, content_type: 'text/plain' });
    }

    // And what comes back after rhea encoded it again.
    const rcv = d.conn.session().attachReceiver({ name: 'from-sections', source: { kind: 'source', address: string('sections') } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(3);
    d.flush();
    for (const m of sent) {
      const payload = (await d.next('delivery')).delivery.payload;
      // rhea writes the footer before the body (its encoder adds the body section last), out of
      // the specification's order: our decoder reads it liberally, every section in place.
      const liberal = decodeSections(payload);
      expect(liberal.body).to.deep.equal(m.body);
      expect(liberal.bodyKind).to.equal(m.body?.kind);
      const wire = wireSections(payload);
      const bodyCode = { value: 0x77, data: 0x75, sequence: 0x76 }[m.body?.kind ?? 'value'];
      expect(wire.map((x) => x.code)).to.deep.equal([
        0x70, 0x71, 0x72, 0x73, 0x74, 0x78, ...(m.body?.kind === 'data' ? [0x75, 0x75] : [bodyCode]),
      ]);
      // Every section's content survived rhea's decoding and re-encoding.
      const got = decodeSections(concat(wire.filter((x) => x.code !== 0x78).map((x) => x.bytes)));
      expect(got.bodyKind).to.equal(m.body?.kind);
      expect(got.body).to.deep.equal(m.body);
      expect(got.header).to.deep.equal({ kind: 'header', ...m.header });
      expect(got.properties).to.deep.equal({ kind: 'properties', ...m.properties });
      expect(got.applicationProperties).to.deep.equal(m.applicationProperties);
      expect(got.messageAnnotations).to.deep.equal(m.messageAnnotations);
      expect(got.deliveryAnnotations).to.deep.equal(m.deliveryAnnotations);
      // rhea also writes the footer's keys as strings, not symbols: the entries survive, the key
      // type does not.
      const footer = decodeSections(wire.filter((x) => x.code === 0x78)[0].bytes).footer;
      expect(footer).to.deep.equal(map([[string('x-opt-footer'), (m.footer as AmqpMap).value[0][1]]]));
    }
  });

  it("refuses a message over the max-message-size rhea's receiver sets in its attach, and sends the rest", async () => {
    store.peer().container.on('receiver_open', (ctx: rhea.EventContext) => {
      // rhea sends its answering attach after this handler: the limit goes out in it.
      (ctx.receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = 64;
    });
    const d = await open();
    const snd = await sender(d, 'limited');
    expect(snd.remoteMaxMessageSize).to.equal(64);
    const small = encodeSections({ body: { kind: 'value', value: string('small') } });
    const large = encodeSections({ body: { kind: 'value', value: string('L'.repeat(100)) } });
    const credit = snd.credit.credit;
    expect(() => snd.send(large)).to.throw(MessageSizeExceededError, /max-message-size 64/);
    expect(snd.credit.credit).to.equal(credit);
    snd.send(small);
    d.flush();
    expect((await d.next('delivery-update')).delivery.remoteState?.kind).to.equal('accepted');
    expect((store.peer().seen.get('limited') ?? []).map((m) => m.body)).to.deep.equal(['small']);
    expect(snd.state).to.equal('attached');
  });
});
