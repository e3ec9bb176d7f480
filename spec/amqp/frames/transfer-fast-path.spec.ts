/**
 * The transfer fast path of the frame writer must produce exactly the bytes of the generic
 * composite writer (and leave other shapes to it).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeComposite, encodeComposite } from '../../../src/amqp/frames/composite.js';
import type { Transfer } from '../../../src/amqp/frames/definitions.generated.js';
import { decodeFrame, encodeFrame, FRAME_HEADER_SIZE } from '../../../src/amqp/frames/frame.js';
import { transferHasDeliveryTag } from '../../../src/amqp/frames/fast-performatives.js';
import { plain } from './helpers.js';

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
          expect(plain(f.performative)).to.deep.equal(decodeComposite(body));
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
    expect(f.type === 'amqp' ? plain(f.performative) : undefined).to.deep.equal(expected);
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

  it('reads the delivery-tag when first asked, as a copy that no later change of the frame bytes reaches', () => {
    const tag = Uint8Array.of(7, 6, 5, 4, 3, 2, 1, 0);
    const frame = encodeFrame(0, { kind: 'transfer', handle: 2, deliveryId: 300, deliveryTag: tag, settled: false }, Uint8Array.of(1));
    const f = decodeFrame(frame);
    if (f.type !== 'amqp' || f.performative.kind !== 'transfer') throw new Error('not a transfer');
    const t = f.performative;
    expect(Object.keys(t), 'not an own key: a getter').to.not.include('deliveryTag');
    expect(transferHasDeliveryTag(t)).to.equal(true);
    const first = t.deliveryTag as Uint8Array;
    expect([...first]).to.deep.equal([...tag]);
    expect(t.deliveryTag, 'made once').to.equal(first);
    expect(first.buffer, 'a copy, not a view of the frame').to.not.equal(frame.buffer);
    frame.fill(0xff);
    expect([...first]).to.deep.equal([...tag]);
  });

  it('tells a transfer without a delivery-tag from one with an empty tag, read fast or generically', () => {
    const without = decodeFrame(encodeFrame(0, { kind: 'transfer', handle: 1, more: true }));
    const empty = decodeFrame(encodeFrame(0, { kind: 'transfer', handle: 1, deliveryId: 0, deliveryTag: new Uint8Array(0) }));
    if (without.type !== 'amqp' || without.performative.kind !== 'transfer' || empty.type !== 'amqp' || empty.performative.kind !== 'transfer') throw new Error('not transfers');
    expect(transferHasDeliveryTag(without.performative)).to.equal(false);
    expect(without.performative.deliveryTag).to.equal(undefined);
    expect(transferHasDeliveryTag(empty.performative)).to.equal(true);
    expect(empty.performative.deliveryTag).to.deep.equal(new Uint8Array(0));
    // A transfer from anywhere else (the generic reader, an application) is asked directly.
    expect(transferHasDeliveryTag({ kind: 'transfer', handle: 0 })).to.equal(false);
    expect(transferHasDeliveryTag({ kind: 'transfer', handle: 0, deliveryTag: Uint8Array.of(1) })).to.equal(true);
  });
});
