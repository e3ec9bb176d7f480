/**
 * Small copies from a shared slab (src/amqp/codec/slab.ts) and the short-string cache
 * (cachedAsciiText in ascii.ts): each copy holds exactly its bytes and never changes with the
 * input or with other copies; cached strings are always the bytes' own text, whatever collides.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { cachedAsciiText, CACHED_TEXT_MAX } from '../../../src/amqp/codec/ascii.js';
import { decode, encode, binary } from '../../../src/amqp/codec/index.js';
import { copyBytes, SLAB_COPY_MAX, SLAB_SIZE } from '../../../src/amqp/codec/slab.js';

describe('codec: slab copies and the short-string cache', () => {
  it('copies hold their bytes: independent of the input and of each other, across slab changes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: SLAB_COPY_MAX + 100 }), { maxLength: 40 }), (inputs) => {
      const copies = inputs.map((b) => copyBytes(b, 0, b.length));
      for (const b of inputs) b.fill(0xee); // the caller reuses its input
      copies.forEach((c, i) => {
        expect(c.length).to.equal(inputs[i].length);
        expect(c.byteLength).to.equal(inputs[i].length);
      });
      const snapshot = copies.map((c) => [...c]);
      // More copies after them (a new slab sooner or later) leave the earlier ones as they were.
      for (let i = 0; i < 2 * (SLAB_SIZE / 64); i++) copyBytes(new Uint8Array(64).fill(i), 0, 64);
      copies.forEach((c, i) => expect([...c]).to.deep.equal(snapshot[i]));
    }), { numRuns: 100 });
  });

  it('copies a range, and gives a large copy a buffer of its own', () => {
    const src = Uint8Array.from({ length: 100 }, (_, i) => i);
    expect([...copyBytes(src, 10, 14)]).to.deep.equal([10, 11, 12, 13]);
    const big = new Uint8Array(SLAB_COPY_MAX + 1).fill(7);
    const c = copyBytes(big, 0, big.length);
    expect(c.byteOffset).to.equal(0);
    expect(c.buffer.byteLength).to.equal(big.length);
  });

  it('a decoded binary is a copy: changing the input afterwards does not change it', () => {
    const bytes = encode(binary(Uint8Array.from([1, 2, 3, 4])));
    const v = decode(bytes);
    bytes.fill(0);
    expect(v.type).to.equal('binary');
    expect([...(v.value as Uint8Array)]).to.deep.equal([1, 2, 3, 4]);
  });

  it('the cache returns each byte string\'s own text, hits and collisions alike, and undefined for non-ASCII', () => {
    const enc = new TextEncoder();
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary-ascii', maxLength: CACHED_TEXT_MAX }), { minLength: 1, maxLength: 3000 }), (strings) => {
      // Thousands of strings in 1,024 slots: collisions and evictions are certain.
      for (const s of [...strings, ...strings]) {
        const b = enc.encode(`xx${s}`);
        expect(cachedAsciiText(b, 2, b.length)).to.equal(s);
      }
    }), { numRuns: 20 });
    const b = enc.encode('caf\u00e9');
    expect(cachedAsciiText(b, 0, b.length)).to.equal(undefined);
  });
});
