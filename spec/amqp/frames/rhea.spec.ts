/**
 * Cross-check with an independent implementation: rhea (devDependency) encodes performatives that
 * we decode, and decodes performatives that we encode, for every performative and SASL frame.
 * rhea's frame codec is used through its public module functions; its field names are snake_case
 * and it takes restricted types as their wire values (role as boolean, settle modes as numbers).
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import {
  COMPOSITES, ENUMS, decodeFrame, encodeFrame, type Composite, type EnumDefinition, type FieldDefinition,
  type Performative, type SaslFrameBody,
} from '../../../src/amqp/frames/index.js';
import { map, string, symbol, type AmqpValue } from '../../../src/amqp/index.js';
import { hex, plain as plainData } from './helpers.js';

const require = createRequire(import.meta.url);

/** The parts of rhea's CommonJS modules this test uses. */
interface RheaComposite {
  described(): unknown;
  readonly [field: string]: unknown;
}
type RheaFactory = (fields: Record<string, unknown>) => RheaComposite;
interface RheaFrame { readonly type: number; readonly channel: number; readonly performative: RheaComposite; readonly payload?: Buffer }
interface RheaFrames {
  readonly [name: string]: unknown;
  write_frame(frame: unknown): Buffer;
  read_frame(buffer: Buffer): RheaFrame;
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): unknown;
  sasl_frame(performative: unknown): unknown;
}
const rheaFrames = require('rhea/lib/frames.js') as RheaFrames;
const rheaTerminus = require('rhea/lib/terminus.js') as Record<string, RheaFactory>;
const rheaMessage = require('rhea/lib/message.js') as Record<string, RheaFactory>;

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const rheaName = (kind: string): string => kind.replace(/-/g, '_');

function enumWire(f: FieldDefinition, literal: unknown): unknown {
  const e = (ENUMS as Readonly<Record<string, EnumDefinition>>)[f.enumType as string];
  const choice = e.choices.find((c) => (e.source === 'symbol' ? c.value : c.name) === literal);
  if (choice === undefined) throw new Error(`bad ${f.enumType} ${String(literal)}`);
  return choice.value;
}

/** AmqpValue -> the plain JS value rhea wraps back into the same AMQP type. */
function plain(v: AmqpValue): unknown {
  switch (v.type) {
    case 'map': return Object.fromEntries(v.value.map(([k, x]) => [String(plain(k)), plain(x)]));
    case 'ulong': case 'long': case 'timestamp': return Number(v.value);
    case 'binary': return Buffer.from(v.value);
    case 'list': case 'array': return v.value.map(plain);
    case 'described': throw new Error('described values are built with rhea factories');
    default: return v.value;
  }
}

/** Our composite -> rhea's field object (snake_case names, wire values, rhea-typed nested composites). */
function toRheaFields(c: Composite): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const obj = c as unknown as Record<string, unknown>;
  for (const f of COMPOSITES[c.kind].fields) {
    const v = obj[f.name];
    if (v !== undefined) out[snake(f.name)] = toRheaValue(f, v);
  }
  return out;
}

function toRheaValue(f: FieldDefinition, v: unknown): unknown {
  if (f.enumType !== undefined) return enumWire(f, v);
  if (f.type === 'composite') return toRheaFields(v as Composite); // rhea wraps `error` fields itself
  if (f.type === '*') {
    if (typeof v === 'object' && v !== null && 'kind' in v) {
      const c = v as Composite;
      const factory = rheaTerminus[c.kind] ?? rheaMessage[c.kind];
      if (factory === undefined) throw new Error(`no rhea factory for ${c.kind}`);
      return factory(toRheaFields(c)).described();
    }
    return plain(v as AmqpValue);
  }
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && (v as AmqpValue).type === 'map') return plain(v as AmqpValue);
  return v;
}

function rheaEncode(channel: number, p: Performative | SaslFrameBody, payload?: Uint8Array): Uint8Array {
  const factory = rheaFrames[rheaName(p.kind)] as RheaFactory;
  const described = factory(toRheaFields(p)).described();
  const frame = p.kind.startsWith('sasl-')
    ? rheaFrames.sasl_frame(described)
    : rheaFrames.amqp_frame(channel, described, payload === undefined ? undefined : Buffer.from(payload));
  return new Uint8Array(rheaFrames.write_frame(frame));
}

const props = map([[symbol('product'), string('rx-mq')], [symbol('version'), string('0.1.0')]]);
// No `info`: rhea encodes error info keys as strings (see the quirk test below).
const error = { kind: 'error', condition: 'amqp:resource-limit-exceeded', description: 'too much' } as const;

/** At least one case per performative and SASL body, with most fields set. */
const CASES: readonly { readonly channel: number; readonly p: Performative | SaslFrameBody; readonly payload?: Uint8Array }[] = [
  { channel: 0, p: {
    kind: 'open', containerId: 'container-1', hostname: 'broker.example', maxFrameSize: 65536, channelMax: 255,
    idleTimeOut: 60000, outgoingLocales: ['en-US'], incomingLocales: ['en-US', 'de'], offeredCapabilities: ['ANONYMOUS-RELAY'],
    desiredCapabilities: ['DELAYED_DELIVERY', 'SHARED-SUBS'], properties: props,
  } },
  { channel: 3, p: {
    kind: 'begin', remoteChannel: 2, nextOutgoingId: 4294967295, incomingWindow: 2048, outgoingWindow: 0, handleMax: 1023,
    offeredCapabilities: ['x'], desiredCapabilities: ['y'], properties: props,
  } },
  { channel: 1, p: {
    kind: 'attach', name: 'receiver-link', handle: 7, role: 'receiver', sndSettleMode: 'mixed', rcvSettleMode: 'second',
    source: {
      kind: 'source', address: string('queue/a'), durable: 'unsettled-state', expiryPolicy: 'never', timeout: 30,
      dynamic: false, distributionMode: 'move', filter: map([[symbol('selector'), string("color = 'red'")]]),
      defaultOutcome: { kind: 'released' }, outcomes: ['amqp:accepted:list', 'amqp:released:list'], capabilities: ['queue'],
    },
    target: { kind: 'target', address: string('reply'), durable: 'none', expiryPolicy: 'link-detach', timeout: 0, dynamic: true, capabilities: ['temporary-queue'] },
    incompleteUnsettled: false, initialDeliveryCount: 0, maxMessageSize: 1048576n,
    offeredCapabilities: ['a'], desiredCapabilities: ['b'], properties: props,
  } },
  { channel: 1, p: {
    kind: 'attach', name: 'sender-link', handle: 0, role: 'sender', sndSettleMode: 'settled',
    source: { kind: 'source', address: string('me') }, target: { kind: 'target', address: string('queue/b') }, initialDeliveryCount: 42,
  } },
  { channel: 1, p: {
    kind: 'flow', nextIncomingId: 10, incomingWindow: 2048, nextOutgoingId: 20, outgoingWindow: 4096, handle: 7,
    deliveryCount: 4294967290, linkCredit: 100, available: 3, drain: true, echo: true, properties: props,
  } },
  { channel: 1, p: {
    kind: 'transfer', handle: 7, deliveryId: 12345, deliveryTag: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), messageFormat: 0,
    settled: false, more: true, rcvSettleMode: 'first', resume: false, aborted: false, batchable: true,
  }, payload: new Uint8Array([0x00, 0x53, 0x75, 0xa0, 0x03, 0x61, 0x62, 0x63]) },
  { channel: 1, p: { kind: 'disposition', role: 'receiver', first: 1, last: 9, settled: true, state: { kind: 'accepted' }, batchable: false } },
  { channel: 1, p: { kind: 'disposition', role: 'receiver', first: 2, settled: true, state: { kind: 'rejected', error } } },
  { channel: 1, p: { kind: 'disposition', role: 'sender', first: 3, state: { kind: 'released' } } },
  { channel: 1, p: {
    kind: 'disposition', role: 'receiver', first: 4, settled: true,
    state: { kind: 'modified', deliveryFailed: true, undeliverableHere: false, messageAnnotations: map([[symbol('x-opt-reason'), string('retry')]]) },
  } },
  { channel: 1, p: { kind: 'disposition', role: 'receiver', first: 5, state: { kind: 'received', sectionNumber: 2, sectionOffset: 100n } } },
  { channel: 1, p: { kind: 'detach', handle: 7, closed: true, error } },
  { channel: 1, p: { kind: 'detach', handle: 8 } },
  { channel: 1, p: { kind: 'end', error } },
  { channel: 1, p: { kind: 'end' } },
  { channel: 0, p: { kind: 'close', error: { kind: 'error', condition: 'amqp:connection:forced', description: 'shutdown' } } },
  { channel: 0, p: { kind: 'close' } },
  { channel: 0, p: { kind: 'sasl-mechanisms', saslServerMechanisms: ['PLAIN', 'ANONYMOUS', 'EXTERNAL'] } },
  { channel: 0, p: { kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: new TextEncoder().encode('\0guest\0guest'), hostname: 'localhost' } },
  { channel: 0, p: { kind: 'sasl-challenge', challenge: new Uint8Array([1, 2, 3]) } },
  // Over 255 bytes: list32 and vbin32 forms.
  { channel: 0, p: { kind: 'sasl-challenge', challenge: new Uint8Array(300).fill(7) } },
  { channel: 0, p: { kind: 'sasl-response', response: new Uint8Array([4, 5, 6]) } },
  { channel: 0, p: { kind: 'sasl-outcome', code: 'auth', additionalData: new Uint8Array([9]) } },
  { channel: 0, p: { kind: 'sasl-outcome', code: 'ok' } },
];

function label(c: (typeof CASES)[number]): string {
  const state = 'state' in c.p && c.p.state !== undefined && 'kind' in c.p.state ? ` ${c.p.state.kind}` : '';
  return `${c.p.kind}${state} #${CASES.indexOf(c)}`;
}

/** Compares a field rhea decoded (its getters unwrap values) with ours, for non-composite fields. */
function expectRheaField(f: FieldDefinition, ours: unknown, theirs: unknown): void {
  const expected = toRheaValue(f, ours);
  if (expected instanceof Buffer) expect(hex(new Uint8Array(theirs as Buffer))).to.equal(hex(expected));
  else expect(theirs).to.deep.equal(expected);
}

describe('frames: cross-check with rhea', () => {
  const kinds = new Set(CASES.map((c) => c.p.kind));
  it('covers every performative and SASL frame body', () => {
    const all = Object.values(COMPOSITES).filter((c) => c.provides.includes('frame') || c.provides.includes('sasl-frame')).map((c) => c.name);
    expect([...kinds].sort()).to.deep.equal(all.sort());
  });

  for (const c of CASES) {
    it(`${label(c)}: rhea encodes, we decode`, () => {
      const frame = decodeFrame(rheaEncode(c.channel, c.p, c.payload));
      const sasl = c.p.kind.startsWith('sasl-');
      expect(plainData(frame)).to.deep.equal({
        type: sasl ? 'sasl' : 'amqp', channel: sasl ? 0 : c.channel, performative: c.p, payload: c.payload ?? new Uint8Array(0),
      });
    });

    it(`${label(c)}: we encode, rhea decodes`, () => {
      const bytes = encodeFrame(c.channel, c.p, c.payload);
      const theirs = rheaFrames.read_frame(Buffer.from(bytes));
      expect(theirs.type).to.equal(c.p.kind.startsWith('sasl-') ? 1 : 0);
      expect(theirs.channel).to.equal(c.channel);
      expect(hex(new Uint8Array(theirs.payload ?? Buffer.alloc(0)))).to.equal(hex(c.payload ?? new Uint8Array(0)));
      const obj = c.p as unknown as Record<string, unknown>;
      for (const f of COMPOSITES[c.p.kind].fields) {
        const v = obj[f.name];
        if (v === undefined || f.type === '*' || f.type === 'composite') continue;
        expectRheaField(f, v, theirs.performative[snake(f.name)]);
      }
      // Nested composites: rhea re-encodes what it decoded and we must get the original back.
      const again = rheaFrames.write_frame({
        type: theirs.type, channel: theirs.channel, performative: theirs.performative.described(), payload: theirs.payload,
      });
      expect(plainData(decodeFrame(new Uint8Array(again)))).to.deep.equal(plainData(decodeFrame(bytes)));
    });
  }

  it('rhea quirk: error info keys arrive as strings (rhea ignores the fields type); we keep them as sent', () => {
    const info = map([[symbol('k'), string('v')]]);
    const sent: Performative = { kind: 'detach', handle: 1, error: { ...error, info } };
    const got = decodeFrame(rheaEncode(0, sent));
    expect(got.type === 'amqp' && got.performative).to.deep.equal({ ...sent, error: { ...error, info: map([[string('k'), string('v')]]) } });
    // The other direction is exact: rhea reads symbol keys as the same JS strings.
    const theirs = rheaFrames.read_frame(Buffer.from(encodeFrame(0, sent)));
    expect((theirs.performative.error as { info: unknown }).info).to.deep.equal({ k: 'v' });
  });
});
