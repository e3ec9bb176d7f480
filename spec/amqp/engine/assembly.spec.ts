/**
 * DeliveryAssembly: the bytes of a delivery arriving in pieces end up exactly as sent, in as few
 * arrays as the stated size allows; bytes read into place are not copied; a stated size far
 * above what arrives leaves an array of the right size.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DeliveryAssembly } from '../../../src/amqp/engine/assembly.js';

function counting(): { allocate: (n: number) => Uint8Array; sizes: number[] } {
  const sizes: number[] = [];
  return { sizes, allocate: (n) => { sizes.push(n); return new Uint8Array(n).fill(0xee); } };
}

const cat = (xs: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of xs) { out.set(x, at); at += x.length; }
  return out;
};

describe('amqp/engine DeliveryAssembly', () => {
  it('keeps every byte in order whatever the pieces, reads into place included', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 3000 }), inPlace: fc.boolean() }), { minLength: 1, maxLength: 20 }),
      fc.nat({ max: 5000 }),
      (pieces, coming) => {
        const a = counting();
        const asm = new DeliveryAssembly(a.allocate, pieces[0].bytes, Math.max(coming, pieces[0].bytes.length));
        for (const p of pieces.slice(1)) {
          if (p.inPlace) {
            const t = asm.target(p.bytes.length);
            t.set(p.bytes);
            asm.append(t);
          } else {
            asm.append(p.bytes);
          }
        }
        const all = cat(pieces.map((p) => p.bytes));
        expect(asm.length).to.equal(all.length);
        const out = asm.finish();
        expect(out).to.deep.equal(all);
        // Spare room of more than a quarter is never handed out with the bytes.
        expect(out.buffer.byteLength - out.length).to.be.at.most(out.buffer.byteLength / 4);
      },
    ), { numRuns: 300 });
  });

  it('sizes itself from the data section in the first bytes, and takes bytes read into its target without copying', () => {
    const a = counting();
    const first = Uint8Array.of(0x00, 0x53, 0x75, 0xb0, 0, 0, 0x27, 0x10, 1, 2);
    const asm = new DeliveryAssembly(a.allocate, first, first.length);
    expect(a.sizes).to.deep.equal([10_008]);
    const t = asm.target(9998);
    t.fill(9);
    // Appending the target itself is only counted: a copy onto itself would show as a spy call.
    let sets = 0;
    const originalSet = Uint8Array.prototype.set;
    Uint8Array.prototype.set = function (this: Uint8Array, ...args: Parameters<Uint8Array['set']>) { sets++; return originalSet.apply(this, args); };
    try {
      asm.append(t);
    } finally {
      Uint8Array.prototype.set = originalSet;
    }
    expect(sets).to.equal(0);
    const out = asm.finish();
    expect(out.length).to.equal(10_008);
    expect(out.buffer).to.equal(t.buffer);
    expect([...out.subarray(0, 10)]).to.deep.equal([...first]);
    expect(out.subarray(10).every((b) => b === 9)).to.equal(true);
    expect(a.sizes).to.deep.equal([10_008]);
  });

  it('allocates no more than the cap for a stated size, and trims when far fewer bytes come', () => {
    const a = counting();
    const first = Uint8Array.of(0x00, 0x53, 0x75, 0xb0, 0x7f, 0xff, 0xff, 0xff, 1, 2);
    const asm = new DeliveryAssembly(a.allocate, first, first.length, 4096);
    expect(a.sizes).to.deep.equal([4096]);
    asm.append(new Uint8Array(90));
    const out = asm.finish();
    expect(out.length).to.equal(100);
    expect(out.buffer.byteLength).to.equal(100);
  });
});
