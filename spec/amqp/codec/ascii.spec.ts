/** Short ASCII text out of bytes: the native latin-1 slice (Node) and the portable loop agree. */
import { expect } from 'chai';
import fc from 'fast-check';
import { asciiText, asciiTextPortable, isAscii, usesNativeLatin1 } from '../../../src/amqp/codec/ascii.js';

describe('codec: ASCII text', () => {
  it('uses Node\'s native slice here, so the benchmarks measure the path users get', () => {
    expect(usesNativeLatin1).to.equal(true);
  });

  it('both paths give the text of any ASCII range, in a Buffer or a plain Uint8Array', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 8 }), fc.stringMatching(/^[\x00-\x7f]{0,80}$/), fc.uint8Array({ maxLength: 8 }), fc.boolean(), (pre, text, post, asBuffer) => {
      const plain = Uint8Array.from([...pre, ...[...text].map((c) => c.charCodeAt(0)), ...post]);
      const b = asBuffer ? Buffer.from(plain) : plain;
      const start = pre.length;
      const end = start + text.length;
      expect(isAscii(b, start, end)).to.equal(true);
      expect(asciiText(b, start, end)).to.equal(text);
      expect(asciiTextPortable(b, start, end)).to.equal(text);
    }), { numRuns: 500 });
  });

  it('isAscii finds any byte of 0x80 or above', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }), (bytes, at, high) => {
      const b = Uint8Array.from(bytes, (x) => x & 0x7f);
      b[at % b.length] = high;
      expect(isAscii(b, 0, b.length)).to.equal(false);
      expect(isAscii(b, 0, at % b.length)).to.equal(true);
    }));
  });
});
