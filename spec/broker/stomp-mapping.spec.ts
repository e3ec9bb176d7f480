/**
 * The STOMP <-> AMQP message mapping of the embedded broker, as data: every header rule both ways,
 * values that do not parse kept as application properties, lossless bodies (fast-check), AMQP
 * bodies and property values rendered for STOMP, and what a property may not shadow.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, fromCompositeJson, type Message } from '../../src/amqp/index.js';
import { uuid } from '../../src/amqp/codec/values.js';
import { amqpToStomp, COMPOSITE_JSON_TYPE, stompToAmqp, valueText } from '../../src/broker/stomp-mapping.js';

const te = new TextEncoder();
const td = new TextDecoder();
const header = (r: { headers: readonly (readonly [string, string])[] }, name: string): string | undefined => r.headers.find(([k]) => k === name)?.[1];

describe('broker: STOMP <-> AMQP mapping', () => {
  const rules: readonly { header: string; value: string; field: keyof Message; amqp: unknown; back?: string }[] = [
    { header: 'message-id', value: 'm-1', field: 'messageId', amqp: 'm-1', back: 'amqp-message-id' },
    { header: 'correlation-id', value: 'c-1', field: 'correlationId', amqp: 'c-1' },
    { header: 'reply-to', value: '/queue/r', field: 'replyTo', amqp: '/queue/r' },
    { header: 'subject', value: 'orders', field: 'subject', amqp: 'orders' },
    { header: 'content-type', value: 'application/json', field: 'contentType', amqp: 'application/json' },
    { header: 'content-encoding', value: 'gzip', field: 'contentEncoding', amqp: 'gzip' },
    { header: 'group-id', value: 'g', field: 'groupId', amqp: 'g' },
    { header: 'expires', value: '1700000000000', field: 'absoluteExpiryTime', amqp: new Date(1700000000000) },
    { header: 'expiration', value: '60000', field: 'ttl', amqp: 60000 },
    { header: 'timestamp', value: '1600000000000', field: 'creationTime', amqp: new Date(1600000000000) },
    { header: 'persistent', value: 'true', field: 'durable', amqp: true },
    { header: 'priority', value: '9', field: 'priority', amqp: 9 },
  ];
  for (const r of rules) {
    it(`maps ${r.header} to ${String(r.field)} and back${r.back ? ` (as ${r.back})` : ''}`, () => {
      const payload = stompToAmqp([['destination', '/queue/x'], [r.header, r.value]], new Uint8Array(0));
      const m = decodeMessage(payload);
      expect(m[r.field]).to.deep.equal(r.amqp);
      expect(m.applicationProperties).to.equal(undefined);
      expect(header(amqpToStomp(payload, 0), r.back ?? r.header)).to.equal(r.value);
    });
  }

  const unparsed: readonly [string, string][] = [
    ['priority', 'high'], ['priority', '300'], ['persistent', 'yes'], ['expires', 'tomorrow'], ['expires', '0'],
    ['expiration', '-1'], ['timestamp', 'now'], ['content-type', 'text/plain; name=çé'],
  ];
  for (const [name, value] of unparsed) {
    it(`keeps ${name}:${value} as a string application property (it does not parse for its field)`, () => {
      const payload = stompToAmqp([['destination', '/queue/x'], [name, value]], new Uint8Array(0));
      expect(decodeMessage(payload).applicationProperties).to.deep.equal({ [name]: value });
      expect(header(amqpToStomp(payload, 0), name)).to.equal(value);
    });
  }

  it('stores custom headers as string application properties, first of repeats winning, protocol headers left out', () => {
    const payload = stompToAmqp([
      ['destination', '/queue/x'], ['receipt', 'r'], ['transaction', 't'], ['content-length', '3'],
      ['x-odd', 'a:b\nc\\d'], ['dup', 'first'], ['dup', 'second'], ['', 'empty name'],
    ], te.encode('abc'));
    const m = decodeMessage(payload);
    expect(m.applicationProperties).to.deep.equal({ 'x-odd': 'a:b\nc\\d', dup: 'first', '': 'empty name' });
    expect(m.bodyType).to.equal('data');
    const back = amqpToStomp(payload, 0);
    expect(back.headers.filter(([k]) => k === 'dup')).to.deep.equal([['dup', 'first']]);
    expect(header(back, 'receipt')).to.equal(undefined);
    expect(header(back, 'redelivered')).to.equal(undefined);
  });

  it('keeps any body bytes and headers through STOMP -> AMQP -> STOMP', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !['destination', 'receipt', 'transaction', 'content-length'].includes(k)), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
      (body, custom) => {
        const entries = Object.entries(custom).filter(([k]) => !/^(message-id|correlation-id|reply-to|subject|content-type|content-encoding|group-id|expires|expiration|timestamp|persistent|priority|redelivered|amqp-body-type|subscription|ack|__proto__)$/.test(k));
        const back = amqpToStomp(stompToAmqp([['destination', '/q'], ...entries], body), 0);
        expect(back.body).to.deep.equal(body);
        for (const [k, v] of entries) expect(header(back, k)).to.equal(v);
      },
    ), { numRuns: 200 });
  });

  const bodies: readonly { name: string; message: Message; bytes: Uint8Array | string; contentType: string | undefined; bodyType?: string }[] = [
    { name: 'a data section', message: { body: new Uint8Array([0, 1, 0]) }, bytes: new Uint8Array([0, 1, 0]), contentType: undefined },
    { name: 'several data sections', message: { body: [new Uint8Array([1]), new Uint8Array([2, 3])], bodyType: 'data' }, bytes: new Uint8Array([1, 2, 3]), contentType: undefined },
    { name: 'a string amqp-value', message: { body: 'grüße' }, bytes: 'grüße', contentType: 'text/plain;charset=utf-8' },
    { name: 'a string with its own content-type', message: { body: '{"a":1}', contentType: 'application/json' }, bytes: '{"a":1}', contentType: 'application/json' },
    { name: 'a null amqp-value', message: { body: null }, bytes: new Uint8Array(0), contentType: undefined },
    { name: 'no body at all', message: { subject: 's' }, bytes: new Uint8Array(0), contentType: undefined },
  ];
  for (const b of bodies) {
    it(`renders ${b.name} for STOMP`, () => {
      const r = amqpToStomp(encodeMessage(b.message), 0);
      expect(r.body).to.deep.equal(typeof b.bytes === 'string' ? te.encode(b.bytes) : b.bytes);
      expect(header(r, 'content-type')).to.equal(b.contentType);
    });
  }

  it('renders other amqp-values and sequences as composite JSON that decodes back to the value', () => {
    const value = amqpToStomp(encodeMessage({ body: { n: 1, list: [true, 'z'] }, contentType: 'x/ignored' }), 0);
    expect(header(value, 'content-type')).to.equal(COMPOSITE_JSON_TYPE);
    expect(header(value, 'amqp-body-type')).to.equal('value');
    const decoded = fromCompositeJson(td.decode(value.body));
    expect(decoded.type).to.equal('map');
    const seq = amqpToStomp(encodeMessage({ body: [[1, 2], ['a']], bodyType: 'sequence' }), 0);
    expect(header(seq, 'amqp-body-type')).to.equal('sequence');
    const json = JSON.parse(td.decode(seq.body)) as unknown[];
    expect(json.length).to.equal(2);
    expect(fromCompositeJson(json[1] as string).type).to.equal('list');
  });

  it('hands over bytes that are not an AMQP message as they are', () => {
    const r = amqpToStomp(new Uint8Array([1, 2, 3]), 0);
    expect([...r.body]).to.deep.equal([1, 2, 3]);
    expect(header(r, 'amqp-body-type')).to.equal('raw');
  });

  it('renders application property values as text and never lets one shadow a protocol header', () => {
    const r = amqpToStomp(encodeMessage({
      body: 'x',
      applicationProperties: {
        n: 42, big: 2n ** 60n, f: 1.5, t: true, when: new Date(5), bin: new Uint8Array([0xab, 0x01]), none: null,
        destination: '/queue/fake', 'message-id': 'fake', subscription: 'fake', ack: 'fake', 'content-length': '1', redelivered: 'true', priority: '1',
      },
      messageId: 7,
      priority: 5,
    }), 0);
    expect(Object.fromEntries(r.headers)).to.deep.include({ n: '42', big: String(2n ** 60n), f: '1.5', t: 'true', when: '5', bin: 'ab01', none: '' });
    for (const h of ['destination', 'message-id', 'subscription', 'ack', 'content-length', 'redelivered']) expect(header(r, h)).to.equal(undefined);
    // The real field comes first; the property of the same name is not written after it.
    expect(r.headers.filter(([k]) => k === 'priority')).to.deep.equal([['priority', '5']]);
    expect(header(r, 'amqp-message-id')).to.equal('7');
  });

  it('marks redelivered from the broker count or the header delivery-count', () => {
    expect(header(amqpToStomp(encodeMessage({ body: 'x' }), 1), 'redelivered')).to.equal('true');
    expect(header(amqpToStomp(encodeMessage({ body: 'x', deliveryCount: 2 }), 0), 'redelivered')).to.equal('true');
    expect(header(amqpToStomp(encodeMessage({ body: 'x' }), 0), 'redelivered')).to.equal(undefined);
  });

  it('writes uuids as hyphenated hex', () => {
    expect(valueText(uuid('00112233-4455-6677-8899-aabbccddeeff'))).to.equal('00112233-4455-6677-8899-aabbccddeeff');
  });
});
