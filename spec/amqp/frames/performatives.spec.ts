/**
 * Byte vectors for performatives and SASL frames, written by hand from the specification
 * (transport section 2.7, security section 5.3, types section 1.6 for the encodings): each frame
 * must encode to exactly these bytes (most compact forms) and decode back to the object.
 */
import { expect } from 'chai';
import {
  compositeFromValue, compositeToValue, decodeComposite, decodeFrame, definitionForDescriptor, encodeComposite,
  encodeFrame, withDefaults, type Composite, type Performative, type SaslFrameBody,
} from '../../../src/amqp/frames/index.js';
import { DecodeError, EncodeError, map, string, symbol, type AmqpValue } from '../../../src/amqp/index.js';
import { ascii, bytes, hex, plain } from './helpers.js';

interface Vector {
  readonly name: string;
  readonly channel: number;
  readonly performative: Performative | SaslFrameBody;
  readonly payload?: string;
  /** The whole frame: header | performative | payload. */
  readonly wire: string;
}

const VECTORS: readonly Vector[] = [
  {
    name: 'open',
    channel: 0,
    performative: {
      kind: 'open', containerId: 'c1', hostname: 'h', maxFrameSize: 512, channelMax: 7, idleTimeOut: 30000,
      offeredCapabilities: ['ANONYMOUS-RELAY'], properties: map([[symbol('product'), string('rx')]]),
    },
    wire: `00000049 02 00 0000 | 00 53 10 c0 3c 0a | a1 02 ${ascii('c1')} | a1 01 ${ascii('h')} | 70 00000200 | 60 0007
      | 70 00007530 | 40 | 40 | e0 12 01 a3 0f ${ascii('ANONYMOUS-RELAY')} | 40
      | c1 0e 02 a3 07 ${ascii('product')} a1 02 ${ascii('rx')}`,
  },
  {
    name: 'begin (remote-channel absent: written as null, trailing fields trimmed)',
    channel: 1,
    performative: { kind: 'begin', nextOutgoingId: 0, incomingWindow: 2048, outgoingWindow: 2048, handleMax: 255 },
    wire: '0000001c 02 00 0001 | 00 53 11 c0 0f 05 | 40 | 43 | 70 00000800 | 70 00000800 | 52 ff',
  },
  {
    name: 'attach with source and target',
    channel: 1,
    performative: {
      kind: 'attach', name: 'l1', handle: 0, role: 'receiver', sndSettleMode: 'unsettled', rcvSettleMode: 'first',
      source: { kind: 'source', address: string('q1'), durable: 'configuration', expiryPolicy: 'never' },
      target: { kind: 'target' }, maxMessageSize: 1048576n,
    },
    wire: `0000003b 02 00 0001 | 00 53 12 c0 2e 0b | a1 02 ${ascii('l1')} | 43 | 41 | 50 00 | 50 00
      | 00 53 28 c0 0e 03 a1 02 ${ascii('q1')} 52 01 a3 05 ${ascii('never')} | 00 53 29 45 | 40 | 40 | 40
      | 80 0000000000100000`,
  },
  {
    name: 'flow',
    channel: 1,
    performative: {
      kind: 'flow', nextIncomingId: 1, incomingWindow: 2048, nextOutgoingId: 1, outgoingWindow: 2048, handle: 0,
      deliveryCount: 0, linkCredit: 100, drain: true,
    },
    wire: '00000022 02 00 0001 | 00 53 13 c0 15 09 | 52 01 | 70 00000800 | 52 01 | 70 00000800 | 43 | 43 | 52 64 | 40 | 41',
  },
  {
    name: 'transfer with message bytes',
    channel: 1,
    performative: {
      kind: 'transfer', handle: 0, deliveryId: 5, deliveryTag: bytes('00000001'), messageFormat: 0, settled: false,
      more: false,
    },
    payload: '00 53 77 a1 02 6869',
    wire: '00000021 02 00 0001 | 00 53 14 c0 0d 06 | 43 | 52 05 | a0 04 00000001 | 43 | 42 | 42 | 00 53 77 a1 02 6869',
  },
  {
    name: 'disposition accepted',
    channel: 1,
    performative: { kind: 'disposition', role: 'receiver', first: 5, last: 7, settled: true, state: { kind: 'accepted' } },
    wire: '00000018 02 00 0001 | 00 53 15 c0 0b 05 | 41 | 52 05 | 52 07 | 41 | 00 53 24 45',
  },
  {
    name: 'disposition rejected with error',
    channel: 1,
    performative: {
      kind: 'disposition', role: 'receiver', first: 1, settled: true,
      state: { kind: 'rejected', error: { kind: 'error', condition: 'amqp:not-found', description: 'gone' } },
    },
    wire: `00000035 02 00 0001 | 00 53 15 c0 28 05 | 41 | 52 01 | 40 | 41 | 00 53 25 c0 1d 01
      | 00 53 1d c0 17 02 a3 0e ${ascii('amqp:not-found')} a1 04 ${ascii('gone')}`,
  },
  {
    name: 'detach with error',
    channel: 1,
    performative: {
      kind: 'detach', handle: 2, closed: true,
      error: { kind: 'error', condition: 'amqp:link:detach-forced', description: 'bye' },
    },
    wire: `00000035 02 00 0001 | 00 53 16 c0 28 03 | 52 02 | 41
      | 00 53 1d c0 1f 02 a3 17 ${ascii('amqp:link:detach-forced')} a1 03 ${ascii('bye')}`,
  },
  {
    name: 'end (no fields: list0)',
    channel: 1,
    performative: { kind: 'end' },
    wire: '0000000c 02 00 0001 | 00 53 17 45',
  },
  {
    name: 'close with error',
    channel: 0,
    performative: { kind: 'close', error: { kind: 'error', condition: 'amqp:connection:forced' } },
    wire: `0000002c 02 00 0000 | 00 53 18 c0 1f 01 | 00 53 1d c0 19 01 a3 16 ${ascii('amqp:connection:forced')}`,
  },
  {
    name: 'sasl-mechanisms (SASL frame type 0x01)',
    channel: 0,
    performative: { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN', 'ANONYMOUS'] },
    wire: `00000022 02 01 0000 | 00 53 40 c0 15 01 | e0 12 02 a3 05 ${ascii('PLAIN')} 09 ${ascii('ANONYMOUS')}`,
  },
  {
    name: 'sasl-init',
    channel: 0,
    performative: { kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: bytes(`00 ${ascii('user')} 00 ${ascii('pass')}`), hostname: 'h' },
    wire: `00000024 02 01 0000 | 00 53 41 c0 17 03 | a3 05 ${ascii('PLAIN')} | a0 0a 00 ${ascii('user')} 00 ${ascii('pass')} | a1 01 68`,
  },
  {
    name: 'sasl-outcome ok',
    channel: 0,
    performative: { kind: 'sasl-outcome', code: 'ok' },
    wire: '00000010 02 01 0000 | 00 53 44 c0 03 01 | 50 00',
  },
];

describe('frames: performative byte vectors', () => {
  for (const v of VECTORS) {
    it(`${v.name}: encodes to the vector`, () => {
      const payload = v.payload === undefined ? undefined : bytes(v.payload);
      expect(hex(encodeFrame(v.channel, v.performative, payload))).to.equal(hex(bytes(v.wire)));
    });
    it(`${v.name}: decodes from the vector`, () => {
      const frame = decodeFrame(bytes(v.wire));
      const sasl = v.performative.kind.startsWith('sasl-');
      expect(plain(frame)).to.deep.equal({
        type: sasl ? 'sasl' : 'amqp', channel: v.channel, performative: v.performative,
        payload: bytes(v.payload ?? ''),
      });
    });
  }
});

describe('frames: composite decoding accepts every legal form', () => {
  const decodes = (wire: string, expected: Composite) => expect(decodeComposite(bytes(wire))).to.deep.equal(expected);

  it('a symbolic descriptor', () => {
    decodes(`00 a3 0e ${ascii('amqp:open:list')} c0 04 01 a1 01 63`, { kind: 'open', containerId: 'c' });
  });
  it('list32 and list8 with zero fields', () => {
    decodes('00 53 17 d0 00000004 00000000', { kind: 'end' });
    decodes('00 53 17 c0 01 00', { kind: 'end' });
  });
  it('explicit trailing nulls as absent fields', () => {
    decodes('00 53 18 c0 02 01 40', { kind: 'close' });
  });
  it('a full-width ulong descriptor', () => {
    decodes('00 80 0000000000000017 45', { kind: 'end' });
  });
  it('a multiple field holding one value instead of an array', () => {
    decodes(`00 53 40 c0 08 01 a3 05 ${ascii('PLAIN')}`, { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN'] });
  });
  it('unknown extra list items beyond the definition (forward compatibility)', () => {
    decodes('00 53 17 c0 03 02 40 41', { kind: 'end' });
    decodes('00 53 26 c0 03 02 41 41', { kind: 'released' });
  });
  it('a polymorphic field with an unknown descriptor stays a typed value', () => {
    const c = decodeComposite(bytes('00 53 12 c0 0d 06 a1 01 6c 43 42 40 40 00 a3 01 78 45')) as Extract<Composite, { kind: 'attach' }>;
    expect(c.source).to.deep.equal({ type: 'described', descriptor: { type: 'symbol', value: 'x' }, value: { type: 'list', value: [] } });
  });
  it('a polymorphic field holding a composite of the wrong archetype stays a typed value', () => {
    // target in the source position: decoded as a value, not as a Target
    const c = decodeComposite(bytes('00 53 12 c0 0c 06 a1 01 6c 43 42 40 40 00 53 29 45')) as Extract<Composite, { kind: 'attach' }>;
    expect((c.source as AmqpValue).type).to.equal('described');
  });
  it('a delivery state and an outcome in the source decode to composites', () => {
    const c = decodeComposite(bytes('00 53 28 c0 0d 09 40 40 40 40 40 40 40 40 00 53 26 45'));
    expect(c).to.deep.equal({ kind: 'source', defaultOutcome: { kind: 'released' } });
  });
});

describe('frames: composite errors', () => {
  const fails = (wire: string, pattern: RegExp) => {
    expect(() => decodeComposite(bytes(wire))).to.throw(DecodeError, pattern);
  };
  it('a missing mandatory field names the composite and the field', () => {
    fails('00 53 10 45', /open: mandatory field container-id \(containerId\) is missing/);
    fails('00 53 11 c0 02 01 40', /begin: mandatory field next-outgoing-id/);
    fails('00 53 41 45', /sasl-init: mandatory field mechanism/);
    fails('00 53 1d 45', /error: mandatory field condition/);
    fails(`00 53 16 c0 07 03 43 42 00 53 1d 45`, /error: mandatory field condition/);
  });
  it('a wrong AMQP type', () => {
    fails('00 53 10 c0 04 01 a3 01 63', /open.container-id: expected string, got symbol/);
    fails('00 53 13 c0 06 04 43 43 43 50 01', /flow.outgoing-window: expected uint, got ubyte/);
    fails('00 53 16 c0 07 03 43 42 00 53 24 45', /detach.error: expected error, got described 0x24/);
    fails('00 53 12 c0 07 03 a1 01 6c 43 50 01', /attach.role: expected boolean, got ubyte/);
  });
  it('a value outside a restricted type', () => {
    fails('00 53 12 c0 08 04 a1 01 6c 43 41 50 07', /attach.snd-settle-mode: 7 is not a sender-settle-mode/);
    fails('00 53 44 c0 03 01 50 09', /sasl-outcome.code: 9 is not a sasl-code/);
  });
  it('unknown descriptors and non-composites', () => {
    fails('00 53 99 45', /unknown composite descriptor 0x99/);
    fails(`00 a3 03 ${ascii('foo')} 45`, /unknown composite descriptor foo/);
    fails('45', /expected a described composite, got list/);
    fails('00 53 10 a1 01 63', /open: expected a list, got string/);
  });
  it('trailing bytes after a composite', () => {
    fails('00 53 17 45 40', /trailing/);
  });
  it('encoding refuses missing mandatory fields, out-of-range numbers and unknown choices', () => {
    expect(() => encodeComposite({ kind: 'begin' } as unknown as Composite)).to.throw(EncodeError, /begin: mandatory field next-outgoing-id/);
    expect(() => encodeComposite({ kind: 'flow', incomingWindow: -1, nextOutgoingId: 0, outgoingWindow: 0 }))
      .to.throw(EncodeError, /flow.incomingWindow/);
    expect(() => encodeComposite({ kind: 'attach', name: 'x', handle: 0, role: 'both' as 'sender' }))
      .to.throw(EncodeError, /attach.role: "both" is not a role/);
    expect(() => encodeComposite({ kind: 'nope' } as unknown as Composite)).to.throw(EncodeError, /not a composite/);
    expect(() => encodeComposite({ kind: 'detach', handle: 0, error: { kind: 'accepted' } as never }))
      .to.throw(EncodeError, /detach.error: expected a error/);
  });
});

describe('frames: composite helpers', () => {
  it('withDefaults fills absent fields with the specification defaults', () => {
    expect(withDefaults<'attach'>({ kind: 'attach', name: 'l', handle: 0, role: 'sender', rcvSettleMode: 'second' })).to.deep.equal({
      kind: 'attach', name: 'l', handle: 0, role: 'sender', sndSettleMode: 'mixed', rcvSettleMode: 'second', incompleteUnsettled: false,
    });
    expect(withDefaults<'source'>({ kind: 'source' })).to.deep.equal({
      kind: 'source', durable: 'none', expiryPolicy: 'session-end', timeout: 0, dynamic: false,
    });
  });

  it('converts between composites and typed values', () => {
    const v = compositeToValue({ kind: 'rejected', error: { kind: 'error', condition: 'amqp:not-found' } });
    expect(v.descriptor).to.deep.equal({ type: 'ulong', value: 0x25n });
    expect(compositeFromValue(v)).to.deep.equal({ kind: 'rejected', error: { kind: 'error', condition: 'amqp:not-found' } });
    expect(compositeFromValue(string('x'))).to.equal(undefined);
    expect(definitionForDescriptor(symbol('amqp:flow:list'))?.code).to.equal(0x13);
  });

  it('refuses channels outside 16 bits', () => {
    expect(() => encodeFrame(65536, { kind: 'end' })).to.throw(EncodeError, /channel/);
  });
});
