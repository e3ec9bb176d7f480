/**
 * The direct encoder of the common message shape (rx/message-direct.ts) must write exactly the
 * bytes of the general path (Message -> sections -> bytes) for every message it takes, and leave
 * every other message to the general path, errors included.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeSections } from '../../../src/amqp/frames/sections.js';
import { DIRECT_FIELD_PLACES, encodeDirect } from '../../../src/amqp/rx/message-direct.js';
import { encodeMessage, encodeMessageParts, toSections, type Message } from '../../../src/amqp/rx/message.js';
import { EncodeError } from '../../../src/errors.js';

const general = (m: Message): number[] => [...encodeSections(toSections(m))];
const direct = (m: Message): number[] | undefined => {
  const b = encodeDirect(m, 0);
  return b === undefined ? undefined : [...b];
};

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ minLength: 250, maxLength: 300 }));
const ascii = fc.string({ unit: 'binary-ascii', maxLength: 300 });
const uint = fc.oneof(fc.constantFrom(0, 1, 255, 256, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const date = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 2 });

/** Messages of the shape the direct encoder takes, every field optional. */
const common: fc.Arbitrary<Message> = fc.record({
  body: opt(fc.oneof(text, fc.uint8Array({ maxLength: 600 }))),
  durable: opt(fc.boolean()), priority: opt(fc.integer({ min: 0, max: 255 })), ttl: opt(uint),
  firstAcquirer: opt(fc.boolean()), deliveryCount: opt(uint),
  messageId: opt(text), to: opt(text), subject: opt(text), replyTo: opt(text), correlationId: opt(text),
  contentType: opt(ascii), contentEncoding: opt(ascii), absoluteExpiryTime: opt(date), creationTime: opt(date),
  groupId: opt(text), groupSequence: opt(uint), replyToGroupId: opt(text),
}, { requiredKeys: [] });

describe('rx: direct message encoding', () => {
  it('writes the bytes of the general path for every message of the common shape', () => {
    fc.assert(fc.property(common, (m) => {
      expect(direct(m), JSON.stringify(m)).to.deep.equal(general(m));
    }), { numRuns: 2000 });
  });

  it('is what encodeMessage and encodeMessageParts use: same bytes as before', () => {
    const m: Message = { body: 'hello', messageId: 'id-1', durable: true, ttl: 1000, replyTo: 'replies', correlationId: 'c' };
    expect([...encodeMessage(m)]).to.deep.equal(general(m));
    const parts = encodeMessageParts(m);
    expect([...(parts as Uint8Array)]).to.deep.equal(general(m));
  });

  it('leaves a message to the general path when any field it does not write is set', () => {
    const general = Object.entries(DIRECT_FIELD_PLACES).filter(([, p]) => p === 'general').map(([k]) => k);
    expect(general).to.have.members(['bodyType', 'userId', 'applicationProperties', 'messageAnnotations', 'deliveryAnnotations', 'footer']);
    for (const k of general) {
      for (const v of [0, false, '', null, {}, 'value', new Uint8Array(1)]) {
        expect(encodeDirect({ body: 'x', [k]: v } as unknown as Message, 0), `${k}: ${String(v)}`).to.equal(undefined);
      }
    }
  });

  it('leaves values it does not write as they are to the general path (numeric ids, out-of-range numbers, invalid dates, large bodies)', () => {
    const others: Message[] = [
      { body: 'x', messageId: 7 }, { body: 'x', correlationId: 7n }, { body: 'x', messageId: new Uint8Array(2) },
      { body: 'x', priority: 256 }, { body: 'x', priority: -1 }, { body: 'x', ttl: 1.5 }, { body: 'x', ttl: 2 ** 32 },
      { body: 'x', deliveryCount: -1 }, { body: 'x', groupSequence: 2 ** 32 }, { body: 'x', creationTime: new Date(NaN) },
      { body: 'x', to: null as unknown as string }, { body: 'x', durable: 1 as unknown as boolean },
      { body: new Uint8Array(4096) }, { body: 42 }, { body: ['a'] }, { body: { a: 1 } },
    ];
    for (const m of others) expect(encodeDirect(m, 0), String(Object.keys(m))).to.equal(undefined);
    // And the general path still encodes them, or refuses them with its own errors.
    expect(() => encodeMessage({ body: 'x', priority: 256 })).to.throw();
    expect(general({ body: 'x', messageId: 7 }).length).to.be.greaterThan(0);
  });

  it('refuses what the general path refuses: a lone surrogate, a non-ASCII symbol', () => {
    expect(() => encodeDirect({ body: 'x', messageId: '\ud800' }, 0)).to.throw(EncodeError);
    expect(() => general({ body: 'x', messageId: '\ud800' })).to.throw(EncodeError);
    expect(() => encodeDirect({ body: 'x', contentType: 'tëxt' }, 0)).to.throw(EncodeError);
    expect(() => general({ body: 'x', contentType: 'tëxt' })).to.throw(EncodeError);
  });
});
