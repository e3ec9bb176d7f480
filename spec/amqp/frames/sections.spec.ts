/** Message sections (messaging section 3.2): vectors, order rules, laziness, and rhea interop. */
import { expect } from 'chai';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { decode } from '../../../src/amqp/codec/decoder.js';
import { decodeSections, encodeSections, type MessageSections } from '../../../src/amqp/frames/index.js';
import { encodeSectionParts, encodeStringValueSection, messageSizeHint, NOT_DIRECT } from '../../../src/amqp/frames/sections.js';
import { toNative } from '../../../src/amqp/codec/native.js';
import { boolean, DecodeError, int, list, map, string, symbol, ubyte } from '../../../src/amqp/index.js';
import { ascii, bytes, hex } from './helpers.js';

const FULL: MessageSections = {
  header: { durable: true },
  messageAnnotations: map([[symbol('x-opt-a'), string('b')]]),
  properties: { messageId: string('m1'), to: string('q') },
  applicationProperties: map([[string('k'), int(1)]]),
  body: { kind: 'data', data: [bytes('6869'), bytes('21')] },
  footer: map([]),
};
const HEADER = '00 53 70 c0 02 01 41';
const MA = `00 53 72 c1 0d 02 a3 07 ${ascii('x-opt-a')} a1 01 62`;
const PROPS = '00 53 73 c0 09 03 a1 02 6d31 40 a1 01 71';
const AP = '00 53 74 c1 06 02 a1 01 6b 54 01';
const DATA = '00 53 75 a0 02 6869 | 00 53 75 a0 01 21';
const FOOTER = '00 53 78 c1 01 00';
const FULL_WIRE = `${HEADER} | ${MA} | ${PROPS} | ${AP} | ${DATA} | ${FOOTER}`;

describe('frames: message sections', () => {
  it('encodes every section kind in order to the vector', () => {
    expect(hex(encodeSections(FULL))).to.equal(hex(bytes(FULL_WIRE)));
  });

  it('decodes the vector back, section by section', () => {
    const d = decodeSections(bytes(FULL_WIRE));
    expect(d.sections.map((s) => s.name)).to.deep.equal([
      'header', 'message-annotations', 'properties', 'application-properties', 'data', 'data', 'footer',
    ]);
    expect(d.bodyKind).to.equal('data');
    expect(d.toSections()).to.deep.equal({
      ...FULL, header: { kind: 'header', durable: true }, properties: { kind: 'properties', messageId: string('m1'), to: string('q') },
    });
    expect(d.deliveryAnnotations).to.equal(undefined);
  });

  it('delivery-annotations: encoded between header and message-annotations, decoded back', () => {
    const m: MessageSections = {
      header: { durable: true },
      deliveryAnnotations: map([[symbol('x-opt-d'), string('v')]]),
      messageAnnotations: map([[symbol('x-opt-a'), string('b')]]),
      body: { kind: 'sequence', sequences: [[int(-2), boolean(true)]] },
    };
    const DA = `00 53 71 c1 0d 02 a3 07 ${ascii('x-opt-d')} a1 01 76`;
    const SEQ = '00 53 76 c0 04 02 54 fe 41';
    expect(hex(encodeSections(m))).to.equal(hex(bytes(`${HEADER} | ${DA} | ${MA} | ${SEQ}`)));
    const d = decodeSections(bytes(`${HEADER} | ${DA} | ${MA} | ${SEQ}`));
    expect(d.sections.map((x) => x.name)).to.deep.equal(['header', 'delivery-annotations', 'message-annotations', 'amqp-sequence']);
    expect(d.deliveryAnnotations).to.deep.equal(m.deliveryAnnotations);
    expect(d.messageAnnotations).to.deep.equal(m.messageAnnotations);
    expect(d.body).to.deep.equal(m.body);
    // Not part of the bare message.
    expect(hex(d.bareMessage)).to.equal(hex(bytes(SEQ)));
    // Out of the specification's order, as uamqp writes them, they are still read.
    expect(decodeSections(bytes(`${MA} | ${DA}`)).deliveryAnnotations).to.deep.equal(m.deliveryAnnotations);
    expect(() => decodeSections(bytes('00 53 71 45')).deliveryAnnotations).to.throw(DecodeError, /must hold a map/);
  });

  it('gives the bare message (properties through body) as one view', () => {
    const d = decodeSections(bytes(FULL_WIRE));
    expect(hex(d.bareMessage)).to.equal(hex(bytes(`${PROPS} | ${AP} | ${DATA}`)));
  });

  it('amqp-sequence bodies (several) and an amqp-value body', () => {
    const seq: MessageSections = { body: { kind: 'sequence', sequences: [[ubyte(1)], []] } };
    expect(hex(encodeSections(seq))).to.equal(hex(bytes('00 53 76 c0 03 01 50 01 | 00 53 76 45')));
    expect(decodeSections(encodeSections(seq)).body).to.deep.equal(seq.body);
    const value: MessageSections = { body: { kind: 'value', value: list([string('hi')]) } };
    expect(hex(encodeSections(value))).to.equal(hex(bytes('00 53 77 c0 05 01 a1 02 6869')));
    expect(decodeSections(encodeSections(value)).body).to.deep.equal(value.body);
  });

  it('accepts symbolic section descriptors', () => {
    const d = decodeSections(bytes(`00 a3 11 ${ascii('amqp:amqp-value:*')} a1 02 6869`));
    expect(d.body).to.deep.equal({ kind: 'value', value: string('hi') });
  });

  it('returns data bodies as views of the payload', () => {
    const payload = bytes(DATA);
    const body = decodeSections(payload).body;
    expect(body?.kind === 'data' && body.data[0].buffer).to.equal(payload.buffer);
  });

  it('decodes a payload lying inside a larger buffer as it decodes the payload alone', () => {
    const embed = (payload: Uint8Array, before: number, after: number): Uint8Array => {
      const b = new Uint8Array(before + payload.length + after).fill(0x41);
      b.set(payload, before);
      return b;
    };
    const wire = bytes(FULL_WIRE);
    for (const [before, after] of [[0, 5], [1, 0], [17, 3]]) {
      const alone = decodeSections(wire);
      const inside = decodeSections(embed(wire, before, after), before, before + wire.length);
      expect(inside.toSections()).to.deep.equal(alone.toSections());
      expect(inside.sections.map((x) => [x.name, x.offset, x.valueOffset, hex(x.bytes)]))
        .to.deep.equal(alone.sections.map((x) => [x.name, x.offset, x.valueOffset, hex(x.bytes)]));
      expect(hex(inside.payload)).to.equal(hex(wire));
      expect(hex(inside.bareMessage)).to.equal(hex(alone.bareMessage));
      expect(inside.directBody()).to.equal(NOT_DIRECT); // two data sections
    }
    const text = bytes('00 53 77 a1 02 6869');
    expect(decodeSections(embed(text, 9, 9), 9, 9 + text.length).directBody()).to.equal('hi');
    // Errors count offsets from the payload's start, in the scan and in a section read later.
    const errorAt = (f: () => unknown): number => {
      try { f(); } catch (e) { if (e instanceof DecodeError) return e.offset; throw e; }
      throw new Error('no error');
    };
    for (const bad of ['00 53 77 40 | a1 02 6869', '00 53 75 a0 05 01', `${PROPS} | ${HEADER} | ${PROPS}`]) {
      const b = bytes(bad);
      expect(errorAt(() => decodeSections(embed(b, 6, 2), 6, 6 + b.length)), bad).to.equal(errorAt(() => decodeSections(b)));
    }
    const badProps = bytes('00 53 73 c0 04 01 a1 01 ff | 00 53 77 a1 02 6869');
    expect(errorAt(() => decodeSections(embed(badProps, 4, 4), 4, 4 + badProps.length).properties)).to.equal(errorAt(() => decodeSections(badProps).properties));
    expect(() => decodeSections(wire, 2, wire.length + 1)).to.throw(RangeError);
  });

  it('is lazy: a malformed section only fails when it is read', () => {
    // properties with invalid UTF-8 in message-id, followed by a good amqp-value body
    const d = decodeSections(bytes('00 53 73 c0 04 01 a1 01 ff | 00 53 77 a1 02 6869'));
    expect(d.body).to.deep.equal({ kind: 'value', value: string('hi') });
    expect(() => d.properties).to.throw(DecodeError, /UTF-8/);
  });

  it('checks the type each section holds when it is read', () => {
    expect(() => decodeSections(bytes('00 53 75 a1 01 61')).body).to.throw(DecodeError, /data section must hold binary/);
    expect(() => decodeSections(bytes('00 53 74 45')).applicationProperties).to.throw(DecodeError, /must hold a map/);
    expect(() => decodeSections(bytes('00 53 76 a1 01 61')).body).to.throw(DecodeError, /must hold a list/);
    expect(() => decodeSections(bytes('00 53 70 c0 03 01 50 01')).header).to.throw(DecodeError, /header.durable: expected boolean/);
  });

  const rejects = (wire: string, pattern: RegExp) => expect(() => decodeSections(bytes(wire))).to.throw(DecodeError, pattern);

  it('reads sections in any order (uamqp: delivery annotations after application properties, a footer before the body)', () => {
    const DA = `00 53 71 c1 0d 02 a3 07 ${ascii('x-opt-d')} a1 01 76`;
    const orders = [
      // uamqp 1.5.3 (Azure's client)
      `${HEADER} | ${MA} | ${PROPS} | ${AP} | ${DA} | ${FOOTER} | ${DATA}`,
      // rhea: a footer before the body
      `${HEADER} | ${DA} | ${MA} | ${PROPS} | ${AP} | ${FOOTER} | ${DATA}`,
      // everything reversed, the body first
      `${DATA} | ${FOOTER} | ${AP} | ${PROPS} | ${MA} | ${DA} | ${HEADER}`,
    ];
    for (const wire of orders) {
      const d = decodeSections(bytes(wire));
      expect(d.toSections(), wire).to.deep.equal({
        ...FULL, header: { kind: 'header', durable: true }, properties: { kind: 'properties', messageId: string('m1'), to: string('q') },
        deliveryAnnotations: map([[symbol('x-opt-d'), string('v')]]),
      });
      expect(d.directBody()).to.equal(NOT_DIRECT); // two data sections
    }
    // A lone body with a footer ahead of it is still read straight from the payload.
    expect(decodeSections(bytes(`${FOOTER} | 00 53 77 a1 02 6869`)).directBody()).to.equal('hi');
  });

  it('rejects what no order makes sense of: repeats, mixed or split bodies', () => {
    rejects(`${HEADER} | ${HEADER}`, /repeated header/);
    rejects(`${FOOTER} | ${PROPS} | ${FOOTER}`, /repeated footer/);
    rejects('00 53 77 40 | 00 53 77 40', /repeated amqp-value/);
    rejects(`00 53 77 40 | ${FOOTER} | 00 53 77 40`, /repeated amqp-value/);
    rejects(`00 53 75 a0 00 | 00 53 77 40`, /amqp-value section after a data body/);
    rejects(`00 53 76 45 | 00 53 75 a0 00`, /data section after a amqp-sequence body/);
    rejects(`00 53 75 a0 00 | ${FOOTER} | 00 53 75 a0 00`, /data section apart from the rest of the body/);
  });

  it('rejects unknown descriptors, non-sections and truncation', () => {
    rejects('00 53 79 40', /unknown message section descriptor 0x79/);
    rejects(`00 a3 03 ${ascii('foo')} 40`, /unknown message section descriptor "foo"/);
    rejects('a1 02 6869', /expected a message section/);
    rejects('00 53 75 a0 05 01', /runs past the end/);
    rejects('00 53 75', /truncated/);
    rejects('00 53 77 31', /unknown format code 0x31/);
  });

  it('reads string and binary bodies straight from the payload as the reader does, in every width', () => {
    // amqp-value with str8/str32/vbin8/vbin32 and data with vbin8/vbin32, from a Buffer payload
    // (as reads arrive); each must equal what the general value reader makes of the same bytes.
    const width32 = (code: number, content: Uint8Array): Uint8Array =>
      Uint8Array.of(code, content.length >>> 24, (content.length >>> 16) & 0xff, (content.length >>> 8) & 0xff, content.length & 0xff, ...content);
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }).map((t) => ({ text: t })), fc.uint8Array({ maxLength: 300 }).map((b) => ({ bin: b }))),
      fc.boolean(), fc.boolean(), (v, wide, asData) => {
        const content = 'text' in v ? new TextEncoder().encode(v.text) : v.bin;
        if (!wide && content.length > 255) return;
        const strCode = wide ? 0xb1 : 0xa1;
        const binCode = wide ? 0xb0 : 0xa0;
        const isData = asData && 'bin' in v;
        const code = 'text' in v ? strCode : binCode;
        const value = wide ? width32(code, content) : Uint8Array.of(code, content.length, ...content);
        const section = Uint8Array.of(0x00, 0x53, isData ? 0x75 : 0x77, ...value);
        const payload = Buffer.from(section);
        const body = decodeSections(payload).body;
        const expected = isData ? { kind: 'data', data: [content] }
          : { kind: 'value', value: decode(value) };
        expect(body).to.deep.equal(expected);
        if (isData && body?.kind === 'data') expect(body.data[0].buffer, 'a view of the payload').to.equal(payload.buffer);
        if (!isData && body?.kind === 'value' && body.value.type === 'binary') {
          expect(body.value.value.buffer, 'binary values are copies').to.not.equal(payload.buffer);
        }
      }), { numRuns: 500 });
  });

  it('gives a string, binary or single data body straight from the payload, and NOT_DIRECT for any other body', () => {
    const cases: { body: MessageSections['body']; direct: boolean }[] = [
      { body: undefined, direct: true },
      { body: { kind: 'value', value: string('héllo') }, direct: true },
      { body: { kind: 'value', value: { type: 'binary', value: bytes('0102') } }, direct: true },
      { body: { kind: 'data', data: [bytes('0a0b0c')] }, direct: true },
      { body: { kind: 'data', data: [bytes('0a'), bytes('0b')] }, direct: false },
      { body: { kind: 'value', value: int(7) }, direct: false },
      { body: { kind: 'value', value: list([string('a')]) }, direct: false },
      { body: { kind: 'sequence', sequences: [[string('a')]] }, direct: false },
    ];
    for (const c of cases) {
      const payload = Buffer.from(encodeSections({ header: { durable: true }, body: c.body, footer: map([]) }));
      const d = decodeSections(payload);
      const got = d.directBody();
      if (!c.direct) {
        expect(got, JSON.stringify(c.body)).to.equal(NOT_DIRECT);
        continue;
      }
      // What the full route (the body's AMQP value, then its native form) gives.
      const b = d.body;
      const expected = b === undefined ? undefined : b.kind === 'data' ? b.data[0] : b.kind === 'value' ? toNative(b.value) : NOT_DIRECT;
      expect(got, JSON.stringify(c.body)).to.deep.equal(expected);
      if (c.body?.kind === 'data') expect((got as Uint8Array).buffer, 'a view of the payload').to.equal(payload.buffer);
      if (c.body?.kind === 'value' && c.body.value.type === 'binary') expect((got as Uint8Array).buffer, 'a copy').to.not.equal(payload.buffer);
    }
  });

  it('small encodes share a view per length that always shows the latest encode, also after the scratch writer grew', () => {
    const a = encodeStringValueSection('abc', 16 * 1024);
    const aBytes = [...a];
    const b = encodeStringValueSection('xyz', 16 * 1024);
    expect([...b]).to.deep.equal([...encodeSections({ body: { kind: 'value', value: string('xyz') } })]);
    expect(aBytes).to.deep.equal([...encodeSections({ body: { kind: 'value', value: string('abc') } })]);
    // A huge value body replaces the scratch writer; later small views must be of the new one.
    encodeSectionParts({ body: { kind: 'value', value: string('z'.repeat(100_000)) } }, 16 * 1024);
    for (const t of ['qrs', 'hello world?', '']) {
      expect([...encodeStringValueSection(t, 16 * 1024)], t).to.deep.equal([...encodeSections({ body: { kind: 'value', value: string(t) } })]);
      const parts = encodeSectionParts({ body: { kind: 'value', value: string(t) } }, 16 * 1024);
      expect([...(parts as Uint8Array)], t).to.deep.equal([...encodeSections({ body: { kind: 'value', value: string(t) } })]);
    }
  });

  it('refuses invalid UTF-8 in a string body read straight from the payload', () => {
    expect(() => decodeSections(bytes('00 53 77 a1 02 c3 28')).body).to.throw(DecodeError, /invalid UTF-8/);
  });

  it('an empty payload has no sections', () => {
    const d = decodeSections(new Uint8Array(0));
    expect(d.sections).to.deep.equal([]);
    expect(d.body).to.equal(undefined);
  });
});

describe('frames: message sections against rhea', () => {
  interface RheaMessage { encode(msg: Record<string, unknown>): Buffer; decode(b: Buffer): Record<string, unknown> }
  const rheaMessage = createRequire(import.meta.url)('rhea/lib/message.js') as RheaMessage;

  it('rhea encodes a message, we decode it', () => {
    const b = rheaMessage.encode({
      durable: true, message_id: 'id-1', subject: 's', application_properties: { color: 'red' }, body: 'hello',
    });
    const d = decodeSections(new Uint8Array(b));
    expect(d.header).to.deep.equal({ kind: 'header', durable: true });
    expect(d.properties).to.deep.equal({ kind: 'properties', messageId: string('id-1'), subject: 's' });
    expect(d.applicationProperties).to.deep.equal(map([[string('color'), string('red')]]));
    expect(d.body).to.deep.equal({ kind: 'value', value: string('hello') });
  });

  it('we encode a message, rhea decodes it', () => {
    const m = rheaMessage.decode(Buffer.from(encodeSections({
      header: { durable: true, priority: 7 },
      properties: { messageId: string('id-2'), subject: 's', contentType: 'text/plain', creationTime: 1700000000000n },
      applicationProperties: map([[string('n'), int(5)]]),
      body: { kind: 'value', value: string('hi') },
    })));
    expect(m.durable).to.equal(true);
    expect(m.priority).to.equal(7);
    expect(m.message_id).to.equal('id-2');
    expect(m.content_type).to.equal('text/plain');
    expect((m.creation_time as Date).getTime()).to.equal(1700000000000);
    expect(m.application_properties).to.deep.equal({ n: 5 });
    expect(m.body).to.equal('hi');
  });

  describe('messageSizeHint', () => {
    const BODY_NAMES = new Set(['data', 'amqp-value', 'amqp-sequence']);
    /** Where the first body section of an encoded message ends, by the full scan. */
    const firstBodyEnd = (b: Uint8Array): number => {
      const body = decodeSections(b).sections.find((x) => BODY_NAMES.has(x.name));
      if (body === undefined) throw new Error('no body');
      return body.offset + body.bytes.length;
    };

    it('reads the message size up to its first body from every prefix that shows the body size', () => {
      const wire = bytes(FULL_WIRE);
      const end = firstBodyEnd(wire);
      const known = [...Array(wire.length + 1).keys()].map((n) => messageSizeHint(wire.subarray(0, n)));
      // Undefined while the prefix ends before the first data section's size, then exact.
      const from = known.findIndex((h) => h !== undefined);
      expect(from).to.be.greaterThan(0);
      for (let n = from; n <= wire.length; n++) expect(known[n], `prefix ${n}`).to.equal(end);
    });

    it('agrees with the scan for generated messages of every body kind', () => {
      fc.assert(fc.property(
        fc.record({ text: fc.string({ maxLength: 400 }), bin: fc.uint8Array({ maxLength: 70_000 }), kind: fc.constantFrom('value', 'data', 'sequence'), durable: fc.boolean() }),
        ({ text, bin, kind, durable }) => {
          const m: MessageSections = {
            header: { durable },
            properties: { subject: text },
            applicationProperties: map([[string('k'), string(text)]]),
            body: kind === 'value' ? { kind: 'value', value: string(text) }
              : kind === 'data' ? { kind: 'data', data: [bin, Uint8Array.of(1)] }
              : { kind: 'sequence', sequences: [[int(1)], [int(2)]] },
            footer: map([[symbol('f'), int(1)]]),
          };
          const wire = encodeSections(m);
          expect(messageSizeHint(wire)).to.equal(firstBodyEnd(wire));
        },
      ), { numRuns: 100 });
    });

    it('gives no hint for bytes that are not sections with the usual descriptors', () => {
      expect(messageSizeHint(Uint8Array.of(0x40, 0x00, 0x53, 0x75))).to.equal(undefined);
      expect(messageSizeHint(Uint8Array.of(0x00, 0x53, 0x99, 0xa0, 0x01))).to.equal(undefined);
      // A descriptor written as a full ulong is valid, but not read for a hint.
      expect(messageSizeHint(Uint8Array.of(0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x75, 0xa0, 0x01, 0x07))).to.equal(undefined);
    });
  });
});
