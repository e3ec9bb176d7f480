import { expect } from 'chai';
import fc from 'fast-check';
import {
  COMMANDS, StompDecodeError, StompDecoder, StompEncodeError, StompLimitError, charsetOf, decodeFrames,
  encodeFrame, escapeHeader, frame, headerOf, headerRecord, headersOf, unescapeHeader, type StompCommand,
  type StompVersion,
} from '../../src/stomp/codec/index.js';
import { bytes, show } from './helpers.js';

describe('stomp codec', () => {
  describe('encoder', () => {
    it('writes command, headers, blank line, body and NUL', () => {
      const out = encodeFrame(frame('SEND', { destination: '/queue/a' }, bytes('hi')), '1.2');
      expect(show(out)).to.equal('SEND\ndestination:/queue/a\ncontent-length:2\n\nhi^@');
    });
    it('writes no content-length for an empty body', () => {
      expect(show(encodeFrame(frame('DISCONNECT', { receipt: '7' }), '1.2'))).to.equal('DISCONNECT\nreceipt:7\n\n^@');
    });
    it('keeps a body with NUL bytes via content-length', () => {
      const body = new Uint8Array([1, 0, 2, 0, 0]);
      const out = encodeFrame(frame('SEND', { destination: 'd' }, body), '1.0');
      expect(show(out)).to.equal('SEND\ndestination:d\ncontent-length:5\n\n\x01^@\x02^@^@^@');
      expect(decodeFrames(out, '1.0')[0].body).to.deep.equal(body);
    });
    const escaping: [StompVersion, string][] = [
      ['1.0', 'a:b'],
      ['1.1', 'a\\cb\\nc\\\\d'],
      ['1.2', 'a\\cb\\nc\\\\d\\re'],
    ];
    for (const [v, expected] of escaping) {
      it(`escapes header values per STOMP ${v}`, () => {
        const value = v === '1.0' ? 'a:b' : v === '1.1' ? 'a:b\nc\\d' : 'a:b\nc\\d\re';
        const out = encodeFrame(frame('SEND', { destination: 'q', x: value }), v);
        expect(show(out)).to.equal(`SEND\ndestination:q\nx:${expected}\n\n^@`);
        expect(headerOf(decodeFrames(out, v)[0], 'x')).to.equal(value);
      });
    }
    it('never escapes CONNECT headers', () => {
      const out = encodeFrame(frame('CONNECT', { 'accept-version': '1.2', host: 'a:b', passcode: 'p\\w' }), '1.2');
      expect(show(out)).to.equal('CONNECT\naccept-version:1.2\nhost:a:b\npasscode:p\\w\n\n^@');
    });
    it('refuses what a version cannot represent', () => {
      expect(() => encodeFrame(frame('SEND', { destination: 'q', x: 'a\nb' }), '1.0')).to.throw(StompEncodeError, /line break/);
      expect(() => encodeFrame(frame('SEND', { destination: 'q', x: 'a\rb' }), '1.1')).to.throw(StompEncodeError, /carriage return/);
      expect(() => encodeFrame(frame('SEND', { destination: 'q', 'a:b': 'x' }), '1.0')).to.throw(StompEncodeError, /colon/);
      expect(() => encodeFrame(frame('SEND', { destination: 'q', x: 'a\0' }), '1.2')).to.throw(StompEncodeError, /NUL/);
      expect(() => encodeFrame(frame('NACK', { 'message-id': '1' }), '1.0')).to.throw(StompEncodeError, /does not exist in STOMP 1.0/);
      expect(() => encodeFrame(frame('SUBSCRIBE', {}, bytes('x')), '1.2')).to.throw(StompEncodeError, /no body/);
    });
    it('checks required headers from the command table, per version', () => {
      expect(() => encodeFrame(frame('SUBSCRIBE', { destination: 'q' }), '1.2')).to.throw(StompEncodeError, /"id"/);
      expect(() => encodeFrame(frame('SUBSCRIBE', { destination: 'q' }), '1.0')).not.to.throw();
      expect(() => encodeFrame(frame('ACK', { 'message-id': 'm' }), '1.2')).to.throw(StompEncodeError, /"id"/);
      expect(() => encodeFrame(frame('ACK', { 'message-id': 'm' }), '1.1')).to.throw(StompEncodeError, /"subscription"/);
      expect(() => encodeFrame(frame('BEGIN', {}), '1.1')).to.throw(StompEncodeError, /"transaction"/);
    });
    it('writes repeated headers in order', () => {
      const out = encodeFrame(frame('SEND', [['destination', 'q'], ['x', '1'], ['x', '2']]), '1.2');
      expect(show(out)).to.equal('SEND\ndestination:q\nx:1\nx:2\n\n^@');
    });
  });

  describe('decoder', () => {
    it('reads frames with LF and with CR LF line endings', () => {
      for (const eol of ['\n', '\r\n']) {
        const f = decodeFrames(bytes(`MESSAGE${eol}destination:/q${eol}message-id:1${eol}subscription:0${eol}${eol}body\0`), '1.2')[0];
        expect(f.command).to.equal('MESSAGE');
        expect(f.headers).to.deep.equal([['destination', '/q'], ['message-id', '1'], ['subscription', '0']]);
        expect(show(f.body)).to.equal('body');
      }
    });
    it('counts EOLs between frames as heart-beats (RabbitMQ sends one after every frame)', () => {
      const d = new StompDecoder({ version: '1.2' });
      const items = d.push(bytes('\n\r\nRECEIPT\nreceipt-id:1\n\n\0\nRECEIPT\nreceipt-id:2\n\n\0\n'));
      expect(items.map((i) => (i.kind === 'frame' ? headerOf(i.frame, 'receipt-id') : 'hb'))).to.deep.equal(['hb', 'hb', '1', 'hb', '2', 'hb']);
      expect(d.buffered).to.equal(0);
    });
    it('keeps every repeated header and the first one wins', () => {
      const f = decodeFrames(bytes('MESSAGE\ndestination:/q\nmessage-id:1\nsubscription:s\nfoo:first\nfoo:second\n\n\0'), '1.2')[0];
      expect(headerOf(f, 'foo')).to.equal('first');
      expect(headersOf(f, 'foo')).to.deep.equal(['first', 'second']);
      expect(headerRecord(f.headers).foo).to.equal('first');
    });
    it('reads a content-length body holding NULs, then the next frame', () => {
      const raw = new Uint8Array([...bytes('MESSAGE\ncontent-length:3\ndestination:d\nmessage-id:m\nsubscription:s\n\n'), 0, 0xff, 0, 0, ...bytes('RECEIPT\nreceipt-id:9\n\n\0')]);
      const frames = decodeFrames(raw, '1.2');
      expect(frames.map((f) => f.command)).to.deep.equal(['MESSAGE', 'RECEIPT']);
      expect([...frames[0].body]).to.deep.equal([0, 0xff, 0]);
    });
    it('unescapes per version; CONNECTED is never unescaped', () => {
      const raw = 'MESSAGE\ndestination:d\nmessage-id:m\nsubscription:s\nk\\cx:a\\nb\\\\c\\cd\n\n\0';
      expect(headerOf(decodeFrames(bytes(raw), '1.1')[0], 'k:x')).to.equal('a\nb\\c:d');
      expect(headerOf(decodeFrames(bytes(raw), '1.0')[0], 'k\\cx')).to.equal('a\\nb\\\\c\\cd');
      expect(headerOf(decodeFrames(bytes('MESSAGE\ndestination:d\nmessage-id:m\nsubscription:s\nk:\\r\n\n\0'), '1.2')[0], 'k')).to.equal('\r');
      expect(headerOf(decodeFrames(bytes('CONNECTED\nversion:1.2\nserver:a\\b\n\n\0'), '1.2')[0], 'server')).to.equal('a\\b');
    });
    it('rejects undefined escapes in 1.1 and 1.2 (\\r is undefined in 1.1)', () => {
      expect(() => decodeFrames(bytes('RECEIPT\nreceipt-id:a\\tb\n\n\0'), '1.2')).to.throw(StompDecodeError, /escape/);
      expect(() => decodeFrames(bytes('RECEIPT\nreceipt-id:a\\rb\n\n\0'), '1.1')).to.throw(StompDecodeError, /escape/);
      expect(() => decodeFrames(bytes('RECEIPT\nreceipt-id:a\\\n\n\0'), '1.2')).to.throw(StompDecodeError, /escape/);
    });
    it('before negotiation keeps unknown escapes literally', () => {
      expect(headerOf(decodeFrames(bytes('ERROR\nmessage:a\\tb\\nc\n\n\0'))[0], 'message')).to.equal('a\\tb\nc');
    });
    it('decodes byte by byte the same as in one piece', () => {
      const raw = encodeFrame(frame('SEND', { destination: '/q/é', 'x:y': 'z\n' }, new Uint8Array([0, 1, 0])), '1.2');
      const d = new StompDecoder({ version: '1.2' });
      const got = [...raw].flatMap((b) => d.push(new Uint8Array([b])));
      expect(got).to.have.length(1);
      expect(got[0]).to.deep.equal({ kind: 'frame', frame: decodeFrames(raw, '1.2')[0] });
    });
    it('reports malformed frames with typed errors and offsets', () => {
      const cases: [string, RegExp][] = [
        ['HELLO\n\n\0', /unknown command "HELLO"/],
        ['RECEIPT\nnocolon\n\n\0', /without a colon/],
        ['MESSAGE\ncontent-length:x\n\n\0', /invalid content-length/],
        ['MESSAGE\ncontent-length:1\n\nab\0', /not terminated by NUL/],
        ['\rX', /carriage return/],
      ];
      for (const [raw, re] of cases) {
        expect(() => decodeFrames(bytes(raw), '1.2'), raw).to.throw(StompDecodeError, re);
      }
      expect(() => decodeFrames(new Uint8Array([...bytes('ERROR\nmessage:'), 0xc3, 0x28, ...bytes('\n\n\0')]), '1.2')).to.throw(StompDecodeError, /UTF-8/);
      try {
        decodeFrames(bytes('RECEIPT\nreceipt-id:1\n\n\0XYZ\n\n\0'), '1.2');
        expect.fail('no error');
      } catch (e) {
        expect((e as StompDecodeError).offset).to.equal(23);
      }
    });
    it('stays failed after an error', () => {
      const d = new StompDecoder({ version: '1.2' });
      expect(() => d.push(bytes('BAD\n\n\0'))).to.throw(StompDecodeError);
      expect(() => d.push(bytes('RECEIPT\nreceipt-id:1\n\n\0'))).to.throw(StompDecodeError);
    });
    it('enforces frame size, header count and header length limits', () => {
      const big = () => new StompDecoder({ version: '1.2', limits: { maxFrameSize: 100 } });
      expect(() => big().push(bytes(`MESSAGE\ncontent-length:200\n\n`))).to.throw(StompLimitError, /larger than 100/);
      expect(() => big().push(bytes(`MESSAGE\n\n${'x'.repeat(120)}`))).to.throw(StompLimitError, /larger than 100/);
      const many = new StompDecoder({ version: '1.2', limits: { maxHeaders: 3 } });
      expect(() => many.push(bytes('ERROR\na:1\nb:2\nc:3\nd:4\n'))).to.throw(StompLimitError, /more than 3 headers/);
      const long = new StompDecoder({ version: '1.2', limits: { maxHeaderLength: 10 } });
      expect(() => long.push(bytes(`ERROR\nmessage:${'x'.repeat(20)}`))).to.throw(StompLimitError, /longer than 10/);
      try { long.push(bytes('')); } catch (e) { expect((e as StompLimitError).limit).to.equal('maxHeaderLength'); }
      // At the limit is fine.
      const ok = new StompDecoder({ version: '1.2', limits: { maxHeaders: 2, maxHeaderLength: 10 } });
      expect(ok.push(bytes('ERROR\na:12345678\nb:2\n\n\0'))).to.have.length(1);
    });
    it('finds the charset of a content-type', () => {
      expect(charsetOf('text/plain;charset=UTF-8')).to.equal('utf-8');
      expect(charsetOf('text/plain; charset="iso-8859-1"')).to.equal('iso-8859-1');
      expect(charsetOf('application/octet-stream')).to.equal(undefined);
    });
  });

  describe('every command of the table', () => {
    const versions: StompVersion[] = ['1.0', '1.1', '1.2'];
    for (const v of versions) {
      it(`round-trips each STOMP ${v} command with its required headers`, () => {
        for (const [name, def] of Object.entries(COMMANDS)) {
          if (!def.versions.includes(v)) continue;
          const headers = def.required[v].map((h) => [h, `v-${h}`] as const);
          const body = def.body ? new Uint8Array([0x41, 0, 0x42]) : new Uint8Array(0);
          const f = frame(name as StompCommand, headers, body);
          const back = decodeFrames(encodeFrame(f, v), v)[0];
          expect(back.command).to.equal(name);
          expect(back.headers.filter(([k]) => k !== 'content-length')).to.deep.equal(headers);
          expect(back.body).to.deep.equal(body);
        }
      });
    }
  });

  describe('properties', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0'));
    it('escape/unescape round-trips in 1.2, and 1.1 without CR', () => {
      fc.assert(fc.property(text, (s) => {
        expect(unescapeHeader(escapeHeader(s, '1.2'), '1.2')).to.equal(s);
        const no = s.replace(/\r/g, '');
        expect(unescapeHeader(escapeHeader(no, '1.1'), '1.1')).to.equal(no);
      }));
    });
    it('frames round-trip through arbitrary chunking', () => {
      const header = fc.tuple(text.filter((s) => s.length > 0 && s !== 'content-length'), text);
      fc.assert(fc.property(
        fc.array(header, { maxLength: 6 }), fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(80), { maxLength: 5 }),
        (hs, body, cuts) => {
          const f = frame('SEND', [['destination', '/q'], ...hs], body);
          const raw = encodeFrame(f, '1.2');
          const d = new StompDecoder({ version: '1.2' });
          const points = [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
          const got = [];
          let last = 0;
          for (const p of [...points, raw.length]) { got.push(...d.push(raw.subarray(last, p))); last = p; }
          expect(got).to.have.length(1);
          const back = got[0].kind === 'frame' ? got[0].frame : undefined;
          expect(back?.headers.filter(([k]) => k !== 'content-length')).to.deep.equal(f.headers);
          expect(back?.body).to.deep.equal(body);
        },
      ));
    });
    it('random and mutated bytes never throw anything but StompDecodeError', () => {
      const valid = encodeFrame(frame('SEND', { destination: '/q', a: 'b:c' }, bytes('xyz')), '1.2');
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (junk, muts) => {
        const m = valid.slice();
        for (const [i, b] of muts) m[i] = b;
        for (const input of [junk, m]) {
          try {
            new StompDecoder({ version: '1.2', limits: { maxFrameSize: 1000 } }).push(input);
          } catch (e) {
            expect(e).to.be.instanceOf(StompDecodeError);
          }
        }
      }));
    });
  });
});
