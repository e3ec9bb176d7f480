/**
 * Selectors over stored AMQP messages: the JMS header fields read from the header and properties
 * sections, application properties by their AMQP type, and messages that do not decode.
 */
import { expect } from 'chai';
import { boolean, byte, double, float, int, long, map, string, symbol, timestamp, ubyte, ulong, uuid } from '../../src/amqp/codec/values.js';
import { encodeSections, type MessageSections } from '../../src/amqp/frames/sections.js';
import type { StoredMessage } from '../../src/broker/message.js';
import { MessageSelector, SelectorError } from '../../src/broker/selector.js';

const stored = (m: MessageSections, deliveryCount = 0): StoredMessage => ({ seq: 1, payload: encodeSections(m), deliveryCount });

const FULL = stored({
  header: { durable: true, priority: 7 },
  messageAnnotations: map([[symbol('x-opt-jms-type'), string('order')]]),
  properties: {
    messageId: string('ID:m-1'), correlationId: ulong(42n), userId: new TextEncoder().encode('alice'), to: string('/queue/q'),
    subject: 'subj', replyTo: string('replies'), creationTime: 1700000000000n, absoluteExpiryTime: 1700000060000n,
    groupId: 'g', groupSequence: 5,
  },
  applicationProperties: map([
    [string('s'), string('text')], [string('b'), boolean(true)], [string('i8'), byte(-3)], [string('u8'), ubyte(200)],
    [string('i32'), int(70000)], [string('i64'), long(9007199254740993n)], [string('f'), float(1.5)], [string('d'), double(0.25)],
    [string('t'), timestamp(1000)], [string('sym'), symbol('sy')], [string('id'), uuid('00112233-4455-6677-8899-aabbccddeeff')],
  ]),
  body: { kind: 'value', value: string('body') },
});

const ROWS: readonly (readonly [string, boolean])[] = [
  ['JMSPriority = 7', true], ["JMSDeliveryMode = 'PERSISTENT'", true], ['JMSRedelivered = FALSE', true], ['JMSXDeliveryCount = 1', true],
  ["JMSMessageID = 'ID:m-1'", true], ["JMSCorrelationID = '42'", true], ["JMSType = 'order'", true],
  ['JMSTimestamp = 1700000000000', true], ['JMSExpiration - JMSTimestamp = 60000', true], ["JMSDestination = '/queue/q'", true],
  ["JMSReplyTo = 'replies'", true], ["JMSXUserID = 'alice'", true], ["JMSXGroupID = 'g'", true], ['JMSXGroupSeq = 5', true],
  ["s = 'text'", true], ['b', true], ['i8 = -3', true], ['u8 = 200', true], ['i32 / 7 = 10000', true],
  ['i64 = 9007199254740993', true], ['f = 1.5', true], ['d * 4 = 1', true], ['t = 1000', true], ["sym = 'sy'", true],
  ['id IS NULL', true], // a uuid is no JMS property type: unknown
  ['jmspriority IS NULL', true], // names are case-sensitive: an application property that is not there
];

describe('broker: selectors over stored messages', () => {
  for (const [text, want] of ROWS) {
    it(`${text}  ->  ${String(want)}`, () => {
      expect(new MessageSelector(text).matches(FULL)).to.equal(want);
    });
  }

  it('gives the JMS defaults for a bare message, and counts redeliveries from the broker', () => {
    const bare = stored({ body: { kind: 'value', value: string('x') } });
    const s = (t: string, m = bare): boolean => new MessageSelector(t).matches(m);
    expect(s('JMSPriority = 4')).to.equal(true);
    expect(s("JMSDeliveryMode = 'NON_PERSISTENT'")).to.equal(true);
    expect(s('JMSMessageID IS NULL AND JMSTimestamp IS NULL AND JMSExpiration = 0')).to.equal(true);
    expect(s("JMSType IS NULL")).to.equal(true);
    const again = stored({ properties: { subject: 'fallback' }, body: { kind: 'value', value: string('x') } }, 2);
    expect(s('JMSRedelivered AND JMSXDeliveryCount = 3', again)).to.equal(true);
    expect(s("JMSType = 'fallback'", again)).to.equal(true); // subject when there is no x-opt-jms-type
  });

  it('never selects a message that does not decode', () => {
    const junk: StoredMessage = { seq: 1, payload: new Uint8Array([0x00, 0x53, 0x74, 0xc1, 0xff]), deliveryCount: 0 };
    expect(new MessageSelector('x IS NULL').matches(junk)).to.equal(false);
  });

  it('throws SelectorError for what does not parse', () => {
    expect(() => new MessageSelector("a = 'x")).to.throw(SelectorError);
  });
});
