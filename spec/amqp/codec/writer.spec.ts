/** The growable byte writer (what `bytes` appends, across its short and long paths and growth), and the strings it refuses to write. */
import { expect } from 'chai';
import fc from 'fast-check';
import { ByteWriter } from '../../../src/amqp/codec/writer.js';
import { decode, encode, type AmqpValue } from '../../../src/amqp/codec/index.js';
import { EncodeError } from '../../../src/errors.js';

describe('amqp/codec ByteWriter', () => {
  it('bytes appends exactly the given arrays, short and long, views included, while growing', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (arrays, capacity) => {
      const w = new ByteWriter(capacity);
      const expected: number[] = [];
      for (const a of arrays) {
        // A view starting inside a larger array: the copy must start at the view's offset.
        const padded = new Uint8Array(a.length + 3);
        padded.set(a, 2);
        w.bytes(padded.subarray(2, 2 + a.length));
        expected.push(...a);
      }
      expect(w.pos).to.equal(expected.length);
      expect([...w.toBytes()]).to.deep.equal(expected);
    }), { numRuns: 300 });
  });
});

describe('amqp/codec strings that have no AMQP form', () => {
  const lone = '\ud800';
  const cases: readonly (readonly [string, AmqpValue, RegExp])[] = [
    ['a short string with a lone surrogate', { type: 'string', value: `ab${lone}c` }, /lone UTF-16 surrogate/],
    ['a long string (past the ASCII loop) with a lone surrogate', { type: 'string', value: 'a'.repeat(80) + lone }, /lone UTF-16 surrogate/],
    ['a string starting with a lone low surrogate', { type: 'string', value: '\udc00x' }, /lone UTF-16 surrogate/],
    ['a symbol with a non-ASCII character', { type: 'symbol', value: 'caf\u00e9' }, /symbol must be ASCII/],
    ['a long symbol with a non-ASCII character', { type: 'symbol', value: 'x'.repeat(300) + '\u00e9' }, /symbol must be ASCII/],
    ['a string array with a lone surrogate', { type: 'array', elementType: 'string', value: [{ type: 'string', value: 'ok' }, { type: 'string', value: lone }] }, /lone UTF-16 surrogate/],
    ['a symbol array with a non-ASCII symbol', { type: 'array', elementType: 'symbol', value: [{ type: 'symbol', value: 'ok' }, { type: 'symbol', value: '\u00fc' }] }, /symbol must be ASCII/],
  ];
  for (const [name, value, message] of cases) {
    it(`${name}: EncodeError, and the next encode is unharmed`, () => {
      expect(() => encode(value)).to.throw(EncodeError, message);
      const ok = encode({ type: 'list', value: [{ type: 'string', value: 'caf\u00e9 \ud83d\ude00' }, { type: 'symbol', value: 'sym' }] });
      expect(decode(ok)).to.deep.equal({ type: 'list', value: [{ type: 'string', value: 'caf\u00e9 \ud83d\ude00' }, { type: 'symbol', value: 'sym' }] });
    });
  }

  it('well-formed non-ASCII strings (surrogate pairs included) encode as UTF-8, short and long', () => {
    for (const s of ['\u00e9', 'a\ud83d\ude00b', 'x'.repeat(70) + '\u4e2d\ud83d\ude00']) {
      const bytes = encode({ type: 'string', value: s });
      expect(decode(bytes)).to.deep.equal({ type: 'string', value: s });
      expect(Buffer.from(bytes.subarray(bytes[0] === 0xa1 ? 2 : 5)).toString('utf8')).to.equal(s);
    }
  });
});
