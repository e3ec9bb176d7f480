/** Frame header rules (transport section 2.3) and protocol headers (section 2.2, security 5.1). */
import { expect } from 'chai';
import {
  decodeFrame, encodeFrame, FrameSizeError, FramingError, parseProtocolHeader, protocolHeaderBytes,
  ProtocolHeaderError, writeFrame, writeHeartbeat,
} from '../../../src/amqp/frames/index.js';
import { ByteWriter, DecodeError } from '../../../src/amqp/index.js';
import { AmqpFrame, decodeFastAmqpFrame, FRAME_HEADER_SIZE } from '../../../src/amqp/frames/frame.js';
import { ascii, bytes, concat, hex, plain } from './helpers.js';

describe('frames: frame header', () => {
  it('an empty AMQP frame is a heartbeat', () => {
    expect(decodeFrame(bytes('00000008 02 00 0000'))).to.deep.equal({ type: 'heartbeat', channel: 0 });
    expect(decodeFrame(bytes('00000008 02 00 0005'))).to.deep.equal({ type: 'heartbeat', channel: 5 });
    const w = new ByteWriter(4);
    writeHeartbeat(w);
    expect(hex(w.toBytes())).to.equal('0000000802000000');
  });

  it('skips the extended header given by doff', () => {
    expect(plain(decodeFrame(bytes('00000010 03 00 0001 | deadbeef | 00 53 17 45')))).to.deep.equal({
      type: 'amqp', channel: 1, performative: { kind: 'end' }, payload: new Uint8Array(0),
    });
    // doff 4: 8 bytes of extended header, and an empty body after it is still a heartbeat
    expect(decodeFrame(bytes('00000010 04 00 0002 | 0102030405060708'))).to.deep.equal({ type: 'heartbeat', channel: 2 });
  });

  it('reads SASL frames (type 0x01)', () => {
    const f = decodeFrame(bytes('00000010 02 01 0000 | 00 53 44 c0 03 01 50 01'));
    expect(f).to.deep.equal({ type: 'sasl', channel: 0, performative: { kind: 'sasl-outcome', code: 'auth' }, payload: new Uint8Array(0) });
  });

  it('returns the payload as a view of the input (zero-copy)', () => {
    const buf = bytes('00000011 02 00 0003 | 00 53 14 c0 02 01 43 | 0102');
    const f = decodeFrame(buf);
    if (f.type !== 'amqp') throw new Error('expected an AMQP frame');
    expect(hex(f.payload)).to.equal('0102');
    expect(f.payload.buffer).to.equal(buf.buffer);
  });

  it('tells where a frame\'s payload lies in the bytes it was decoded from, and makes its view only when asked', () => {
    const frame = encodeFrame(3, { kind: 'transfer', handle: 1, deliveryId: 2, deliveryTag: Uint8Array.of(5) }, Uint8Array.of(7, 8, 9));
    const chunk = concat(Uint8Array.of(0xee, 0xee), frame, Uint8Array.of(0xee));
    const f = decodeFastAmqpFrame(chunk, 2 + FRAME_HEADER_SIZE, 2 + frame.length, 3);
    if (!(f instanceof AmqpFrame)) throw new Error('expected a frame decoded in place');
    expect(f.payloadBuffer()).to.equal(chunk);
    expect([...chunk.subarray(f.payloadStart(), f.payloadEnd())]).to.deep.equal([7, 8, 9]);
    expect(f.payloadEnd()).to.equal(2 + frame.length);
    expect(Object.keys(f).sort(), 'keys of an AmqpFrame, no more').to.deep.equal(['channel', 'performative', 'type']);
    expect(f.payload).to.equal(f.payload);
    expect([...f.payload]).to.deep.equal([7, 8, 9]);
    expect(f.payload.buffer).to.equal(chunk.buffer);
    const empty = encodeFrame(0, { kind: 'transfer', handle: 1, more: true });
    expect(decodeFastAmqpFrame(empty, FRAME_HEADER_SIZE, empty.length, 0)?.payload.length).to.equal(0);
  });

  it('writes frames after other bytes in a reused writer and returns the frame size', () => {
    const w = new ByteWriter(8);
    w.u8(0xaa);
    const n = writeFrame(w, 7, { kind: 'end' }, bytes('ff'));
    expect(n).to.equal(13);
    expect(hex(w.toBytes())).to.equal('aa0000000d0200000700531745ff');
  });

  it('rejects a data offset below 2 or past the frame', () => {
    expect(() => decodeFrame(bytes('00000008 01 00 0000'))).to.throw(FramingError, /data offset 1/);
    expect(() => decodeFrame(bytes('0000000c 04 00 0000 00000000'))).to.throw(FramingError, /runs past the frame size/);
  });

  it('rejects unknown frame types, empty SASL frames and sizes below 8', () => {
    expect(() => decodeFrame(bytes('00000008 02 02 0000'))).to.throw(FramingError, /unknown frame type 0x02/);
    expect(() => decodeFrame(bytes('00000008 02 01 0000'))).to.throw(FramingError, /empty SASL frame/);
    expect(() => decodeFrame(bytes('00000004 02 00 0000'))).to.throw(FrameSizeError, /smaller than the 8-byte frame header/);
    expect(() => decodeFrame(bytes('00000020 02 00 0000'))).to.throw(FramingError, /runs past/);
    expect(() => decodeFrame(bytes('00000010 02 00 0000'), 0, 12)).to.throw(FrameSizeError, /exceeds max-frame-size 12/);
  });

  it('requires a performative in AMQP frames and a SASL body in SASL frames', () => {
    expect(() => decodeFrame(bytes('0000000c 02 01 0000 00 53 17 45'))).to.throw(DecodeError, /end is not a sasl-frame/);
    expect(() => decodeFrame(bytes(`00000010 02 00 0000 00 53 41 c0 03 01 a3 00`))).to.throw(DecodeError, /sasl-init is not a frame/);
    expect(() => decodeFrame(bytes('0000000c 02 00 0000 00 53 24 45'))).to.throw(DecodeError, /accepted is not a frame/);
    expect(() => decodeFrame(bytes('0000000a 02 00 0000 a1 00'))).to.throw(DecodeError, /expected a described composite/);
  });

  it('a frame encodes with its SASL type from the table', () => {
    expect(hex(encodeFrame(0, { kind: 'sasl-challenge', challenge: bytes('01') }))).to.equal(hex(bytes('00000011 02 01 0000 | 00 53 42 c0 04 01 a0 01 01')));
  });
});

describe('frames: protocol headers', () => {
  it('writes and reads AMQP and SASL headers', () => {
    expect(hex(protocolHeaderBytes('amqp'))).to.equal(`${ascii('AMQP')}00010000`);
    expect(hex(protocolHeaderBytes('sasl'))).to.equal(`${ascii('AMQP')}03010000`);
    expect(parseProtocolHeader(protocolHeaderBytes('amqp'))).to.deep.equal({ type: 'header', protocol: 'amqp' });
    expect(parseProtocolHeader(protocolHeaderBytes('sasl'))).to.deep.equal({ type: 'header', protocol: 'sasl' });
  });

  const refuses = (h: string, peer: RegExp) => {
    let err: unknown;
    try {
      parseProtocolHeader(bytes(h));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ProtocolHeaderError);
    expect(err).to.be.instanceOf(DecodeError);
    expect((err as ProtocolHeaderError).peerProtocol).to.match(peer);
    expect((err as ProtocolHeaderError).message).to.match(/does not speak AMQP 1\.0/);
  };

  it('names what a peer sent instead', () => {
    refuses(ascii('HTTP/1.1 400 Bad Request'), /HTTP/);
    refuses(`${ascii('AMQP')}00000901`, /^AMQP 0-9-1$/);
    refuses(`${ascii('AMQP')}0101000a`, /^AMQP 0-10$/);
    refuses(`${ascii('AMQP')}02010000`, /TLS/);
    refuses(`${ascii('AMQP')}00010001`, /protocol id 0 version 1\.0\.1/);
    refuses(`${ascii('AMQP')}04010000`, /protocol id 4/);
    refuses('0000000802000000', /unknown bytes/);
  });

  it('refuses a truncated header', () => {
    expect(() => parseProtocolHeader(bytes(ascii('AMQP')))).to.throw(ProtocolHeaderError, /truncated/);
  });
});
