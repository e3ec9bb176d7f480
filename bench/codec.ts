/**
 * The codec benchmark workload: one representative message as the described sections a transfer
 * carries (header 0x70, properties 0x73, application-properties 0x74, data 0x75), encoded to bytes
 * and decoded back to typed values. Both sides start from the same plain message object, so both
 * pay for turning it into their typed form, and both stop at typed values (our AmqpValue, rhea's
 * Typed) - rhea's extra unwrap into a Message object is deliberately not measured.
 */
import rhea from 'rhea';
import {
  ByteReader, ByteWriter, binary, boolean, described, int, list, map, nullValue, readValue, string,
  symbol, timestamp, ubyte, uint, ulong, writeValue, type AmqpValue,
} from '../src/amqp/index.js';

export interface BenchMessage {
  readonly durable: boolean;
  readonly priority: number;
  readonly ttl: number;
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly replyTo: string;
  readonly correlationId: string;
  readonly contentType: string;
  readonly creationTime: number;
  readonly applicationProperties: Readonly<Record<string, string | number | boolean>>;
  readonly body: Uint8Array;
}

export const MESSAGE: BenchMessage = {
  durable: true,
  priority: 5,
  ttl: 30_000,
  messageId: 'order-7f3a2c1e-0042',
  to: 'orders.incoming',
  subject: 'order.created',
  replyTo: 'orders.replies',
  correlationId: 'corr-000123',
  contentType: 'application/octet-stream',
  creationTime: 1_700_000_000_000,
  applicationProperties: {
    tenant: 'acme', region: 'eu-west-1', retries: 0, attempt: 3, priority: 200, sizeHint: 1024,
    urgent: false, replayed: true, source: 'checkout', version: 70000,
  },
  body: Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) & 0xff),
};

export interface Workload {
  /** Encode the message to wire bytes. */
  encode(m: BenchMessage): Uint8Array;
  /** Decode wire bytes to the side's typed section values; returns how many sections. */
  decode(bytes: Uint8Array): number;
}

// ---------------------------------------------------------------------------------------------
// rx-mq

const H = ulong(0x70);
const P = ulong(0x73);
const A = ulong(0x74);
const D = ulong(0x75);
const writer = new ByteWriter(4096);

function appValue(v: string | number | boolean): AmqpValue {
  if (typeof v === 'string') return string(v);
  if (typeof v === 'boolean') return boolean(v);
  return int(v);
}

/** The message as our typed sections, built fresh each time as an application would. */
export function oursSections(m: BenchMessage): AmqpValue[] {
  const props: [AmqpValue, AmqpValue][] = [];
  for (const k of Object.keys(m.applicationProperties)) props.push([string(k), appValue(m.applicationProperties[k])]);
  return [
    described(H, list([boolean(m.durable), ubyte(m.priority), uint(m.ttl)])),
    described(P, list([
      string(m.messageId), nullValue, string(m.to), string(m.subject), string(m.replyTo),
      string(m.correlationId), symbol(m.contentType), nullValue, nullValue, timestamp(m.creationTime),
    ])),
    described(A, map(props)),
    described(D, binary(m.body)),
  ];
}

export const ours: Workload = {
  encode(m) {
    const sections = oursSections(m);
    writer.reset();
    for (let i = 0; i < sections.length; i++) writeValue(writer, sections[i]);
    return writer.toBytes();
  },
  decode(bytes) {
    const r = new ByteReader(bytes);
    const out: AmqpValue[] = [];
    while (r.pos < r.end) out.push(readValue(r, 0));
    return out.length;
  },
};

// ---------------------------------------------------------------------------------------------
// rhea

/** rhea's message shape for the same content (snake_case fields, Buffer body). */
export function rheaMessage(m: BenchMessage): Record<string, unknown> {
  return {
    durable: m.durable, priority: m.priority, ttl: m.ttl,
    message_id: m.messageId, to: m.to, subject: m.subject, reply_to: m.replyTo,
    correlation_id: m.correlationId, content_type: m.contentType,
    creation_time: new Date(m.creationTime),
    application_properties: m.applicationProperties,
    body: rhea.message.data_section(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength)),
  };
}

// rhea's typings omit types.Reader, which lib/types.js exports at runtime.
interface RheaReader { read(): unknown; remaining(): number }
const RheaReaderClass = (rhea.types as unknown as { Reader: new (b: Buffer) => RheaReader }).Reader;

export const rheaSide: Workload = {
  encode(m) {
    return rhea.message.encode(rheaMessage(m));
  },
  decode(bytes) {
    const r = new RheaReaderClass(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
    let n = 0;
    while (r.remaining() > 0) {
      r.read();
      n++;
    }
    return n;
  },
};

export const SIDES = { ours, rhea: rheaSide } as const;
export type SideName = keyof typeof SIDES;
