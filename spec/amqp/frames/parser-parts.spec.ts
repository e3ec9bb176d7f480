/**
 * FrameParser with `payloadParts`: a large frame split across chunks comes out with its payload as
 * views of the chunks, byte for byte the payload of the assembled frame.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeFrame, type Frame } from '../../../src/amqp/frames/frame.js';
import { FrameParser } from '../../../src/amqp/frames/parser.js';

function joined(f: Frame): Uint8Array {
  if (f.type !== 'amqp') return new Uint8Array(0);
  if (f.payloadParts === undefined) return f.payload;
  const out = new Uint8Array(f.payloadParts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of f.payloadParts) { out.set(p, at); at += p.length; }
  return out;
}

describe('frames: parser with payload parts', () => {
  it('hands over split large frames as parts equal to the assembled payload', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 70_000 }), fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 12 }),
      (size, cuts) => {
        const payload = new Uint8Array(size);
        for (let i = 0; i < size; i++) payload[i] = (i * 31) & 0xff;
        const t = { kind: 'transfer', handle: 1, deliveryId: 9, deliveryTag: Uint8Array.of(1, 2), more: true } as const;
        const bytes = new Uint8Array([...encodeFrame(0, t, payload), ...encodeFrame(0, { ...t, deliveryId: 10 }, Uint8Array.of(7))]);
        const whole = new FrameParser({ expectHeader: false }).feed(bytes);
        const parser = new FrameParser({ expectHeader: false, payloadParts: true });
        const got: Frame[] = [];
        let at = 0;
        for (const c of [...cuts, bytes.length]) {
          const end = Math.min(bytes.length, at + c);
          got.push(...(parser.feed(bytes.subarray(at, end)) as Frame[]));
          at = end;
          if (at === bytes.length) break;
        }
        expect(got).to.have.length(2);
        got.forEach((f, i) => {
          const w = whole[i] as Frame;
          expect(f.type === 'amqp' && f.performative).to.deep.equal(w.type === 'amqp' && w.performative);
          expect(joined(f)).to.deep.equal(joined(w));
        });
      },
    ), { numRuns: 200 });
  });
});
