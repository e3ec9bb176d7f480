/** The growable byte writer: what `bytes` appends, across its short (loop) and long (set) paths and growth. */
import { expect } from 'chai';
import fc from 'fast-check';
import { ByteWriter } from '../../../src/amqp/codec/writer.js';

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
