/**
 * Property-based round trips. The arbitraries are derived from the definition table, so every
 * field of every composite (not only the ones a hand-written test thinks of) is exercised.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  COMPOSITES, decodeComposite, decodeFrame, encodeComposite, encodeFrame, type CompositeName,
  type Performative, type SaslFrameBody,
} from '../../../src/amqp/frames/index.js';
import { arbitraryComposite } from './arbitraries.js';
import { plain } from './helpers.js';

const ALL = Object.keys(COMPOSITES) as CompositeName[];
const FRAME_KINDS = ALL.filter((k) => COMPOSITES[k].provides.includes('frame') || COMPOSITES[k].provides.includes('sasl-frame'));

describe('frames: property-based round trips', () => {
  for (const kind of ALL) {
    it(`${kind} survives encode/decode`, () => {
      fc.assert(fc.property(arbitraryComposite(kind), (c) => {
        expect(decodeComposite(encodeComposite(c))).to.deep.equal(c);
      }), { numRuns: 60 });
    });
  }

  it('frames of every performative survive encode/decode with channel and payload', () => {
    const arb = fc.tuple(
      fc.oneof(...FRAME_KINDS.map(arbitraryComposite)),
      fc.integer({ min: 0, max: 0xffff }),
      fc.uint8Array({ maxLength: 64 }),
    );
    fc.assert(fc.property(arb, ([p, channel, payload]) => {
      const sasl = p.kind.startsWith('sasl-');
      const frame = decodeFrame(encodeFrame(channel, p as Performative | SaslFrameBody, payload));
      expect(plain(frame)).to.deep.equal({ type: sasl ? 'sasl' : 'amqp', channel, performative: p, payload });
    }), { numRuns: 300 });
  });

  it('the decoder never crashes on mutated performatives: it decodes or throws DecodeError', () => {
    fc.assert(fc.property(fc.oneof(...FRAME_KINDS.map(arbitraryComposite)), fc.nat(), fc.integer({ min: 0, max: 255 }), (p, at, byte) => {
      const b = encodeComposite(p);
      b[at % b.length] = byte;
      try {
        decodeComposite(b);
      } catch (e) {
        expect((e as Error).name).to.equal('DecodeError');
      }
    }), { numRuns: 500 });
  });
});
