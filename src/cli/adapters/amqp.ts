/**
 * AMQP 1.0 behind the CLI's adapter interface: --property becomes application-properties,
 * --header a field of the properties or header section, text bodies an amqp-value string and
 * file bodies a data section.
 */
import { concat, map, of, type Observable } from 'rxjs';
// The public entry, which installs Node's transports (see src/transport/platform.ts).
import { connect, type Message, type NativeValue, type Outcome, type ReceivedMessage } from '../../amqp/index.js';
import { UsageError } from '../errors.js';
import type { MessageRecord, RecordBody } from '../format.js';
import { whileConnected } from './connected.js';
import type { AckMode, OutgoingMessage, ProtocolAdapter, ReceiveEvent, ReceiveOptions, SendOutcome, SettleMode } from './types.js';

/** --header names (kebab-case as in the specification, or camelCase) and their value types. */
const HEADER_FIELDS: Readonly<Record<string, 'string' | 'uint'>> = {
  messageId: 'string', correlationId: 'string', subject: 'string', replyTo: 'string', to: 'string',
  groupId: 'string', groupSequence: 'uint', replyToGroupId: 'string', contentEncoding: 'string',
  priority: 'uint', ttl: 'uint',
};

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The message fields the --header options set, checked and typed. */
export function amqpHeaderFields(headers: Readonly<Record<string, string>>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = camel(k);
    const type = HEADER_FIELDS[name];
    if (type === undefined) {
      throw new UsageError(`unknown AMQP header field "${k}" (known: ${Object.keys(HEADER_FIELDS).join(', ')}); use --property for application properties`, 'rx-mq send');
    }
    if (type === 'uint') {
      if (!/^\d+$/.test(v) || (name === 'priority' && Number(v) > 255) || Number(v) > 0xffffffff) {
        throw new UsageError(`AMQP header field "${k}" needs a whole number${name === 'priority' ? ' from 0 to 255' : ''}, got "${v}"`, 'rx-mq send');
      }
      out[name] = Number(v);
    } else {
      out[name] = v;
    }
  }
  return out;
}

/** The library Message for one CLI message. */
export function toAmqpMessage(m: OutgoingMessage): Message {
  return {
    ...amqpHeaderFields(m.headers),
    body: m.body,
    contentType: m.contentType,
    durable: m.durable ? true : undefined,
    applicationProperties: Object.keys(m.properties).length > 0 ? m.properties : undefined,
  };
}

function describeOutcome(o: Outcome): SendOutcome {
  const error = o.state === 'rejected' ? o.error : undefined;
  const detail = error === undefined ? undefined : `${error.condition}${error.description ? `: ${error.description}` : ''}`;
  return detail === undefined ? { state: o.state } : { state: o.state, detail };
}

const PROPERTY_FIELDS = [
  'durable', 'priority', 'ttl', 'firstAcquirer', 'deliveryCount', 'messageId', 'userId', 'to', 'subject', 'replyTo',
  'correlationId', 'contentType', 'contentEncoding', 'absoluteExpiryTime', 'creationTime', 'groupId', 'groupSequence',
  'replyToGroupId',
] as const;

/** A received AMQP message as the neutral record the formatters take. */
export function amqpRecord(m: ReceivedMessage, address: string): MessageRecord {
  const properties: Record<string, NativeValue> = {};
  for (const k of PROPERTY_FIELDS) {
    const v = m[k];
    // Typed uuids (message ids) are NativeValue-compatible typed values.
    if (v !== undefined) properties[k] = v as NativeValue;
  }
  const b = m.body;
  const body: RecordBody = b instanceof Uint8Array && m.bodyType === 'data' ? { kind: 'bytes', bytes: b }
    : typeof b === 'string' ? { kind: 'text', text: b }
    : { kind: 'value', value: b === undefined ? null : b };
  return {
    protocol: 'amqp', address, body, bodyType: m.bodyType, properties,
    applicationProperties: m.applicationProperties, messageAnnotations: m.messageAnnotations,
  };
}

function settler(m: ReceivedMessage, ack: AckMode): () => void {
  switch (ack) {
    case 'auto': return () => undefined;
    case 'manual': return () => { if (!m.settled) m.accept(); };
    case 'release': return () => { if (!m.settled) m.release(); };
    case 'reject': return () => { if (!m.settled) m.reject({ condition: 'rx-mq:rejected', description: 'rejected by rx-mq receive --ack reject' }); };
  }
}

export function amqpAdapter(url: string): ProtocolAdapter {
  return {
    protocol: 'amqp',
    validate(m) { amqpHeaderFields(m.headers); },
    send(address: string, messages: Observable<OutgoingMessage>, settle: SettleMode): Observable<SendOutcome> {
      return whileConnected(url, connect(url), (c) => messages.pipe(
        map(toAmqpMessage),
        c.send(address, { delivery: settle }),
        map(describeOutcome),
      ));
    },
    receive(address: string, o: ReceiveOptions): Observable<ReceiveEvent> {
      const settle = o.ack === 'auto' ? 'auto' : 'manual';
      return whileConnected(url, connect(url), (c) => {
        const source = o.fetch !== undefined
          ? c.fetch(address, { count: o.fetch.count, timeout: o.fetch.timeout, settle })
          : c.receive(address, { credit: o.credit, settle });
        return concat(
          of({ kind: 'ready' } as const),
          source.pipe(map((m): ReceiveEvent => ({ kind: 'message', item: { record: amqpRecord(m, address), settle: settler(m, o.ack) } }))),
        );
      });
    },
  };
}
