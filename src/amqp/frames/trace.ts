/**
 * One-line rendering of frames for protocol traces (in the spirit of PN_TRACE_FRM):
 *
 *   [ch 0] -> @open(0x10) [container-id="c1", max-frame-size=65536, channel-max=255]
 *   [ch 1] <- @transfer(0x14) [handle=0, delivery-id=0, delivery-tag=b"\x00", settled=false] +12 bytes
 *
 * Field names and order come from the definition table; only present fields are shown. SASL
 * credentials never reach a log: initial-response and response render as `<redacted N bytes>`.
 */
import type { AmqpValue } from '../codec/types.js';
import { compositeDefinition } from './composite.js';
import type { Composite } from './definitions.generated.js';
import type { Frame } from './frame.js';
import type { ProtocolHeader } from './protocol-header.js';
import type { FieldDefinition } from './schema.js';

export type TraceDirection = '->' | '<-';

/** Fields holding secrets (SASL PLAIN sends the password in them), as `kind.field`. */
const REDACTED: ReadonlySet<string> = new Set(['sasl-init.initialResponse', 'sasl-response.response']);

const MAX_BINARY_SHOWN = 64;

/** Renders a frame, heartbeat or protocol header as one line. */
export function formatFrame(event: Frame | ProtocolHeader, direction: TraceDirection = '<-'): string {
  switch (event.type) {
    case 'header':
      return `${direction} ${event.protocol === 'sasl' ? 'SASL' : 'AMQP'} protocol header 1.0.0`;
    case 'heartbeat':
      return `[ch ${event.channel}] ${direction} (empty frame)`;
    default: {
      const tail = event.payload.length > 0 ? ` +${event.payload.length} bytes` : '';
      return `[ch ${event.channel}] ${direction} ${formatComposite(event.performative)}${tail}`;
    }
  }
}

/** `@name(0xcode) [field=value, ...]` for any composite of the table. */
export function formatComposite(c: Composite): string {
  const def = compositeDefinition(c.kind);
  const obj = c as unknown as Readonly<Record<string, unknown>>;
  const parts: string[] = [];
  for (const f of def.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    const shown = REDACTED.has(`${def.name}.${f.name}`) ? redacted(v) : formatField(f, v);
    parts.push(`${f.specName}=${shown}`);
  }
  return `@${def.name}(0x${def.code.toString(16).padStart(2, '0')}) [${parts.join(', ')}]`;
}

function redacted(v: unknown): string {
  return `<redacted ${v instanceof Uint8Array ? v.length : '?'} bytes>`;
}

function formatField(f: FieldDefinition, v: unknown): string {
  if (f.multiple && Array.isArray(v)) return `[${v.map((x) => formatNative(f, x)).join(', ')}]`;
  return formatNative(f, v);
}

function formatNative(f: FieldDefinition, v: unknown): string {
  if (f.enumType !== undefined) return String(v);
  if (isComposite(v)) return formatComposite(v);
  if (f.type === '*' || f.type === 'map') return formatValue(v as AmqpValue);
  switch (typeof v) {
    case 'string': return f.type === 'symbol' ? formatSymbol(v) : JSON.stringify(v);
    case 'number': case 'bigint': case 'boolean': return String(v);
    default: return v instanceof Uint8Array ? formatBinary(v) : String(v);
  }
}

function isComposite(v: unknown): v is Composite {
  return typeof v === 'object' && v !== null && 'kind' in v;
}

/** Any typed value: strings quoted, symbols as :sym, maps as {k=v}, described as @descriptor. */
export function formatValue(v: AmqpValue): string {
  switch (v.type) {
    case 'null': return 'null';
    case 'string': return JSON.stringify(v.value);
    case 'symbol': return formatSymbol(v.value);
    case 'binary': return formatBinary(v.value);
    case 'uuid': return `uuid:${hex(v.value)}`;
    case 'decimal32': case 'decimal64': case 'decimal128': return `${v.type}:${hex(v.value)}`;
    case 'char': return `'${String.fromCodePoint(v.value)}'`;
    case 'timestamp': return `ts:${v.value}`;
    case 'list': return `[${v.value.map(formatValue).join(', ')}]`;
    case 'array': return `@array<${v.elementType}>[${v.value.map(formatValue).join(', ')}]`;
    case 'map': return `{${v.value.map(([k, x]) => `${formatValue(k)}=${formatValue(x)}`).join(', ')}}`;
    case 'described': {
      const d = v.descriptor;
      const name = d.type === 'ulong' ? `0x${d.value.toString(16)}` : formatValue(d);
      return `@${name} ${formatValue(v.value)}`;
    }
    default: return String(v.value);
  }
}

function formatSymbol(s: string): string {
  return /^[\w.:\-/]+$/.test(s) ? `:${s}` : `:${JSON.stringify(s)}`;
}

function formatBinary(b: Uint8Array): string {
  let s = '';
  const n = Math.min(b.length, MAX_BINARY_SHOWN);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return b.length > n ? `b"${s}"...(${b.length} bytes)` : `b"${s}"`;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
