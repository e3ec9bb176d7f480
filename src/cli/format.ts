/**
 * Pure formatting: received messages as JSON lines or readable lines, the send summary, and the
 * progress bar. No I/O here, so every rule is tested directly.
 */
import { toCompositeJson } from '../amqp/codec/composite-json.js';
import type { AmqpValue } from '../amqp/codec/types.js';
import type { NativeValue } from '../amqp/codec/native.js';
import type { SendState, SettleMode } from './adapters/types.js';

/** A message body as it arrived: bytes (AMQP data, STOMP), an AMQP string value, or another AMQP value. */
export type RecordBody =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly value: NativeValue };

/** A received message, protocol-neutral, ready to format. */
export interface MessageRecord {
  readonly protocol: 'amqp' | 'stomp';
  readonly address: string;
  readonly body: RecordBody;
  /** AMQP: the body section kind (value, data, sequence). */
  readonly bodyType?: string;
  /** AMQP: the properties and header sections' fields (native view). STOMP: undefined. */
  readonly properties?: Readonly<Record<string, NativeValue>>;
  /** STOMP: the frame headers. AMQP: undefined. */
  readonly headers?: Readonly<Record<string, string>>;
  /** AMQP application-properties (native view). */
  readonly applicationProperties?: Readonly<Record<string, NativeValue>>;
  /** AMQP message-annotations (native view). */
  readonly messageAnnotations?: Readonly<Record<string, NativeValue>>;
}

/** JSON as it is written: what JSON.stringify accepts without loss or throwing. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8 text, or undefined when they are not valid UTF-8 (or hold control bytes other than whitespace). */
export function utf8Text(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // NUL and other C0 controls mean binary in practice, even when the bytes happen to be valid UTF-8.
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? undefined : text;
}

const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function isTyped(v: object): v is AmqpValue {
  // The native view leaves only decimals, described values and ambiguous maps typed; plain
  // objects it produces are never mistaken for typed values (see docs/TYPES.md).
  return 'type' in v && 'value' in v && typeof (v as { type: unknown }).type === 'string';
}

/**
 * A native-view value as JSON: numbers, strings, booleans and null as they are; bigint (64-bit
 * integers past 2^53) as decimal strings; Date as an ISO string; binary as `{"base64": ...}`;
 * Map as `[[key, value], ...]`; values with no JavaScript form (decimals, described) in the
 * simplified composite JSON form (`{"type": ..., "value": ...}`).
 */
export function toJsonValue(v: NativeValue): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return { base64: base64(v) };
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return [...v].map(([k, x]) => [toJsonValue(k), toJsonValue(x)]);
  if (isTyped(v)) return toCompositeJson(v, { simplified: true }) as Json;
  const out: { [key: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x as NativeValue);
  return out;
}

function mapToJson(m: Readonly<Record<string, NativeValue>>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(m)) out[k] = toJsonValue(v);
  return out;
}

/** The body as JSON fields: `body` plus `bodyEncoding` (text, base64 or json). */
export function bodyJson(b: RecordBody): { body: Json; bodyEncoding: 'text' | 'base64' | 'json' } {
  switch (b.kind) {
    case 'text': return { body: b.text, bodyEncoding: 'text' };
    case 'value': return { body: toJsonValue(b.value), bodyEncoding: 'json' };
    case 'bytes': {
      const text = utf8Text(b.bytes);
      return text === undefined ? { body: base64(b.bytes), bodyEncoding: 'base64' } : { body: text, bodyEncoding: 'text' };
    }
  }
}

/** One JSON line (no trailing newline) for a received message; the schema is in docs/CLI.md. */
export function formatJsonLine(r: MessageRecord): string {
  const out: { [key: string]: Json } = { protocol: r.protocol, address: r.address, ...bodyJson(r.body) };
  if (r.bodyType !== undefined) out.bodyType = r.bodyType;
  if (r.properties !== undefined) out.properties = mapToJson(r.properties);
  if (r.headers !== undefined) out.headers = { ...r.headers };
  if (r.applicationProperties !== undefined) out.applicationProperties = mapToJson(r.applicationProperties);
  if (r.messageAnnotations !== undefined) out.messageAnnotations = mapToJson(r.messageAnnotations);
  return JSON.stringify(out);
}

/** STOMP headers every MESSAGE carries; the readable line leaves them out. */
const STOMP_PROTOCOL_HEADERS = new Set(['destination', 'message-id', 'subscription', 'ack', 'content-length', 'content-type', 'receipt']);

const shown = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * A readable line: `[n] body  {k=v, ...}` with the body as text (escaped when it spans lines),
 * `<N bytes, base64 ...>` when binary, JSON for other AMQP values; then the application
 * properties (AMQP) or the non-protocol headers (STOMP).
 */
export function formatTextLine(r: MessageRecord, n: number): string {
  const b = bodyJson(r.body);
  let body: string;
  if (b.bodyEncoding === 'base64') {
    const size = r.body.kind === 'bytes' ? r.body.bytes.length : 0;
    const text = String(b.body);
    body = `<${size} bytes, base64 ${text.length > 60 ? `${text.slice(0, 60)}...` : text}>`;
  } else if (b.bodyEncoding === 'json') {
    body = JSON.stringify(b.body);
  } else {
    const text = String(b.body);
    body = /[\r\n\t]/.test(text) ? JSON.stringify(text) : text;
  }
  const pairs: string[] = [];
  if (r.applicationProperties !== undefined) {
    for (const [k, v] of Object.entries(r.applicationProperties)) pairs.push(`${k}=${shown(toJsonValue(v))}`);
  }
  if (r.headers !== undefined) {
    for (const [k, v] of Object.entries(r.headers)) if (!STOMP_PROTOCOL_HEADERS.has(k)) pairs.push(`${k}=${v}`);
  }
  return `[${n}] ${body}${pairs.length > 0 ? `  {${pairs.join(', ')}}` : ''}`;
}

/** Messages per second, rounded for display. */
export function formatRate(count: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return `${count} msg/s`;
  const r = (count * 1000) / elapsedMs;
  return `${r >= 100 ? Math.round(r) : r.toFixed(1)} msg/s`;
}

/** Counts of outcomes by state. */
export type OutcomeCounts = Readonly<Record<SendState, number>>;

/**
 * The send summary: `sent 10 messages to ADDRESS in 0.52 s (19.2 msg/s): accepted 10, rejected 0,
 * released 0, modified 0`; at-most-once reports `unconfirmed N` instead of the outcomes.
 */
export function formatSendSummary(o: { sent: number; address: string; elapsedMs: number; counts: OutcomeCounts; settle: SettleMode }): string {
  const head = `sent ${o.sent} message${o.sent === 1 ? '' : 's'} to ${o.address} in ${(o.elapsedMs / 1000).toFixed(2)} s (${formatRate(o.sent, o.elapsedMs)})`;
  const c = o.counts;
  const tail = o.settle === 'at-most-once' && c.accepted + c.rejected + c.released + c.modified === 0
    ? `unconfirmed ${c.sent}`
    : `accepted ${c.accepted}, rejected ${c.rejected}, released ${c.released}, modified ${c.modified}${c.sent > 0 ? `, unconfirmed ${c.sent}` : ''}`;
  return `${head}: ${tail}`;
}

/**
 * One progress line (no newline): with a total, a bar and a percentage; without, a counter.
 * `width` is the terminal width; the bar takes what the text leaves.
 */
export function renderProgress(p: { label: string; done: number; total?: number; elapsedMs: number; width: number }): string {
  const rate = formatRate(p.done, p.elapsedMs);
  if (p.total === undefined || p.total <= 0) return `${p.label} ${p.done} messages  ${rate}`.slice(0, Math.max(0, p.width - 1));
  const frac = Math.min(1, p.done / p.total);
  const text = ` ${p.done}/${p.total} ${String(Math.floor(frac * 100)).padStart(3)}%  ${rate}`;
  const room = p.width - 1 - p.label.length - 3 - text.length;
  if (room < 5) return `${p.label}${text}`.slice(0, Math.max(0, p.width - 1));
  const barWidth = Math.min(40, room);
  const filled = Math.round(frac * barWidth);
  return `${p.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${text}`;
}
