/**
 * The fast reader of transfer, flow and disposition must give exactly what the generic composite
 * reader gives, take the common shapes itself, and never accept bytes the generic reader refuses;
 * the fast writers must write exactly the generic writer's bytes for what they take.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeComposite, encodeComposite } from '../../../src/amqp/frames/composite.js';
import type { DeliveryState, Disposition, Flow, Transfer } from '../../../src/amqp/frames/definitions.generated.js';
import { fastReadEnd, readPerformativeFast, writePerformativeFast } from '../../../src/amqp/frames/fast-performatives.js';
import { ByteWriter } from '../../../src/amqp/codec/writer.js';
import { generateFastPerformatives, OUTPUT_FILE } from '../../../scripts/gen-fast-performatives.js';
import { readFileSync } from 'node:fs';
import { decodeFrame, encodeFrame } from '../../../src/amqp/frames/frame.js';
import { map, string, symbol } from '../../../src/amqp/codec/values.js';
import { plain } from './helpers.js';

const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const u32 = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xffffffff }));
const state: fc.Arbitrary<DeliveryState> = fc.oneof(
  fc.constant({ kind: 'accepted' } as const),
  fc.constant({ kind: 'released' } as const),
  fc.record({ kind: fc.constant('received' as const), sectionNumber: u32, sectionOffset: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.constant({ kind: 'rejected', error: { kind: 'error', condition: 'amqp:internal-error', description: 'x' } } as const),
  fc.record({ kind: fc.constant('modified' as const), deliveryFailed: opt(fc.boolean()), undeliverableHere: opt(fc.boolean()) }),
);
/** States the fast reader takes itself; the others go to the generic reader. */
const isEmptyOutcome = (s: DeliveryState | undefined): boolean => s === undefined || s.kind === 'accepted' || s.kind === 'released';

const flow: fc.Arbitrary<Flow> = fc.record({
  kind: fc.constant('flow' as const), nextIncomingId: opt(u32), incomingWindow: u32, nextOutgoingId: u32, outgoingWindow: u32,
  handle: opt(u32), deliveryCount: opt(u32), linkCredit: opt(u32), available: opt(u32), drain: opt(fc.boolean()), echo: opt(fc.boolean()),
}, { requiredKeys: ['kind', 'incomingWindow', 'nextOutgoingId', 'outgoingWindow'] });
const disposition: fc.Arbitrary<Disposition> = fc.record({
  kind: fc.constant('disposition' as const), role: fc.constantFrom('sender' as const, 'receiver' as const), first: u32, last: opt(u32),
  settled: opt(fc.boolean()), state: opt(state), batchable: opt(fc.boolean()),
}, { requiredKeys: ['kind', 'role', 'first'] });
const transfer: fc.Arbitrary<Transfer> = fc.record({
  kind: fc.constant('transfer' as const), handle: u32, deliveryId: opt(u32), deliveryTag: opt(fc.uint8Array({ maxLength: 32 })),
  messageFormat: opt(u32), settled: opt(fc.boolean()), more: opt(fc.boolean()), rcvSettleMode: opt(fc.constantFrom('first' as const, 'second' as const)),
  state: opt(state), resume: opt(fc.boolean()), aborted: opt(fc.boolean()), batchable: opt(fc.boolean()),
}, { requiredKeys: ['kind', 'handle'] });
const performative = fc.oneof(flow, disposition, transfer);

/**
 * The fast reader on bytes[from, to) holding a performative (descriptor 0x00 0x53 code, then the
 * list), with where it ended.
 */
function fastAt(b: Uint8Array, from: number, to: number): { performative: unknown; end: number } | undefined {
  const p = readPerformativeFast(b[from + 2], b, from + 3, to);
  if (p === undefined) return undefined;
  return { performative: p, end: fastReadEnd() };
}
const fast = (body: Uint8Array) => fastAt(body, 0, body.length);

describe('frames: fast reader of transfer, flow and disposition', () => {
  it('is what the generator makes of the definition table today', () => {
    const committed = readFileSync(OUTPUT_FILE, 'utf8');
    expect(generateFastPerformatives() === committed, 'fast-performatives.generated.ts differs from the generator output; run npx tsx scripts/gen-fast-performatives.ts').to.equal(true);
  });

  it('gives what the generic reader gives, and takes the common shapes itself', () => {
    fc.assert(fc.property(performative, (p) => {
      const body = encodeComposite(p);
      const generic = decodeComposite(body);
      const f = fast(body);
      const common = isEmptyOutcome((p as { state?: DeliveryState }).state);
      if (common) expect(f, 'fast path taken').to.not.equal(undefined);
      if (f !== undefined) {
        expect(plain(f.performative)).to.deep.equal(generic);
        expect(f.end).to.equal(body.length);
      }
      // And through the frame decoder, with a payload after the performative.
      const frame = encodeFrame(1, p, Uint8Array.of(9, 8));
      const decoded = decodeFrame(frame);
      expect(decoded.type === 'amqp' ? plain(decoded.performative) : undefined).to.deep.equal(generic);
      expect(decoded.type === 'amqp' ? [...decoded.payload] : undefined).to.deep.equal([9, 8]);
    }), { numRuns: 3000 });
  });

  it('never accepts bytes the generic reader refuses, and agrees on what both accept (mutated frames)', () => {
    let accepted = 0;
    const edit = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(performative, edit, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (p, edits, before, after) => {
      const body = encodeComposite(p);
      for (const [at, v] of edits) body[3 + (at % (body.length - 3))] = v; // keep the descriptor
      const f = fast(body);
      // The parser runs it in place in the read chunk: bytes after `end` (the next frame) must
      // change nothing, whatever they are.
      const inChunk = new Uint8Array(before.length + body.length + after.length);
      inChunk.set(before);
      inChunk.set(body, before.length);
      inChunk.set(after, before.length + body.length);
      const f2 = fastAt(inChunk, before.length, before.length + body.length);
      expect(f2 === undefined ? undefined : plain({ performative: f2.performative, end: f2.end - before.length }), 'in place').to.deep.equal(plain(f));
      if (f === undefined) return;
      accepted++;
      const prefix = body.subarray(0, f.end);
      let generic: unknown;
      expect(() => { generic = decodeComposite(prefix); }, 'generic reader accepts it too').to.not.throw();
      expect(plain(f.performative)).to.deep.equal(generic);
    }), { numRuns: 20_000 });
    expect(accepted, 'mutated frames the fast reader took').to.be.greaterThan(1000);
  });

  it('reads the one-byte boolean, the ubyte enumeration and an empty list8 outcome', () => {
    // flow: incoming-window 1, next-outgoing-id 2, outgoing-window 3 as smalluint; drain as 0x56 0x01
    const flowBytes = Uint8Array.of(0x00, 0x53, 0x13, 0xc0, 0x0e, 0x09, 0x40, 0x52, 1, 0x52, 2, 0x52, 3, 0x40, 0x40, 0x40, 0x40, 0x56, 0x01);
    expect(fast(flowBytes)?.performative).to.deep.equal(decodeComposite(flowBytes)).and.deep.include({ drain: true });
    // transfer with rcv-settle-mode second as ubyte 1
    const transferBytes = Uint8Array.of(0x00, 0x53, 0x14, 0xc0, 0x09, 0x07, 0x43, 0x43, 0x40, 0x40, 0x40, 0x40, 0x50, 0x01);
    expect(plain(fast(transferBytes)?.performative)).to.deep.equal(decodeComposite(transferBytes)).and.deep.include({ rcvSettleMode: 'second' });
    // disposition with accepted as 0x00 0x53 0x24 0xc0 0x01 0x00
    const dispositionBytes = Uint8Array.of(0x00, 0x53, 0x15, 0xc0, 0x0d, 0x05, 0x41, 0x52, 5, 0x52, 9, 0x41, 0x00, 0x53, 0x24, 0xc0, 0x01, 0x00);
    expect(fast(dispositionBytes)?.performative).to.deep.equal(decodeComposite(dispositionBytes))
      .and.deep.equal({ kind: 'disposition', role: 'receiver', first: 5, last: 9, settled: true, state: { kind: 'accepted' } });
  });

  it('leaves what it does not read to the generic reader', () => {
    const cases: Uint8Array[] = [
      // a flow with properties
      encodeComposite({ kind: 'flow', incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 1, properties: map([[symbol('k'), string('v')]]) }),
      // a disposition with a rejected outcome
      encodeComposite({ kind: 'disposition', role: 'receiver', first: 0, state: { kind: 'rejected' } }),
      // a flow missing its mandatory outgoing-window (list of 3 with a null third field)
      Uint8Array.of(0x00, 0x53, 0x13, 0xc0, 0x04, 0x03, 0x40, 0x43, 0x40),
      // a boolean byte that is neither 0 nor 1
      Uint8Array.of(0x00, 0x53, 0x15, 0xc0, 0x04, 0x02, 0x56, 0x02, 0x43),
      // a uint field encoded as ulong
      Uint8Array.of(0x00, 0x53, 0x15, 0xc0, 0x04, 0x02, 0x41, 0x53, 0x01),
      // a list8 whose size claims more than the frame holds
      Uint8Array.of(0x00, 0x53, 0x15, 0xc0, 0x20, 0x02, 0x41, 0x43),
    ];
    for (const c of cases) expect(fast(c), `bytes ${[...c].map((x) => x.toString(16)).join(' ')}`).to.equal(undefined);
    // ...which decodes the valid ones and refuses the invalid ones.
    expect(decodeComposite(cases[0])).to.deep.include({ kind: 'flow' });
    expect(decodeComposite(cases[1])).to.deep.include({ kind: 'disposition', state: { kind: 'rejected' } });
    for (const c of cases.slice(2)) expect(() => decodeComposite(c)).to.throw();
  });

  it('writes the bytes the generic writer writes, takes the common shapes itself, and writes nothing otherwise', () => {
    fc.assert(fc.property(performative, fc.integer({ min: 0, max: 40 }), (p, at) => {
      const generic = encodeComposite(p);
      const w = new ByteWriter(8);
      w.pos = at; // after other frames in the same writer
      const took = writePerformativeFast(w, p);
      const tag = (p as { deliveryTag?: Uint8Array }).deliveryTag;
      if (isEmptyOutcome((p as { state?: DeliveryState }).state) && (tag === undefined || tag.length < 200)) expect(took, 'fast path taken').to.equal(true);
      if (took) expect([...w.buf.subarray(at, w.pos)]).to.deep.equal([...generic]);
      else expect(w.pos, 'nothing written').to.equal(at);
    }), { numRuns: 3000 });
  });

  it('leaves to the generic writer what it does not write', () => {
    const cases: { readonly kind: string; readonly [field: string]: unknown }[] = [
      { kind: 'flow', incomingWindow: 1, nextOutgoingId: 0, outgoingWindow: 1, properties: map([[symbol('k'), string('v')]]) },
      { kind: 'disposition', role: 'receiver', first: 0, state: { kind: 'rejected' } },
      { kind: 'disposition', role: 'receiver', first: -1 },
      { kind: 'disposition', role: 'neither', first: 1 },
      { kind: 'flow', incomingWindow: 1, nextOutgoingId: 0 },
      { kind: 'transfer', handle: 0, deliveryTag: new Uint8Array(256) },
      { kind: 'transfer', handle: 0, deliveryTag: new Uint8Array(250), deliveryId: 0x12345678, messageFormat: 0x12345678 },
      { kind: 'attach', name: 'x', handle: 0, role: 'sender' },
    ];
    for (const c of cases) {
      const w = new ByteWriter(8);
      expect(writePerformativeFast(w, c), JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? v.length : v))).to.equal(false);
      expect(w.pos).to.equal(0);
    }
  });
});

