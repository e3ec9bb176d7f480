/**
 * Property tests over arbitrary typed trees: decoding is lossless (every type survives) and the
 * encoder is deterministic, so encode(decode(encode(v))) is byte-identical to encode(v).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decode, encode } from '../../../src/amqp/index.js';
import { arbAmqpValue } from './arbitraries.js';

describe('amqp/codec round trips (fast-check)', () => {
  it('decode(encode(v)) deep-equals v for arbitrary typed trees', () => {
    fc.assert(
      fc.property(arbAmqpValue(3), (v) => {
        expect(decode(encode(v))).to.deep.equal(v);
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });

  it('re-encoding a decoded value reproduces the same bytes', () => {
    fc.assert(
      fc.property(arbAmqpValue(3), (v) => {
        const once = encode(v);
        expect(encode(decode(once))).to.deep.equal(once);
      }),
      { seed: 777, numRuns: 3000 },
    );
  });

  it('every prefix of a valid encoding is rejected with a DecodeError, never misread', () => {
    fc.assert(
      fc.property(arbAmqpValue(2), (v) => {
        const b = encode(v);
        for (let n = 0; n < b.length; n++) {
          expect(() => decode(b.subarray(0, n))).to.throw(/truncated|runs past|cannot fit|size/);
        }
      }),
      { seed: 99, numRuns: 500 },
    );
  });
});
