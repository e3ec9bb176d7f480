/**
 * The connection's frame output: what it hands out is exactly the frames written, in order, and a
 * piece once handed out never changes afterwards (a transport may still be sending it), while the
 * output moves on to fresh buffers and keeps large payloads by reference.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { FrameOutput, OUTPUT_BUFFER_SIZE, PAYLOAD_BY_REFERENCE_MIN, concatParts } from '../../../src/amqp/engine/output.js';
import { encodeFrame } from '../../../src/amqp/frames/frame.js';
import type { Transfer } from '../../../src/amqp/frames/definitions.generated.js';

const transfer = (id: number): Transfer => ({ kind: 'transfer', handle: 1, deliveryId: id, deliveryTag: Uint8Array.of(id & 0xff), settled: false });

describe('amqp/engine FrameOutput', () => {
  it('hands out exactly what was written, and pieces taken earlier never change', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('write' as const), size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1000, max: 20_000 }), fc.constant(PAYLOAD_BY_REFERENCE_MIN)) }),
        fc.record({ op: fc.constantFrom('takeParts' as const, 'take' as const) }),
      ), { maxLength: 120 }),
      (ops) => {
        const out = new FrameOutput();
        const expected: number[] = [];
        const taken: { piece: Uint8Array; snapshot: number[] }[] = [];
        const got: number[] = [];
        let id = 0;
        const keep = (pieces: Uint8Array[]): void => {
          for (const p of pieces) { taken.push({ piece: p, snapshot: [...p] }); got.push(...p); }
        };
        for (const o of ops) {
          if (o.op === 'write') {
            const payload = new Uint8Array(o.size).map((_, i) => (i * 7 + id) & 0xff);
            const t = transfer(id++);
            out.writeFrame(0, t, payload);
            expected.push(...encodeFrame(0, t, payload));
            if (o.size >= PAYLOAD_BY_REFERENCE_MIN) {
              // Kept by reference: the payload itself is the next piece after the frame head.
              const parts = out.takeParts();
              expect(parts[parts.length - 1]).to.equal(payload);
              keep(parts);
            }
          } else if (o.op === 'takeParts') {
            keep(out.takeParts());
          } else {
            const one = out.take();
            if (one.length > 0) keep([one]);
          }
        }
        keep(out.takeParts());
        expect(out.empty).to.equal(true);
        expect(got).to.deep.equal(expected);
        for (const t of taken) expect([...t.piece]).to.deep.equal(t.snapshot);
      },
    ), { numRuns: 150 });
  });

  it('moves on to a fresh buffer once little room is left, and does not keep a buffer grown for a huge frame', () => {
    const out = new FrameOutput();
    const first = out.takeParts();
    expect(first).to.deep.equal([]);
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 2000; i++) {
      out.writeFrame(0, transfer(i), new Uint8Array(100));
      for (const p of out.takeParts()) buffers.add(p.buffer);
    }
    // About 150 bytes a frame: the 64 KiB buffers fill up and are replaced, a few frames each time.
    expect(buffers.size).to.be.within(3, 10);
    // A huge performative grows the writer; after the take the output is back to its usual size.
    out.writeFrame(0, { kind: 'attach', name: 'x'.repeat(OUTPUT_BUFFER_SIZE + 10), handle: 0, role: 'sender' });
    const big = concatParts(out.takeParts());
    expect(big.length).to.be.greaterThan(OUTPUT_BUFFER_SIZE);
    expect(out.w.buf.length).to.equal(OUTPUT_BUFFER_SIZE);
  });
});
