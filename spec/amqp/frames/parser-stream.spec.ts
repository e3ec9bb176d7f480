/**
 * FrameParser with `streamTransfers`: a large transfer split across chunks comes out as its
 * frame (with the payload's first bytes) and then pieces, byte for byte the payload of the
 * assembled frame; other frames, and frames that arrive whole, come out as without it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeFrame, type Frame } from '../../../src/amqp/frames/frame.js';
import { FRAME_HEAD_READ, FrameParser, type ParserEvent } from '../../../src/amqp/frames/parser.js';
import { plain } from './helpers.js';

const cat = (xs: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of xs) { out.set(x, at); at += x.length; }
  return out;
};

/** Frames with their payloads joined from the pieces that follow them; checks the pieces' counts. */
function joined(events: readonly ParserEvent[]): { frame: Frame; payload: Uint8Array }[] {
  const out: { frame: Frame; payload: Uint8Array }[] = [];
  let rest = 0;
  let parts: Uint8Array[] = [];
  for (const e of events) {
    if (e.type === 'header') continue;
    if (e.type === 'payload') {
      expect(rest, 'a piece only follows a streamed frame').to.be.greaterThan(0);
      expect(e.rest).to.equal(rest - e.bytes.length);
      rest = e.rest;
      parts.push(e.bytes);
      if (rest === 0) out[out.length - 1].payload = cat(parts);
      continue;
    }
    expect(rest, 'no frame before the streamed one is whole').to.equal(0);
    const first = e.type === 'heartbeat' ? new Uint8Array(0) : e.payload;
    rest = e.type === 'amqp' ? e.payloadRest ?? 0 : 0;
    parts = [first];
    out.push({ frame: e, payload: first });
  }
  expect(rest, 'the last streamed frame is whole').to.equal(0);
  return out;
}

const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('frames: parser streaming large transfers', () => {
  it('hands over split large transfers as a frame and pieces equal to the assembled payload', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 70_000 }), fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 12 }),
      (size, cuts) => {
        const t = { kind: 'transfer', handle: 1, deliveryId: 9, deliveryTag: Uint8Array.of(1, 2), more: true } as const;
        const bytes = cat([
          encodeFrame(0, t, pattern(size, 1)),
          encodeFrame(0, { ...t, deliveryId: 10 }, Uint8Array.of(7)),
          encodeFrame(3, { kind: 'flow', nextIncomingId: 1, incomingWindow: 10, nextOutgoingId: 2, outgoingWindow: 10 }),
          encodeFrame(0, { ...t, deliveryId: 11, more: false }, pattern(size >> 1, 2)),
        ]);
        const whole = joined(new FrameParser({ expectHeader: false }).feed(bytes));
        const parser = new FrameParser({ expectHeader: false, streamTransfers: true });
        const events: ParserEvent[] = [];
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const end = Math.min(bytes.length, at + cuts[i % cuts.length]);
          events.push(...parser.feed(bytes.subarray(at, end)));
          at = end;
        }
        const got = joined(events);
        expect(got).to.have.length(4);
        got.forEach((f, i) => {
          const w = whole[i];
          expect(plain(f.frame.type === 'amqp' && f.frame.performative)).to.deep.equal(plain(w.frame.type === 'amqp' && w.frame.performative));
          expect(f.payload).to.deep.equal(w.payload);
        });
        expect(parser.bufferedBytes).to.equal(0);
        expect(parser.streamRest).to.equal(0);
      },
    ), { numRuns: 200 });
  });

  it('streams only transfers of 16 KiB and more that have not arrived whole, and reports what is to come', () => {
    const big = encodeFrame(5, { kind: 'transfer', handle: 1, deliveryId: 0, deliveryTag: Uint8Array.of(0) }, pattern(40_000, 3));
    const parser = new FrameParser({ expectHeader: false, streamTransfers: true });
    expect(parser.feed(big.subarray(0, 500))).to.deep.equal([]);
    expect(parser.frameHeadWanted).to.equal(0);
    const [head] = parser.feed(big.subarray(500, 3000)) as Frame[];
    expect(head.type === 'amqp' && head.payloadRest).to.equal(big.length - FRAME_HEAD_READ);
    expect(parser.streamedChannel).to.equal(5);
    // The bytes fed beyond the prefix came out as a piece in the same feed.
    expect(parser.streamRest).to.equal(big.length - 3000);
    const tail = parser.feed(big.subarray(3000));
    expect(tail.map((e) => e.type)).to.deep.equal(['payload']);
    expect(parser.streamRest).to.equal(0);
    expect(parser.frameHeadWanted, 'right after a streamed frame').to.equal(FRAME_HEAD_READ);
    // Part of the next head in: only what the head still needs.
    expect(parser.feed(big.subarray(0, 100))).to.deep.equal([]);
    expect(parser.frameHeadWanted).to.equal(FRAME_HEAD_READ - 100);
    parser.feed(big.subarray(100));
    // A whole frame in one chunk is not streamed; a whole delivery in it ends the expectation.
    const [whole] = parser.feed(big) as Frame[];
    expect(whole.type === 'amqp' && whole.payloadRest).to.equal(undefined);
    expect(parser.frameHeadWanted).to.equal(0);
    // A large frame that is not a transfer is assembled, not streamed.
    const attach = encodeFrame(0, { kind: 'attach', name: 'x'.repeat(20_000), handle: 0, role: 'sender' });
    const events = [...parser.feed(attach.subarray(0, 9000)), ...parser.feed(attach.subarray(9000))];
    expect(events.map((e) => e.type)).to.deep.equal(['amqp']);
    expect((events[0] as Frame).type === 'amqp' && (events[0] as { performative: { kind: string } }).performative.kind).to.equal('attach');
  });

  it('still refuses a frame over max-frame-size from its header, before streaming anything', () => {
    const big = encodeFrame(0, { kind: 'transfer', handle: 1, deliveryId: 0, deliveryTag: Uint8Array.of(0) }, pattern(40_000, 3));
    const parser = new FrameParser({ expectHeader: false, streamTransfers: true, maxFrameSize: 30_000 });
    expect(() => parser.feed(big.subarray(0, 2000))).to.throw(/exceeds max-frame-size 30000/);
  });
});
