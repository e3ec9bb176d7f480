/**
 * A JMS selector over the broker's stored messages: what each identifier means for an AMQP
 * message (the JMS header fields from the header and properties sections, every other name from
 * the application properties), evaluated with selector-eval.ts. Messages that do not decode are
 * never selected (they stay for consumers without a selector).
 *
 * | identifier          | AMQP field                                         | type               |
 * |---------------------|----------------------------------------------------|--------------------|
 * | `JMSPriority`       | header.priority (4 when absent)                    | exact              |
 * | `JMSDeliveryMode`   | header.durable: `'PERSISTENT'` / `'NON_PERSISTENT'`| string             |
 * | `JMSRedelivered`    | delivery-count > 0                                 | boolean            |
 * | `JMSXDeliveryCount` | delivery-count + 1                                 | exact              |
 * | `JMSMessageID`      | properties.message-id, as text                     | string             |
 * | `JMSCorrelationID`  | properties.correlation-id, as text                 | string             |
 * | `JMSType`           | message annotation `x-opt-jms-type`, else properties.subject | string   |
 * | `JMSTimestamp`      | properties.creation-time (ms since the epoch)      | exact              |
 * | `JMSExpiration`     | properties.absolute-expiry-time (0 when absent)    | exact              |
 * | `JMSDestination`    | properties.to                                      | string             |
 * | `JMSReplyTo`        | properties.reply-to                                | string             |
 * | `JMSXUserID`        | properties.user-id (UTF-8)                         | string             |
 * | `JMSXGroupID`       | properties.group-id                                | string             |
 * | `JMSXGroupSeq`      | properties.group-sequence                          | exact              |
 * | any other name      | application-properties[name]                       | by its AMQP type   |
 */
import type { AmqpValue } from '../amqp/codec/types.js';
import { decodeSections, type DecodedSections } from '../amqp/frames/sections.js';
import type { StoredMessage } from './message.js';
import { selects, type IdentifierLookup } from './selector-eval.js';
import { parseSelector, type SelectorExpr, type SelectorValue } from './selector-parser.js';
import { valueText } from './stomp-mapping.js';

export { SelectorError } from './selector-parser.js';

/** A compiled selector: parse once, test many messages. */
export class MessageSelector {
  private readonly expr: SelectorExpr;

  /** @throws SelectorError when `text` is not a valid selector. */
  constructor(readonly text: string) {
    this.expr = parseSelector(text);
  }

  /**
   * Verdicts by payload, with the delivery count they were made for (`count * 2 + selected`): a
   * queue offers a waiting message to its consumers on every pump, and the answer only changes
   * with the bytes or the count.
   */
  private readonly verdicts = new WeakMap<Uint8Array, number>();

  /** Whether the selector is TRUE for this message (false when it does not decode). */
  matches(m: StoredMessage): boolean {
    const known = this.verdicts.get(m.payload);
    if (known !== undefined && known >>> 1 === m.deliveryCount) return (known & 1) === 1;
    let ok: boolean;
    try {
      ok = selects(this.expr, lookupIn(sectionsOf(m.payload), m.deliveryCount));
    } catch {
      ok = false;
    }
    this.verdicts.set(m.payload, m.deliveryCount * 2 + (ok ? 1 : 0));
    return ok;
  }
}

/**
 * The scanned sections of a payload, kept while the payload lives: a message tested by several
 * selectors (topic subscriptions, consumers passing it over) is scanned once.
 */
const scanned = new WeakMap<Uint8Array, DecodedSections>();

function sectionsOf(payload: Uint8Array): DecodedSections {
  let s = scanned.get(payload);
  if (s === undefined) {
    s = decodeSections(payload);
    scanned.set(payload, s);
  }
  return s;
}

const utf8 = new TextDecoder();

type Field = (s: DecodedSections, deliveryCount: number) => SelectorValue;

const text = (v: AmqpValue | undefined): SelectorValue => (v === undefined || v.type === 'null' ? null : valueText(v));
const exact = (v: number | bigint | undefined): SelectorValue => (v === undefined ? null : BigInt(v));

/** The JMS header fields (JMS 2.0 section 3.4 and the JMSX properties of 3.5.9). */
const FIELDS: Readonly<Record<string, Field>> = {
  JMSPriority: (s) => BigInt(s.header?.priority ?? 4),
  JMSDeliveryMode: (s) => (s.header?.durable === true ? 'PERSISTENT' : 'NON_PERSISTENT'),
  JMSRedelivered: (s, n) => Math.max(n, s.header?.deliveryCount ?? 0) > 0,
  JMSXDeliveryCount: (s, n) => BigInt(Math.max(n, s.header?.deliveryCount ?? 0) + 1),
  JMSMessageID: (s) => text(s.properties?.messageId),
  JMSCorrelationID: (s) => text(s.properties?.correlationId),
  JMSType: (s) => annotation(s, 'x-opt-jms-type') ?? s.properties?.subject ?? null,
  JMSTimestamp: (s) => exact(s.properties?.creationTime),
  JMSExpiration: (s) => s.properties?.absoluteExpiryTime ?? 0n,
  JMSDestination: (s) => text(s.properties?.to),
  JMSReplyTo: (s) => text(s.properties?.replyTo),
  JMSXUserID: (s) => (s.properties?.userId === undefined ? null : utf8.decode(s.properties.userId)),
  JMSXGroupID: (s) => s.properties?.groupId ?? null,
  JMSXGroupSeq: (s) => exact(s.properties?.groupSequence),
};

function annotation(s: DecodedSections, key: string): string | undefined {
  for (const [k, v] of s.messageAnnotations?.value ?? []) {
    if ((k.type === 'symbol' || k.type === 'string') && k.value === key) return v.type === 'string' || v.type === 'symbol' ? v.value : undefined;
  }
  return undefined;
}

function lookupIn(s: DecodedSections, deliveryCount: number): IdentifierLookup {
  return (name) => {
    const field = Object.prototype.hasOwnProperty.call(FIELDS, name) ? FIELDS[name] : undefined;
    if (field !== undefined) return field(s, deliveryCount);
    for (const [k, v] of s.applicationProperties?.value ?? []) {
      if (k.type === 'string' && k.value === name) return propertyValue(v);
    }
    return null;
  };
}

/** An application property as a selector value: JMS's property types; anything else is unknown. */
function propertyValue(v: AmqpValue): SelectorValue {
  switch (v.type) {
    case 'string': case 'symbol': return v.value;
    case 'boolean': return v.value;
    case 'byte': case 'short': case 'int': case 'ubyte': case 'ushort': case 'uint': return BigInt(v.value);
    case 'long': case 'ulong': case 'timestamp': return BigInt(v.value);
    case 'float': case 'double': return v.value;
    case 'char': return String.fromCodePoint(v.value);
    default: return null;
  }
}
