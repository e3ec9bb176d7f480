/**
 * The transfer fast path of the frame writer must produce exactly the bytes of the generic
 * composite writer (and leave other shapes to it).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeComposite, encodeComposite } from '../../../src/amqp/frames/composite.js';
import type { Transfer } from '../../../src/amqp/frames/definitions.generated.js';
import { decodeFrame, encodeFrame, FRAME_HEADER_SIZE } from '../../../src/amqp/frames/frame.js';

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const uint = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffffffff }));

describe('frames: transfer fast path', () => {
  it('encodes common transfers exactly as the generic composite writer', () => {
    fc.assert(fc.property(
      uint, opt(uint), opt(fc.uint8Array({ maxLength: 300 })), opt(uint), opt(fc.boolean()), opt(fc.boolean()), opt(fc.boolean()),
      opt(fc.boolean()), opt(fc.boolean()), opt(fc.constantFrom('first' as const, 'second' as const)),
      (handle, deliveryId, deliveryTag, messageFormat, settled, more, aborted, resume, batchable, rcvSettleMode) => {
        const t: Transfer = { kind: 'transfer', handle, deliveryId, deliveryTag, messageFormat, settled, more, aborted, resume, batchable, rcvSettleMode };
        const frame = encodeFrame(3, t, Uint8Array.of(1, 2, 3));
        const body = encodeComposite(t);
        expect(frame.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + body.length)).to.deep.equal(body);
        expect(frame.length).to.equal(FRAME_HEADER_SIZE + body.length + 3);
        // Decoding (fast path or not) gives what the generic reader gives.
        const f = decodeFrame(frame);
        expect(f.type).to.equal('amqp');
        if (f.type === 'amqp') {
          expect(f.performative).to.deep.equal(decodeComposite(body));
          expect([...f.payload]).to.deep.equal([1, 2, 3]);
        }
      },
    ), { numRuns: 2000 });
  });

  it("decodes RabbitMQ 3.10's transfer (all eleven fields) to what the generic reader gives", () => {
    // As RabbitMQ writes it: uint0 handle and delivery-id, an 8-byte tag, uint0 message-format,
    // settled/more false, null rcv-settle-mode and state, resume/aborted/batchable false.
    const perf = Uint8Array.of(
      0x00, 0x53, 0x14, 0xc0, 0x15, 0x0b, 0x43, 0x43, 0xa0, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0x43, 0x42, 0x42, 0x40, 0x40, 0x42, 0x42, 0x42,
    );
    const frame = new Uint8Array(8 + perf.length);
    new DataView(frame.buffer).setUint32(0, frame.length);
    frame[4] = 2;
    frame.set(perf, 8);
    const f = decodeFrame(frame);
    const expected = decodeComposite(perf);
    expect(f.type === 'amqp' ? f.performative : undefined).to.deep.equal(expected);
    expect(expected).to.deep.include({ handle: 0, deliveryId: 0, messageFormat: 0, settled: false, more: false, resume: false, aborted: false, batchable: false });
  });

  it('decodes other encodings of a transfer through the generic reader', () => {
    // list32 with handle as a 4-byte uint and delivery-id as smalluint
    const perf = Uint8Array.of(0x00, 0x53, 0x14, 0xd0, 0, 0, 0, 11, 0, 0, 0, 2, 0x70, 0, 0, 0, 7, 0x52, 3);
    const frame = new Uint8Array(8 + perf.length);
    new DataView(frame.buffer).setUint32(0, frame.length);
    frame[4] = 2;
    frame.set(perf, 8);
    const f = decodeFrame(frame);
    expect(f.type === 'amqp' ? f.performative : undefined).to.deep.equal({ kind: 'transfer', handle: 7, deliveryId: 3 });
  });

  it('leaves invalid values to the generic writer, which reports them', () => {
    expect(() => encodeFrame(0, { kind: 'transfer', handle: -1 } as Transfer)).to.throw();
    expect(() => encodeFrame(0, { kind: 'transfer', handle: 1.5 } as Transfer)).to.throw();
  });
});
