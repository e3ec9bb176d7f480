/** The one-line frame trace, including credential redaction. */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  COMPOSITES, decodeFrame, encodeFrame, formatComposite, formatFrame, formatValue, type CompositeName,
} from '../../../src/amqp/frames/index.js';
import { array, binary, described, map, string, symbol, timestamp, uint, ulong, uuid } from '../../../src/amqp/index.js';
import { arbitraryComposite } from './arbitraries.js';
import { bytes } from './helpers.js';

describe('frames: trace formatting', () => {
  it('renders an open frame with spec field names, present fields only', () => {
    const f = decodeFrame(encodeFrame(0, {
      kind: 'open', containerId: 'c1', maxFrameSize: 512, offeredCapabilities: ['ANONYMOUS-RELAY'],
      properties: map([[symbol('product'), string('rx')]]),
    }));
    expect(formatFrame(f, '->')).to.equal(
      '[ch 0] -> @open(0x10) [container-id="c1", max-frame-size=512, offered-capabilities=[:ANONYMOUS-RELAY], properties={:product="rx"}]',
    );
  });

  it('renders enums by name, nested composites, binary tags and payload sizes', () => {
    expect(formatFrame(decodeFrame(encodeFrame(1, {
      kind: 'attach', name: 'l', handle: 0, role: 'receiver', rcvSettleMode: 'second',
      source: { kind: 'source', address: string('q1'), durable: 'configuration', expiryPolicy: 'never' },
    })))).to.equal(
      '[ch 1] <- @attach(0x12) [name="l", handle=0, role=receiver, rcv-settle-mode=second, source=@source(0x28) [address="q1", durable=configuration, expiry-policy=never]]',
    );
    expect(formatFrame(decodeFrame(encodeFrame(1, { kind: 'transfer', handle: 0, deliveryTag: bytes('00 41') }, bytes('00 53 77 40'))), '->'))
      .to.equal('[ch 1] -> @transfer(0x14) [handle=0, delivery-tag=b"\\x00A"] +4 bytes');
    expect(formatComposite({ kind: 'disposition', role: 'receiver', first: 1, state: { kind: 'rejected', error: { kind: 'error', condition: 'amqp:not-found' } } }))
      .to.equal('@disposition(0x15) [role=receiver, first=1, state=@rejected(0x25) [error=@error(0x1d) [condition=:amqp:not-found]]]');
  });

  it('redacts SASL credentials', () => {
    const init = formatFrame(decodeFrame(encodeFrame(0, {
      kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: new TextEncoder().encode('\0guest\0secret'), hostname: 'h',
    })), '->');
    expect(init).to.equal('[ch 0] -> @sasl-init(0x41) [mechanism=:PLAIN, initial-response=<redacted 13 bytes>, hostname="h"]');
    expect(init).not.to.include('secret');
    expect(formatComposite({ kind: 'sasl-response', response: bytes('0102') })).to.equal('@sasl-response(0x43) [response=<redacted 2 bytes>]');
  });

  it('renders heartbeats and protocol headers', () => {
    expect(formatFrame({ type: 'heartbeat', channel: 0 })).to.equal('[ch 0] <- (empty frame)');
    expect(formatFrame({ type: 'header', protocol: 'sasl' }, '->')).to.equal('-> SASL protocol header 1.0.0');
  });

  it('renders typed values readably', () => {
    expect(formatValue(array('symbol', [symbol('a'), symbol('b c')]))).to.equal('@array<symbol>[:a, :"b c"]');
    expect(formatValue(described(ulong(0x77), uint(5)))).to.equal('@0x77 5');
    expect(formatValue(timestamp(1000))).to.equal('ts:1000');
    expect(formatValue(uuid('00112233-4455-6677-8899-aabbccddeeff'))).to.equal('uuid:00112233445566778899aabbccddeeff');
    expect(formatValue(binary(new Uint8Array(100)))).to.match(/\.\.\.\(100 bytes\)$/);
  });

  it('formats every composite without throwing (property)', () => {
    for (const kind of Object.keys(COMPOSITES) as CompositeName[]) {
      fc.assert(fc.property(arbitraryComposite(kind), (c) => {
        expect(formatComposite(c)).to.match(new RegExp(`^@${kind}\\(0x`));
      }), { numRuns: 20 });
    }
  });
});
