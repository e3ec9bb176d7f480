/** The streaming parser: chunking anywhere, SASL-to-AMQP header switch, size limits, bad headers. */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  encodeFrame, FrameParser, FrameSizeError, FramingError, protocolHeaderBytes, ProtocolHeaderError,
  type ParserEvent,
} from '../../../src/amqp/frames/index.js';
import { DecodeError, map, string, symbol } from '../../../src/amqp/index.js';
import { ascii, bytes, concat, plain } from './helpers.js';

const heartbeat = bytes('00000008 02 00 0000');

/** A client's view of a whole connection: SASL exchange, AMQP header, frames of all sizes. */
const STREAM = concat(
  protocolHeaderBytes('sasl'),
  encodeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN', 'ANONYMOUS'] }),
  encodeFrame(0, { kind: 'sasl-outcome', code: 'ok' }),
  // No announcement: after a SASL frame, 'AMQP' starts the next protocol header.
  protocolHeaderBytes('amqp'),
  encodeFrame(0, { kind: 'open', containerId: 'broker', maxFrameSize: 65536, properties: map([[symbol('product'), string('x'.repeat(300))]]) }),
  encodeFrame(1, { kind: 'begin', remoteChannel: 0, nextOutgoingId: 1, incomingWindow: 100, outgoingWindow: 100 }),
  heartbeat,
  bytes('00000010 03 00 0001 | 00000000 | 00 53 17 45'), // extended header
  encodeFrame(1, { kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: bytes('00') }, bytes('00 53 77 a1 02 6869')),
  encodeFrame(0, { kind: 'close' }),
);

function parseAll(chunks: readonly Uint8Array[], parser = new FrameParser({ maxFrameSize: 4096 })): ParserEvent[] {
  const events: ParserEvent[] = [];
  for (const c of chunks) events.push(...parser.feed(c));
  expect(parser.bufferedBytes).to.equal(0);
  return events;
}

// As plain data: the frames' lazy fields (a transfer's tag) are compared too.
const EXPECTED = plain(parseAll([STREAM]));

describe('frames: streaming parser', () => {
  it('parses a whole connection stream in one chunk', () => {
    expect(EXPECTED.map((e) => (e.type === 'amqp' || e.type === 'sasl' ? e.performative.kind : e.type))).to.deep.equal([
      'header', 'sasl-mechanisms', 'sasl-outcome', 'header', 'open', 'begin', 'heartbeat', 'end', 'transfer', 'close',
    ]);
    const transfer = EXPECTED[8];
    expect(transfer.type === 'amqp' && transfer.payload).to.deep.equal(bytes('00 53 77 a1 02 6869'));
  });

  it('gives the same events for a split at every byte position', () => {
    for (let i = 1; i < STREAM.length; i++) {
      expect(plain(parseAll([STREAM.subarray(0, i), STREAM.subarray(i)])), `split at ${i}`).to.deep.equal(EXPECTED);
    }
  });

  it('gives the same events fed one byte at a time', () => {
    expect(plain(parseAll(Array.from(STREAM, (b) => Uint8Array.of(b))))).to.deep.equal(EXPECTED);
  });

  it('gives the same events for random chunkings (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
      const chunks = points.slice(1).map((p, i) => STREAM.subarray(points[i], p));
      expect(plain(parseAll(chunks))).to.deep.equal(EXPECTED);
    }));
  });

  it('hands out payloads as views of the chunk when a frame lies in one chunk', () => {
    const chunk = encodeFrame(3, { kind: 'transfer', handle: 1 }, bytes('0102030405'));
    const [f] = new FrameParser({ expectHeader: false }).feed(chunk);
    expect(f.type === 'amqp' && f.payload.buffer).to.equal(chunk.buffer);
  });

  it('is pull-based: next() returns one event at a time, undefined when waiting', () => {
    const p = new FrameParser({ expectHeader: false });
    p.push(concat(heartbeat, heartbeat.subarray(0, 3)));
    expect(p.next()).to.deep.equal({ type: 'heartbeat', channel: 0 });
    expect(p.next()).to.equal(undefined);
    p.push(heartbeat.subarray(3));
    expect(p.next()).to.deep.equal({ type: 'heartbeat', channel: 0 });
    expect(p.next()).to.equal(undefined);
  });

  it('can be told that a protocol header comes next', () => {
    const p = new FrameParser({ expectHeader: false });
    expect(p.feed(heartbeat)).to.have.length(1);
    p.expectProtocolHeader();
    expect(p.feed(protocolHeaderBytes('amqp'))).to.deep.equal([{ type: 'header', protocol: 'amqp' }]);
  });
});

describe('frames: parser limits and errors', () => {
  it('refuses a frame over max-frame-size from its header, before buffering it', () => {
    const p = new FrameParser({ maxFrameSize: 512, expectHeader: false });
    p.push(bytes('00000201 02 00 0000')); // 513 bytes announced, 8 present
    expect(() => p.next()).to.throw(FrameSizeError, /513 exceeds max-frame-size 512/);
    expect(p.bufferedBytes).to.equal(8);
  });

  it('accepts a frame of exactly max-frame-size', () => {
    const f = encodeFrame(0, { kind: 'transfer', handle: 0 }, new Uint8Array(512 - 8 - 7)); // header + 7-byte transfer
    expect(f.length).to.equal(512);
    expect(new FrameParser({ maxFrameSize: 512, expectHeader: false }).feed(f)).to.have.length(1);
  });

  it('refuses sizes below the 8-byte header and bad data offsets or types', () => {
    expect(() => new FrameParser({ expectHeader: false }).feed(bytes('00000007 02 00 0000'))).to.throw(FrameSizeError);
    expect(() => new FrameParser({ expectHeader: false }).feed(bytes('00000008 01 00 0000'))).to.throw(FramingError, /data offset/);
    expect(() => new FrameParser({ expectHeader: false }).feed(bytes('00000008 02 07 0000'))).to.throw(FramingError, /frame type/);
  });

  it('stays failed after an error', () => {
    const p = new FrameParser({ maxFrameSize: 100, expectHeader: false });
    expect(() => p.feed(bytes('00001000 02 00 0000'))).to.throw(FrameSizeError);
    expect(() => p.feed(heartbeat)).to.throw(FrameSizeError);
  });

  it('reports a peer answering HTTP from its first byte', () => {
    const p = new FrameParser();
    expect(() => p.feed(bytes(ascii('H')))).to.throw(ProtocolHeaderError, /HTTP|unknown bytes/);
    expect(() => new FrameParser().feed(bytes(ascii('HTTP/1.1 400 Bad Request\r\n')))).to.throw(ProtocolHeaderError, /HTTP/);
  });

  it('waits for a partial header, then reports AMQP 0-9-1', () => {
    const p = new FrameParser();
    expect(p.feed(bytes(ascii('AMQP')))).to.deep.equal([]);
    expect(() => p.feed(bytes('00000901'))).to.throw(ProtocolHeaderError, /AMQP 0-9-1/);
  });

  it('recognises a header sent where a frame was expected (a peer refusing our version)', () => {
    const p = new FrameParser({ maxFrameSize: 65536 });
    expect(p.feed(protocolHeaderBytes('amqp'))).to.have.length(1);
    expect(() => p.feed(bytes(`${ascii('AMQP')}00000901`))).to.throw(ProtocolHeaderError, /AMQP 0-9-1/);
  });

  it('random and mutated bytes yield events or a DecodeError, never another failure (property)', () => {
    const mutated = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
      const b = STREAM.slice();
      b[at % b.length] = byte;
      return b;
    });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), fc.boolean(), (input, header) => {
      try {
        new FrameParser({ maxFrameSize: 4096, expectHeader: header }).feed(input);
      } catch (e) {
        expect(e).to.be.instanceOf(DecodeError);
      }
    }), { numRuns: 1000 });
  });

  it('keeps buffering bounded by one frame', () => {
    const big = encodeFrame(0, { kind: 'transfer', handle: 0 }, new Uint8Array(3000));
    const p = new FrameParser({ maxFrameSize: 4096, expectHeader: false });
    let max = 0;
    for (let i = 0; i < big.length * 3; i += 100) {
      const all = concat(big, big, big);
      p.feed(all.subarray(i, Math.min(i + 100, all.length)));
      max = Math.max(max, p.bufferedBytes);
    }
    expect(max).to.be.at.most(big.length);
  });
});
