/**
 * The codec's buffer handling: frames encoded into a shared FrameWriter, text bodies encoded in
 * place, frames spanning many chunks, and bodies as views into the received chunk.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { FrameWriter, StompDecoder, StompLimitError, decodeFrames, encodeFrame, encodeFrameInto, frame } from '../../src/stomp/codec/index.js';
import { bytes, show } from './helpers.js';

describe('stomp codec buffers', () => {
  it('writes many frames into one writer and hands out views that stay intact', () => {
    const w = new FrameWriter(32);
    encodeFrameInto(w, frame('SEND', { destination: '/q' }, bytes('a')), '1.2');
    const first = w.take();
    for (let i = 0; i < 50; i++) encodeFrameInto(w, frame('SEND', { destination: `/q/${i}` }, bytes('xyz')), '1.2');
    const rest = w.take();
    expect(show(first)).to.equal('SEND\ndestination:/q\ncontent-length:1\n\na^@');
    expect(decodeFrames(rest, '1.2').map((f) => f.headers[0][1])).to.deep.equal(Array.from({ length: 50 }, (_, i) => `/q/${i}`));
    expect(w.length).to.equal(0);
  });

  it('leaves the writer as it was when a frame cannot be encoded', () => {
    const w = new FrameWriter(16);
    encodeFrameInto(w, frame('SEND', { destination: '/q' }), '1.2');
    const before = w.length;
    expect(() => encodeFrameInto(w, frame('SEND', { destination: '/q', ['x'.repeat(40)]: 'a\0' }), '1.2')).to.throw(/NUL/);
    expect(w.length).to.equal(before);
    expect(show(w.take())).to.equal('SEND\ndestination:/q\n\n^@');
  });

  it('encodes text bodies with their UTF-8 length, whatever the number of digits', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
      const w = new FrameWriter(8);
      w.string('SEND\ndestination:q\n');
      const size = w.bodyWithLength(s);
      const expected = new TextEncoder().encode(s);
      expect(size).to.equal(expected.length);
      const [f] = decodeFrames(w.take(), '1.2');
      expect(f.body).to.deep.equal(expected);
      expect(f.headers.find(([k]) => k === 'content-length')?.[1]).to.equal(expected.length === 0 ? undefined : String(expected.length));
    }));
  });

  it('joins a large frame from many chunks and reads it once complete', () => {
    const body = new Uint8Array(300_000).map((_, i) => i % 251);
    const raw = encodeFrame(frame('MESSAGE', { destination: 'd', 'message-id': '1', subscription: 's' }, body), '1.2');
    const d = new StompDecoder({ version: '1.2' });
    const got = [];
    for (let at = 0; at < raw.length; at += 1000) got.push(...d.pushFrames(raw.subarray(at, at + 1000)));
    expect(got).to.have.length(1);
    expect(got[0].body).to.deep.equal(body);
    expect(d.buffered).to.equal(0);
  });

  it('reads a body without content-length that spans chunks, and enforces the size limit there', () => {
    const d = new StompDecoder({ version: '1.2' });
    expect(d.pushFrames(bytes('MESSAGE\ndestination:d\nmessage-id:1\nsubscription:s\n\nabc'))).to.have.length(0);
    expect(d.pushFrames(bytes('def'))).to.have.length(0);
    const [f] = d.pushFrames(bytes('g\0\n'));
    expect(show(f.body)).to.equal('abcdefg');
    expect(d.heartbeats).to.equal(1);
    const small = new StompDecoder({ version: '1.2', limits: { maxFrameSize: 100 } });
    small.pushFrames(bytes('MESSAGE\n\n'));
    expect(() => { for (let i = 0; i < 20; i++) small.pushFrames(bytes('xxxxxxxxxx')); }).to.throw(StompLimitError, /larger than 100/);
  });

  it("gives bodies as views into the chunk with bodies: 'view', as copies by default", () => {
    const chunk = bytes('MESSAGE\ndestination:d\nmessage-id:1\nsubscription:s\ncontent-length:2\n\nhi\0');
    const [viewed] = new StompDecoder({ version: '1.2', bodies: 'view' }).pushFrames(chunk);
    const [copied] = new StompDecoder({ version: '1.2' }).pushFrames(chunk);
    expect(viewed.body.buffer).to.equal(chunk.buffer);
    expect(copied.body.buffer).not.to.equal(chunk.buffer);
    expect(show(viewed.body)).to.equal('hi');
    expect(show(copied.body)).to.equal('hi');
  });
});
