/**
 * The transfer fast path of the frame writer must produce exactly the bytes of the generic
 * composite writer (and leave other shapes to it).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeComposite } from '../../../src/amqp/frames/composite.js';
import type { Transfer } from '../../../src/amqp/frames/definitions.generated.js';
import { encodeFrame, FRAME_HEADER_SIZE } from '../../../src/amqp/frames/frame.js';

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const uint = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffffffff }));

describe('frames: transfer fast path', () => {
  it('encodes common transfers exactly as the generic composite writer', () => {
    fc.assert(fc.property(
      uint, opt(uint), opt(fc.uint8Array({ maxLength: 300 })), opt(uint), opt(fc.boolean()), opt(fc.boolean()), opt(fc.boolean()),
      (handle, deliveryId, deliveryTag, messageFormat, settled, more, aborted) => {
        const t: Transfer = { kind: 'transfer', handle, deliveryId, deliveryTag, messageFormat, settled, more, aborted };
        const frame = encodeFrame(3, t, Uint8Array.of(1, 2, 3));
        const body = encodeComposite(t);
        expect(frame.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + body.length)).to.deep.equal(body);
        expect(frame.length).to.equal(FRAME_HEADER_SIZE + body.length + 3);
      },
    ), { numRuns: 2000 });
  });

  it('leaves invalid values to the generic writer, which reports them', () => {
    expect(() => encodeFrame(0, { kind: 'transfer', handle: -1 } as Transfer)).to.throw();
    expect(() => encodeFrame(0, { kind: 'transfer', handle: 1.5 } as Transfer)).to.throw();
  });
});
