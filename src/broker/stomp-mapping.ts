/**
 * STOMP frames to AMQP messages and back. The broker stores every message in one form, the AMQP
 * payload bytes (message.ts), so a STOMP SEND is encoded into AMQP sections here and a stored
 * message is rendered as MESSAGE headers and body for a STOMP subscriber. The mapping is one table
 * (docs/BROKER.md shows it):
 *
 * - SEND bodies become one `data` section, always: bytes stay bytes (NULs, invalid UTF-8), the
 *   content-type travels in properties, so STOMP to STOMP through the broker is lossless.
 * - Headers with an AMQP home (FIELDS below) go there; a value that does not parse for its field
 *   (priority "high") stays a string application property instead, so nothing is lost.
 * - Every other header becomes a string application property; the first of repeated headers wins.
 * - Back: data sections are the body bytes, a string amqp-value its UTF-8, a binary amqp-value its
 *   bytes, any other amqp-value or amqp-sequence the composite JSON of the value (content-type
 *   COMPOSITE_JSON_TYPE and header `amqp-body-type`), so no AMQP body is unreadable from STOMP.
 */
import { toCompositeJson } from '../amqp/codec/composite-json.js';
import type { AmqpValue } from '../amqp/codec/types.js';
import { list, string } from '../amqp/codec/values.js';
import type { Header, Properties } from '../amqp/frames/definitions.generated.js';
import { decodeSections, encodeSections, type DecodedSections, type MessageBody } from '../amqp/frames/sections.js';
import type { StompHeaderList } from '../stomp/codec/frame.js';

/** content-type of a MESSAGE whose AMQP body was neither bytes nor a string. */
export const COMPOSITE_JSON_TYPE = 'application/vnd.rx-mq.amqp-composite+json';
/** Simplified composite JSON (strings, booleans and null raw): lossless and easier to read. */
const SIMPLIFIED = { simplified: true } as const;

type HeaderDraft = { -readonly [K in keyof Omit<Header, 'kind'>]?: Omit<Header, 'kind'>[K] };
type PropertiesDraft = { -readonly [K in keyof Omit<Properties, 'kind'>]?: Omit<Properties, 'kind'>[K] };

interface Draft {
  readonly header: HeaderDraft;
  readonly properties: PropertiesDraft;
}

/** One STOMP header with a home in the AMQP header or properties section. */
interface FieldRule {
  /** The header on SEND. */
  readonly header: string;
  /** The header on MESSAGE, when it differs (message-id is the broker's delivery id there). */
  readonly onMessage?: string;
  /** Store the value; false when it does not parse (it then stays an application property). */
  toAmqp(value: string, d: Draft): boolean;
  /** The header value from a stored message, if the field is set. */
  fromAmqp(s: DecodedSections): string | undefined;
}

const isAscii = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);
const digits = (s: string): boolean => /^\d{1,15}$/.test(s);
const str = (v: string | undefined): string | undefined => v;

/** The rules, in the order MESSAGE headers are written. */
export const FIELDS: readonly FieldRule[] = [
  {
    header: 'message-id', onMessage: 'amqp-message-id',
    toAmqp: (v, d) => { d.properties.messageId = string(v); return true; },
    fromAmqp: (s) => idText(s.properties?.messageId),
  },
  {
    header: 'correlation-id',
    toAmqp: (v, d) => { d.properties.correlationId = string(v); return true; },
    fromAmqp: (s) => idText(s.properties?.correlationId),
  },
  {
    header: 'reply-to',
    toAmqp: (v, d) => { d.properties.replyTo = string(v); return true; },
    fromAmqp: (s) => idText(s.properties?.replyTo),
  },
  {
    header: 'subject',
    toAmqp: (v, d) => { d.properties.subject = v; return true; },
    fromAmqp: (s) => str(s.properties?.subject),
  },
  {
    // A symbol on the AMQP side: ASCII only.
    header: 'content-type',
    toAmqp: (v, d) => isAscii(v) && ((d.properties.contentType = v), true),
    fromAmqp: (s) => str(s.properties?.contentType),
  },
  {
    header: 'content-encoding',
    toAmqp: (v, d) => isAscii(v) && ((d.properties.contentEncoding = v), true),
    fromAmqp: (s) => str(s.properties?.contentEncoding),
  },
  {
    header: 'group-id',
    toAmqp: (v, d) => { d.properties.groupId = v; return true; },
    fromAmqp: (s) => str(s.properties?.groupId),
  },
  {
    // ActiveMQ's absolute expiry, ms since the epoch; 0 means "never".
    header: 'expires',
    toAmqp: (v, d) => digits(v) && Number(v) > 0 && ((d.properties.absoluteExpiryTime = BigInt(v)), true),
    fromAmqp: (s) => s.properties?.absoluteExpiryTime?.toString(),
  },
  {
    // RabbitMQ's per-message time to live, ms.
    header: 'expiration',
    toAmqp: (v, d) => digits(v) && Number(v) <= 0xffffffff && ((d.header.ttl = Number(v)), true),
    fromAmqp: (s) => s.header?.ttl?.toString(),
  },
  {
    header: 'timestamp',
    toAmqp: (v, d) => digits(v) && ((d.properties.creationTime = BigInt(v)), true),
    fromAmqp: (s) => s.properties?.creationTime?.toString(),
  },
  {
    header: 'persistent',
    toAmqp: (v, d) => (v === 'true' || v === 'false') && ((d.header.durable = v === 'true'), true),
    fromAmqp: (s) => (s.header?.durable === undefined ? undefined : String(s.header.durable)),
  },
  {
    header: 'priority',
    toAmqp: (v, d) => /^\d{1,3}$/.test(v) && Number(v) <= 255 && ((d.header.priority = Number(v)), true),
    fromAmqp: (s) => s.header?.priority?.toString(),
  },
];

/** SEND headers that are protocol, not message content. */
const PROTOCOL = new Set(['destination', 'receipt', 'transaction', 'content-length']);
/**
 * MESSAGE headers an application property may never supply. Headers of FIELDS are written first
 * when their field is set (first wins), so a property of the same name only shows when the field
 * is not set: that is how a value that did not parse for its field (priority:high) comes back.
 */
const RESERVED_ON_MESSAGE = new Set([...PROTOCOL, 'message-id', 'subscription', 'ack', 'redelivered', 'amqp-body-type']);
const BY_HEADER = new Map(FIELDS.map((f) => [f.header, f]));

/** The AMQP payload a STOMP SEND (its headers and body) is stored as. */
export function stompToAmqp(headers: StompHeaderList, body: Uint8Array): Uint8Array {
  const d: Draft = { header: {}, properties: {} };
  const app: (readonly [AmqpValue, AmqpValue])[] = [];
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    if (seen.has(name) || PROTOCOL.has(name)) continue;
    seen.add(name);
    const rule = BY_HEADER.get(name);
    if (rule !== undefined && rule.toAmqp(value, d)) continue;
    app.push([string(name), string(value)]);
  }
  const has = (o: object): boolean => Object.keys(o).length > 0;
  return encodeSections({
    header: has(d.header) ? d.header : undefined,
    properties: has(d.properties) ? d.properties : undefined,
    applicationProperties: app.length > 0 ? { type: 'map', value: app } : undefined,
    body: { kind: 'data', data: [body] },
  });
}

/** A stored message as MESSAGE headers (without destination/message-id/subscription) and body. */
export interface StompRendering {
  readonly headers: StompHeaderList;
  readonly body: Uint8Array;
}

const utf8 = new TextEncoder();

/** Render a stored AMQP payload for a STOMP subscriber. */
export function amqpToStomp(payload: Uint8Array, deliveryCount: number): StompRendering {
  let s: DecodedSections;
  let body: { bytes: Uint8Array; contentType?: string; bodyType?: string };
  try {
    s = decodeSections(payload);
    body = renderBody(s.body);
  } catch {
    // Not a well-formed AMQP message (the broker stores what producers send): hand over the bytes.
    return { headers: [['content-type', 'application/octet-stream'], ['amqp-body-type', 'raw']], body: payload };
  }
  const headers: (readonly [string, string])[] = [];
  const put = (name: string, value: string | undefined): void => {
    if (value === undefined || headers.some(([k]) => k === name)) return;
    headers.push([name, value]);
  };
  // A body rendered as JSON says so whatever the message claimed; a string body's text/plain is
  // only the default for a message without a content-type.
  if (body.bodyType !== undefined) {
    put('content-type', body.contentType);
    put('amqp-body-type', body.bodyType);
  }
  for (const f of FIELDS) put(f.onMessage ?? f.header, safe(() => f.fromAmqp(s)));
  put('content-type', body.contentType);
  // The broker's count, or the header's when a producer (or an earlier broker) set one.
  if (Math.max(deliveryCount, safe(() => s.header?.deliveryCount) ?? 0) > 0) put('redelivered', 'true');
  const app = safe(() => s.applicationProperties);
  for (const [k, v] of app?.value ?? []) {
    const name = k.type === 'string' || k.type === 'symbol' ? k.value : valueText(k);
    if (!RESERVED_ON_MESSAGE.has(name)) put(name, valueText(v));
  }
  return { headers, body: body.bytes };
}

function renderBody(b: MessageBody | undefined): { bytes: Uint8Array; contentType?: string; bodyType?: string } {
  if (b === undefined) return { bytes: new Uint8Array(0) };
  if (b.kind === 'data') return { bytes: b.data.length === 1 ? b.data[0] : concat(b.data) };
  if (b.kind === 'value') {
    const v = b.value;
    if (v.type === 'string') return { bytes: utf8.encode(v.value), contentType: 'text/plain;charset=utf-8' };
    if (v.type === 'binary') return { bytes: v.value };
    if (v.type === 'null') return { bytes: new Uint8Array(0) };
    return { bytes: utf8.encode(JSON.stringify(toCompositeJson(v, SIMPLIFIED))), contentType: COMPOSITE_JSON_TYPE, bodyType: 'value' };
  }
  const json = b.sequences.map((seq) => toCompositeJson(list(seq), SIMPLIFIED));
  return { bytes: utf8.encode(JSON.stringify(json)), contentType: COMPOSITE_JSON_TYPE, bodyType: 'sequence' };
}

/**
 * A value as header text: strings as they are, numbers and booleans in decimal, timestamps as ms
 * since the epoch, binary and uuid in hex, anything compound as composite JSON.
 */
export function valueText(v: AmqpValue): string {
  switch (v.type) {
    case 'string': case 'symbol': return v.value;
    case 'null': return '';
    case 'boolean': case 'ubyte': case 'ushort': case 'uint': case 'ulong': case 'byte': case 'short':
    case 'int': case 'long': case 'float': case 'double': case 'timestamp':
      return String(v.value);
    case 'char': return String.fromCodePoint(v.value);
    case 'binary': return hex(v.value);
    case 'uuid': {
      const h = hex(v.value);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    default: return JSON.stringify(toCompositeJson(v, SIMPLIFIED));
  }
}

const idText = (v: AmqpValue | undefined): string | undefined => (v === undefined ? undefined : valueText(v));

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined; // a section that does not decode is left out, the rest still travels
  }
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
