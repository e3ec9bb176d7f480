/**
 * Hostile input: every malformed shape gets a DecodeError with the offset, and nothing else
 * (no RangeError from a typed array, no stack overflow, no hang, no huge allocation).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  DecodeError, array, binary, decode, described, encode, int, list, map, string, symbol, ulong,
  uint, type AmqpValue,
} from '../../../src/amqp/index.js';

const bytes = (h: string): Uint8Array => {
  const s = h.replace(/\s+/g, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
};

/** Decodes and returns the DecodeError it must raise. */
function decodeError(input: Uint8Array): DecodeError {
  try {
    decode(input);
  } catch (e) {
    expect(e).to.be.instanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

const CASES: readonly { readonly name: string; readonly wire: string; readonly error: RegExp; readonly offset: number }[] = [
  { name: 'empty input', wire: '', error: /truncated/, offset: 0 },
  { name: 'truncated uint', wire: '700000', error: /truncated/, offset: 1 },
  { name: 'truncated ulong', wire: '8000000000', error: /truncated/, offset: 1 },
  { name: 'truncated uuid', wire: '98' + '00'.repeat(15), error: /truncated/, offset: 1 },
  { name: 'str8 size past the data', wire: 'a10561', error: /truncated/, offset: 2 },
  { name: 'vbin32 size of 4 GiB', wire: 'b0ffffffff00', error: /truncated/, offset: 5 },
  { name: 'str32 size of 4 GiB', wire: 'b1ffffffff', error: /truncated/, offset: 5 },
  { name: 'invalid UTF-8 in str8', wire: 'a102c328', error: /invalid UTF-8/, offset: 2 },
  { name: 'overlong UTF-8', wire: 'a102c0af', error: /invalid UTF-8/, offset: 2 },
  { name: 'UTF-8 surrogate', wire: 'a103eda080', error: /invalid UTF-8/, offset: 2 },
  { name: 'non-ASCII symbol', wire: 'a301e9', error: /non-ASCII/, offset: 2 },
  { name: 'unknown constructor', wire: '01', error: /unknown format code 0x01/, offset: 0 },
  { name: 'reserved constructor 0xff', wire: 'ff', error: /unknown format code 0xff/, offset: 0 },
  { name: 'boolean byte 2', wire: '5602', error: /boolean byte/, offset: 1 },
  { name: 'char past Unicode', wire: '7300110000', error: /not a Unicode scalar/, offset: 1 },
  { name: 'char surrogate', wire: '730000d800', error: /not a Unicode scalar/, offset: 1 },
  { name: 'list8 size past the data', wire: 'c0050140', error: /runs past the data/, offset: 0 },
  { name: 'list32 size of 4 GiB', wire: 'd0ffffffff00000001', error: /runs past the data/, offset: 0 },
  { name: 'list8 count larger than its bytes', wire: 'c002ff40', error: /cannot fit/, offset: 0 },
  { name: 'list32 count of 4 billion', wire: 'd000000004ffffffff', error: /cannot fit/, offset: 0 },
  { name: 'list8 size smaller than its count field', wire: 'c000', error: /smaller than its count/, offset: 0 },
  { name: 'list8 size larger than its content', wire: 'c0030140' + '40', error: /size does not match/, offset: 0 },
  { name: 'list8 element overrunning the size', wire: 'c00201' + '5201', error: /truncated/, offset: 4 },
  { name: 'odd map count', wire: 'c1030140' + '40', error: /odd element count/, offset: 0 },
  { name: 'map32 odd count', wire: 'd1000000050000000140', error: /odd element count/, offset: 0 },
  { name: 'array count larger than its bytes', wire: 'e003ff7100', error: /cannot fit/, offset: 0 },
  { name: 'array32 count of 4 billion uints', wire: 'f000000005ffffffff70', error: /cannot fit/, offset: 0 },
  { name: 'array of 4 billion nulls', wire: 'f000000005ffffffff40', error: /zero-width/, offset: 0 },
  { name: 'array with unknown element constructor', wire: 'e0020101', error: /unknown array element format code 0x01/, offset: 3 },
  { name: 'array with no element constructor', wire: 'e00100', error: /truncated/, offset: 3 },
  { name: 'array element constructor described twice', wire: 'e005010040' + '0040', error: /described twice/, offset: 5 },
  { name: 'described with no value', wire: '005370', error: /truncated/, offset: 3 },
  { name: 'described with no descriptor', wire: '00', error: /truncated/, offset: 1 },
];

describe('amqp/codec hostile input', () => {
  for (const c of CASES) {
    it(`rejects ${c.name}`, () => {
      const e = decodeError(bytes(c.wire));
      expect(e.message).to.match(c.error);
      expect(e.offset).to.equal(c.offset);
    });
  }

  it('rejects nesting deeper than the limit without overflowing the stack', () => {
    // 100,000 well-formed nested list32 values would blow the stack of a naive recursive decoder.
    const depth = 100_000;
    const b = new Uint8Array(depth * 9 + 1);
    const view = new DataView(b.buffer);
    for (let i = 0; i < depth; i++) {
      const rest = (depth - i) * 9 + 1; // this list's own encoding, to the end of the input
      b[i * 9] = 0xd0;
      view.setUint32(i * 9 + 1, rest - 5);
      view.setUint32(i * 9 + 5, 1);
    }
    b[depth * 9] = 0x40;
    expect(decodeError(b).message).to.match(/nesting deeper than 64/);
    const described1 = new Uint8Array(depth).fill(0x00);
    expect(decodeError(described1).message).to.match(/nesting deeper than 64/);
  });

  it('decoded binaries never alias the input, even when it is a Node Buffer', () => {
    const wire = Buffer.from(encode(list([binary(new Uint8Array([1, 2, 3]))])));
    const decoded = decode(wire);
    wire.fill(0xee);
    expect(decoded).to.deep.equal(list([binary(new Uint8Array([1, 2, 3]))]));
  });

  it('honours a caller-chosen depth limit', () => {
    let v: AmqpValue = int(1);
    for (let i = 0; i < 10; i++) v = list([v]);
    const b = encode(v);
    expect(decode(b)).to.deep.equal(v);
    expect(() => decode(b, { maxDepth: 5 })).to.throw(DecodeError, /nesting deeper than 5/);
  });

  it('honours a caller-chosen cap on zero-width array elements', () => {
    const b = bytes('e0020540');
    expect(decode(b)).to.have.property('type', 'array');
    expect(() => decode(b, { maxZeroWidthElements: 4 })).to.throw(DecodeError, /zero-width/);
  });

  it('never throws anything but DecodeError on random bytes (fast-check, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          decode(input);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { seed: 20261125, numRuns: 20_000 },
    );
  });

  it('survives 100,000 mutations of valid encodings with only DecodeError (seeded)', () => {
    const seeds: AmqpValue[] = [
      list([uint(1), string('hello'), symbol('amqp:accepted:list'), binary(new Uint8Array([1, 2, 3]))]),
      map([[symbol('x-opt-key'), string('v')], [string('n'), int(-5)]]),
      described(ulong(0x70), list([uint(1), ulong(2), array('symbol', [symbol('a'), symbol('b')])])),
      array('list', [list([int(1)]), list([string('x'.repeat(300))])]),
      array('array', [array('int', [int(1), int(1000)])]),
      described(symbol('com.example:thing'), map([[ulong(1), list([])]])),
    ];
    const encodings = seeds.map((s) => encode(s));
    // A small deterministic PRNG (xorshift32) so a failure reproduces exactly.
    let state = 0x2545f491;
    const rnd = (n: number): number => {
      state ^= state << 13; state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5; state >>>= 0;
      return state % n;
    };
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 100_000; i++) {
      const base = encodings[rnd(encodings.length)];
      const m = base.slice(0, Math.max(1, base.length - rnd(3) * rnd(8)));
      const flips = 1 + rnd(4);
      for (let f = 0; f < flips; f++) {
        const at = rnd(m.length);
        // Mix of bit flips, boundary bytes and random bytes: sizes and counts are the prime targets.
        const kind = rnd(3);
        m[at] = kind === 0 ? m[at] ^ (1 << rnd(8)) : kind === 1 ? [0x00, 0x7f, 0x80, 0xff][rnd(4)] : rnd(256);
      }
      try {
        decode(m);
        decoded++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`non-DecodeError for ${Buffer.from(m).toString('hex')}: ${String(e)}`);
        rejected++;
      }
    }
    // Both outcomes must occur, or the mutations are not exercising the decoder.
    expect(decoded).to.be.greaterThan(1000);
    expect(rejected).to.be.greaterThan(1000);
  });
});
