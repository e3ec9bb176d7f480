/** Pure formatting: JSON lines, readable lines, the send summary, the progress bar. */
import { expect } from 'chai';
import { decimal64, described, symbol, string as amqpString } from '../../src/amqp/index.js';
import {
  bodyJson, formatJsonLine, formatRate, formatSendSummary, formatTextLine, renderProgress, toJsonValue, utf8Text,
  type MessageRecord,
} from '../../src/cli/format.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const zero = { accepted: 0, rejected: 0, released: 0, modified: 0, sent: 0 };

describe('cli: formatting', () => {
  it('tells UTF-8 text from binary', () => {
    expect(utf8Text(new TextEncoder().encode('héllo\nworld\t€'))).to.equal('héllo\nworld\t€');
    expect(utf8Text(bytes(0xff, 0xfe))).to.equal(undefined);
    expect(utf8Text(bytes(0x61, 0x00, 0x62))).to.equal(undefined); // valid UTF-8, but NUL means binary
    expect(utf8Text(bytes())).to.equal('');
  });

  it('turns native-view values into JSON without loss or throwing', () => {
    expect(toJsonValue(2n ** 64n - 1n)).to.equal('18446744073709551615');
    expect(toJsonValue(new Date(0))).to.equal('1970-01-01T00:00:00.000Z');
    expect(toJsonValue(bytes(1, 2, 3))).to.deep.equal({ base64: 'AQID' });
    expect(toJsonValue(new Map([[1, 'a']]))).to.deep.equal([[1, 'a']]);
    expect(toJsonValue(NaN)).to.equal('NaN');
    expect(toJsonValue([1, 'x', null, true, { k: 5n }])).to.deep.equal([1, 'x', null, true, { k: '5' }]);
    // No JavaScript form: the simplified composite JSON.
    expect(toJsonValue(decimal64(bytes(0, 0, 0, 0, 0, 0, 0, 1)))).to.deep.equal({ type: 'decimal', value: '0000000000000001' });
    const d = toJsonValue(described(symbol('x:y'), amqpString('v')));
    expect(d).to.have.property('descriptor');
    expect(() => JSON.stringify(d)).not.to.throw();
  });

  it('gives bodies as text, base64 or json', () => {
    expect(bodyJson({ kind: 'text', text: 'hi' })).to.deep.equal({ body: 'hi', bodyEncoding: 'text' });
    expect(bodyJson({ kind: 'bytes', bytes: new TextEncoder().encode('hi') })).to.deep.equal({ body: 'hi', bodyEncoding: 'text' });
    expect(bodyJson({ kind: 'bytes', bytes: bytes(0, 255) })).to.deep.equal({ body: 'AP8=', bodyEncoding: 'base64' });
    expect(bodyJson({ kind: 'value', value: { n: 1 } })).to.deep.equal({ body: { n: 1 }, bodyEncoding: 'json' });
  });

  it('writes one JSON line per AMQP message with properties and application properties', () => {
    const r: MessageRecord = {
      protocol: 'amqp', address: '/queue/q', body: { kind: 'text', text: 'a\nb' }, bodyType: 'value',
      properties: { messageId: 'm1', subject: 's', creationTime: new Date(1000) },
      applicationProperties: { k: 'v', n: 5, big: 2n ** 60n }, messageAnnotations: { 'x-opt-a': 1 },
    };
    const line = formatJsonLine(r);
    expect(line).not.to.contain('\n');
    expect(JSON.parse(line)).to.deep.equal({
      protocol: 'amqp', address: '/queue/q', body: 'a\nb', bodyEncoding: 'text', bodyType: 'value',
      properties: { messageId: 'm1', subject: 's', creationTime: '1970-01-01T00:00:01.000Z' },
      applicationProperties: { k: 'v', n: 5, big: '1152921504606846976' }, messageAnnotations: { 'x-opt-a': 1 },
    });
  });

  it('writes one JSON line per STOMP message with its headers', () => {
    const r: MessageRecord = { protocol: 'stomp', address: '/queue/q', body: { kind: 'bytes', bytes: bytes(1, 0) }, headers: { k: 'v' } };
    expect(JSON.parse(formatJsonLine(r))).to.deep.equal({ protocol: 'stomp', address: '/queue/q', body: 'AQA=', bodyEncoding: 'base64', headers: { k: 'v' } });
  });

  it('writes readable lines: body, then properties or non-protocol headers', () => {
    const amqp: MessageRecord = { protocol: 'amqp', address: 'q', body: { kind: 'text', text: 'hello' }, applicationProperties: { k: 'v', n: 1 } };
    expect(formatTextLine(amqp, 3)).to.equal('[3] hello  {k=v, n=1}');
    expect(formatTextLine({ ...amqp, body: { kind: 'text', text: 'two\nlines' }, applicationProperties: undefined }, 1)).to.equal('[1] "two\\nlines"');
    const stomp: MessageRecord = {
      protocol: 'stomp', address: 'q', body: { kind: 'bytes', bytes: bytes(0, 1, 2) },
      headers: { destination: 'q', 'message-id': '1', subscription: 's', ack: 'a', 'content-length': '3', receipt: 'r', k: 'v' },
    };
    expect(formatTextLine(stomp, 1)).to.equal('[1] <3 bytes, base64 AAEC>  {k=v}');
    expect(formatTextLine({ protocol: 'amqp', address: 'q', body: { kind: 'value', value: [1, 2] } }, 1)).to.equal('[1] [1,2]');
  });

  it('summarises a send', () => {
    expect(formatSendSummary({ sent: 10, address: '/queue/q', elapsedMs: 500, counts: { ...zero, accepted: 9, rejected: 1 }, settle: 'at-least-once' }))
      .to.equal('sent 10 messages to /queue/q in 0.50 s (20.0 msg/s): accepted 9, rejected 1, released 0, modified 0');
    expect(formatSendSummary({ sent: 1, address: 'q', elapsedMs: 2, counts: { ...zero, sent: 1 }, settle: 'at-most-once' }))
      .to.equal('sent 1 message to q in 0.00 s (500 msg/s): unconfirmed 1');
    expect(formatRate(5, 0)).to.equal('5 msg/s');
  });

  it('renders a progress bar within the terminal width', () => {
    const line = renderProgress({ label: 'send', done: 50, total: 100, elapsedMs: 1000, width: 80 });
    expect(line).to.match(/^send \[#+-+\] 50\/100  50%  50\.0 msg\/s$/);
    expect(line.length).to.be.below(80);
    const bar = /\[([#-]+)\]/.exec(line)?.[1] ?? '';
    expect(bar.replace(/-/g, '').length).to.equal(bar.length / 2);
    expect(renderProgress({ label: 'send', done: 100, total: 100, elapsedMs: 1000, width: 80 })).to.contain('100%');
    expect(renderProgress({ label: 'send', done: 150, total: 100, elapsedMs: 1000, width: 80 })).not.to.contain('-]');
    expect(renderProgress({ label: 'send', done: 5, total: 100, elapsedMs: 1000, width: 20 }).length).to.be.below(20);
    expect(renderProgress({ label: 'receive', done: 7, elapsedMs: 1000, width: 80 })).to.equal('receive 7 messages  7.0 msg/s');
  });
});
