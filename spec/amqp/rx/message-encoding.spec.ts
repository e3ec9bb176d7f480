/**
 * encodeMessageParts' shortcut for messages that are only a string body must write exactly the
 * bytes of the general path (Message -> sections -> bytes), and must not be taken when any other
 * field is set.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeSectionParts } from '../../../src/amqp/frames/sections.js';
import { encodeMessageParts, NOT_BODY_FIELDS, onlyBody, toSections, type Message } from '../../../src/amqp/rx/message.js';

const general = (m: Message): number[] => {
  const parts = encodeSectionParts(toSections(m));
  return [...(parts instanceof Uint8Array ? parts : parts[0])];
};
const shortcut = (m: Message): number[] => {
  const parts = encodeMessageParts(m);
  return [...(parts instanceof Uint8Array ? parts : parts[0])];
};

describe('rx: message encoding', () => {
  it('encodes a string-only message as the general path does, for any string length (str8 and str32)', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 })), (body) => {
      expect(shortcut({ body })).to.deep.equal(general({ body }));
    }), { numRuns: 1000 });
  });

  it('takes the general path as soon as any other field is set', () => {
    const extras: Message[] = [
      { body: 'x', subject: 's' }, { body: 'x', durable: true }, { body: 'x', bodyType: 'sequence' } as unknown as Message,
      { body: 'x', applicationProperties: { k: 1 } }, { body: 'x', footer: { f: 'v' } }, { body: 'x', messageId: 'id' },
      { body: 'x', deliveryAnnotations: { a: 1 } }, { body: 'x', ttl: 5 },
    ];
    const bodyOnly = general({ body: 'x' });
    for (const m of extras) {
      let expected: number[] | Error;
      try { expected = general(m); } catch (e) { expected = e as Error; }
      if (expected instanceof Error) {
        expect(() => shortcut(m), JSON.stringify(m)).to.throw(expected.constructor as ErrorConstructor);
      } else {
        // The field shows in the bytes, so a shortcut taken by mistake would give other bytes.
        expect(expected, JSON.stringify(m)).to.not.deep.equal(bodyOnly);
        expect(shortcut(m), JSON.stringify(m)).to.deep.equal(expected);
      }
    }
  });

  it('the shortcut looks at every field of Message but the body', () => {
    expect(onlyBody({ body: 'x' })).to.equal(true);
    expect(NOT_BODY_FIELDS.length).to.be.greaterThan(20);
    for (const k of NOT_BODY_FIELDS) {
      for (const v of [0, false, '', null, {}]) {
        expect(onlyBody({ body: 'x', [k]: v } as unknown as Message), `${k}: ${JSON.stringify(v)}`).to.equal(false);
      }
    }
  });

  it('refuses a string with a lone surrogate, as the general path does', () => {
    expect(() => encodeMessageParts({ body: '\ud800' })).to.throw();
    expect(() => general({ body: '\ud800' })).to.throw();
  });
});
