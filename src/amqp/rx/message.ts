/**
 * The application's message: one flat object with camelCase AMQP field names (DESIGN.md), and its
 * conversion to and from the message sections on the wire. Values use the native view
 * (docs/TYPES.md); typed AmqpValues may be used anywhere a value goes, to pick an exact AMQP type.
 */
import { fromNative, toNative, type NativeInput, type NativeValue } from '../codec/native.js';
import type { AmqpMap, AmqpValue } from '../codec/types.js';
import { binary, string as amqpString, symbol, ulong } from '../codec/values.js';
import type { Header, Properties } from '../frames/definitions.generated.js';
import { decodeSections, encodeSectionParts, NOT_DIRECT, encodeSections, encodeStringValueSection, type MessageBody, type MessageSections } from '../frames/sections.js';
import { EncodeError } from '../../errors.js';
import { PAYLOAD_BY_REFERENCE_MIN } from '../engine/output.js';
import { encodeDirect } from './message-direct.js';

/** message-id and correlation-id: string, ulong (number or bigint), uuid (typed) or binary. */
export type MessageId = string | number | bigint | Uint8Array | AmqpValue;

/** How the body travels: one amqp-value, data sections (bytes), or amqp-sequence sections. */
export type BodyType = 'value' | 'data' | 'sequence';

/** A map of annotations or properties in the native view (keys are strings). */
export type PropertyMap = { readonly [key: string]: NativeInput };

/**
 * What a message body may be: a value of the native view, or an object of any declared type. An
 * object typed by an interface has no index signature, so the compiler would not take it as a
 * NativeInput map although it encodes as one; its fields are checked when the message is encoded
 * (a function, a symbol or a cycle anywhere fails that send with a TypeError).
 */
export type BodyInput = NativeInput | object;

/**
 * A message to send. Every field is optional; `body` is the payload, of type `B`
 * (`Message<Order>`: a body that is an `Order`).
 */
export interface Message<B = BodyInput> {
  /**
   * The payload. A Uint8Array is sent as a data section, anything else as an amqp-value (strings,
   * numbers, objects, arrays, typed values). `bodyType` overrides: 'sequence' takes an array of
   * arrays, 'data' a Uint8Array or an array of them.
   */
  readonly body?: B;
  /** How the body travels; inferred from `body` when absent (see {@link BodyType}). */
  readonly bodyType?: BodyType;
  // properties section
  /** Identifies the message; `send()` fills in a uuid string unless told not to. */
  readonly messageId?: MessageId;
  /** The authenticated user who produced it (brokers may check it). */
  readonly userId?: Uint8Array;
  /** The destination address; needed when sending through the anonymous relay. */
  readonly to?: string;
  /** An application-defined summary, e.g. a message type (the JMS type). */
  readonly subject?: string;
  /** Where replies go. */
  readonly replyTo?: string;
  /** Ties a reply to its request: usually the request's messageId. */
  readonly correlationId?: MessageId;
  /** The MIME type of a data body, e.g. `application/json`. */
  readonly contentType?: string;
  /** The encoding of a data body applied on top of its content type, e.g. `gzip`. */
  readonly contentEncoding?: string;
  /** When the message expires, as an absolute time. */
  readonly absoluteExpiryTime?: Date;
  /** When the message was created. */
  readonly creationTime?: Date;
  /** The group the message belongs to. */
  readonly groupId?: string;
  /** Its position within the group. */
  readonly groupSequence?: number;
  /** The group replies should belong to. */
  readonly replyToGroupId?: string;
  // header section
  /** Ask the broker to keep it across restarts. */
  readonly durable?: boolean;
  /** 0 (lowest) to 255; 4 when absent. Most brokers honour 0-9. */
  readonly priority?: number;
  /** Time to live in milliseconds. */
  readonly ttl?: number;
  /** True when no earlier receiver has acquired this message. */
  readonly firstAcquirer?: boolean;
  /** How many earlier delivery attempts failed. */
  readonly deliveryCount?: number;
  // maps
  /** Application headers: string keys, simple values (what selectors filter on). */
  readonly applicationProperties?: PropertyMap;
  /** Annotations for or from intermediaries (brokers); keys become symbols (e.g. `x-opt-...`). */
  readonly messageAnnotations?: PropertyMap;
  /** Annotations for the next hop only; keys become symbols. */
  readonly deliveryAnnotations?: PropertyMap;
  /** Trailing annotations (hashes, signatures); keys become symbols. */
  readonly footer?: PropertyMap;
}

/**
 * A message as received: the same fields, with values in their native view. `B` is what the body
 * is taken to be (`receive<Order>()`): a claim about the producer that nothing checks, like the
 * type given to `JSON.parse`'s result; by default the native view's `NativeValue`.
 */
// Optional fields say `| undefined` too: the view class reads them through getters that may
// answer undefined, and declarations must agree under exactOptionalPropertyTypes.
export interface InboundMessage<B = NativeValue> {
  /**
   * The payload in the native view: a data section as Uint8Array (several joined), an amqp-value
   * as its native value, amqp-sequence sections as an array of arrays; undefined without a body.
   */
  readonly body: B | undefined;
  /** Which body section the message carried; undefined when it had none. */
  readonly bodyType: BodyType | undefined;
  /** string, number/bigint (ulong), Uint8Array (binary), or the typed uuid (so a reply can echo it exactly). */
  readonly messageId?: MessageId | undefined;
  /** The user the producer authenticated as, if it set it (bytes, as sent). */
  readonly userId?: Uint8Array | undefined;
  /** The destination address the producer set (the anonymous relay routed by it). */
  readonly to?: string | undefined;
  /** The application-defined summary the producer set, e.g. a message type. */
  readonly subject?: string | undefined;
  /** Where replies go. */
  readonly replyTo?: string | undefined;
  /** The id of the message this one answers (same kinds as `messageId`). */
  readonly correlationId?: MessageId | undefined;
  /** The MIME type of a data body. */
  readonly contentType?: string | undefined;
  /** The encoding applied on top of the content type, e.g. `gzip`. */
  readonly contentEncoding?: string | undefined;
  /** When the message expires, as an absolute time. */
  readonly absoluteExpiryTime?: Date | undefined;
  /** When the producer created it. */
  readonly creationTime?: Date | undefined;
  /** The group the message belongs to. */
  readonly groupId?: string | undefined;
  /** Its position within the group. */
  readonly groupSequence?: number | undefined;
  /** The group replies should belong to. */
  readonly replyToGroupId?: string | undefined;
  /** Whether the broker was asked to keep it across restarts (header; absent means false). */
  readonly durable?: boolean | undefined;
  /** 0 (lowest) to 255; absent means 4. */
  readonly priority?: number | undefined;
  /** Time to live in milliseconds, as the header carries it. */
  readonly ttl?: number | undefined;
  /** True when no earlier receiver had acquired this message. */
  readonly firstAcquirer?: boolean | undefined;
  /** How many earlier delivery attempts failed (brokers raise it on released/modified redeliveries). */
  readonly deliveryCount?: number | undefined;
  /** The application's own properties (string keys, simple values). */
  readonly applicationProperties?: { readonly [key: string]: NativeValue } | undefined;
  /** Annotations the broker or producer attached to the message (e.g. `x-opt-...`). */
  readonly messageAnnotations?: { readonly [key: string]: NativeValue } | undefined;
  /** Annotations for this delivery only, set by the sending peer. */
  readonly deliveryAnnotations?: { readonly [key: string]: NativeValue } | undefined;
  /** The footer section (e.g. hashes or signatures over the message). */
  readonly footer?: { readonly [key: string]: NativeValue } | undefined;
}

// ---------------------------------------------------------------------------------------------
// outgoing

const isTyped = (x: unknown): x is AmqpValue =>
  typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && !(x instanceof Date) && 'type' in x && 'value' in x;

function messageIdValue(id: MessageId, field: string): AmqpValue {
  if (typeof id === 'string') return amqpString(id);
  if (typeof id === 'number' || typeof id === 'bigint') {
    try {
      return ulong(id);
    } catch {
      throw new EncodeError(`${field} must be a non-negative 64-bit integer, a string, a uuid or bytes`);
    }
  }
  if (id instanceof Uint8Array) return binary(id);
  if (isTyped(id) && ['string', 'ulong', 'uuid', 'binary'].includes(id.type)) return id;
  throw new EncodeError(`${field} must be a string, ulong, uuid or binary`);
}

const address = (s: string): AmqpValue => amqpString(s);
const ms = (d: Date): bigint => BigInt(d.getTime());

/** Maps whose keys are symbols on the wire (annotations, footer). */
export function symbolKeyed(m: PropertyMap): AmqpMap {
  return { type: 'map', value: Object.entries(m).map(([k, v]) => [symbol(k), fromNative(v)] as const) };
}

/** application-properties: string keys, simple values (the specification forbids compound ones). */
function stringKeyed(m: PropertyMap): AmqpMap {
  return { type: 'map', value: Object.entries(m).map(([k, v]) => [amqpString(k), fromNative(v)] as const) };
}

function bodyOf(m: Message<unknown>): MessageBody | undefined {
  // The compiler takes any object as a body (see BodyInput); fromNative checks it as it converts.
  const b = m.body as NativeInput;
  const type = m.bodyType ?? (b instanceof Uint8Array ? 'data' : 'value');
  if (b === undefined && m.bodyType === undefined) return undefined;
  switch (type) {
    case 'data': {
      const chunks = Array.isArray(b) ? b : [b];
      if (!chunks.every((c) => c instanceof Uint8Array)) throw new EncodeError("bodyType 'data' needs a Uint8Array or an array of them");
      return { kind: 'data', data: chunks as Uint8Array[] };
    }
    case 'sequence': {
      if (!Array.isArray(b) || !b.every((s) => Array.isArray(s))) throw new EncodeError("bodyType 'sequence' needs an array of arrays");
      return { kind: 'sequence', sequences: (b as NativeInput[][]).map((s) => s.map((x) => fromNative(x))) };
    }
    case 'value':
      return { kind: 'value', value: fromNative(b) };
  }
}

/** The sections a Message becomes. */
export function toSections(m: Message<unknown>): MessageSections {
  const header: Omit<Header, 'kind'> | undefined =
    m.durable === undefined && m.priority === undefined && m.ttl === undefined && m.firstAcquirer === undefined && m.deliveryCount === undefined
      ? undefined
      : { durable: m.durable, priority: m.priority, ttl: m.ttl, firstAcquirer: m.firstAcquirer, deliveryCount: m.deliveryCount };
  const hasProps = m.messageId !== undefined || m.userId !== undefined || m.to !== undefined || m.subject !== undefined ||
    m.replyTo !== undefined || m.correlationId !== undefined || m.contentType !== undefined || m.contentEncoding !== undefined ||
    m.absoluteExpiryTime !== undefined || m.creationTime !== undefined || m.groupId !== undefined ||
    m.groupSequence !== undefined || m.replyToGroupId !== undefined;
  const properties: Omit<Properties, 'kind'> | undefined = hasProps ? {
    messageId: m.messageId === undefined ? undefined : messageIdValue(m.messageId, 'messageId'),
    userId: m.userId,
    to: m.to === undefined ? undefined : address(m.to),
    subject: m.subject,
    replyTo: m.replyTo === undefined ? undefined : address(m.replyTo),
    correlationId: m.correlationId === undefined ? undefined : messageIdValue(m.correlationId, 'correlationId'),
    contentType: m.contentType,
    contentEncoding: m.contentEncoding,
    absoluteExpiryTime: m.absoluteExpiryTime === undefined ? undefined : ms(m.absoluteExpiryTime),
    creationTime: m.creationTime === undefined ? undefined : ms(m.creationTime),
    groupId: m.groupId,
    groupSequence: m.groupSequence,
    replyToGroupId: m.replyToGroupId,
  } : undefined;
  return {
    header,
    deliveryAnnotations: m.deliveryAnnotations === undefined ? undefined : symbolKeyed(m.deliveryAnnotations),
    messageAnnotations: m.messageAnnotations === undefined ? undefined : symbolKeyed(m.messageAnnotations),
    properties,
    applicationProperties: m.applicationProperties === undefined ? undefined : stringKeyed(m.applicationProperties),
    body: bodyOf(m),
    footer: m.footer === undefined ? undefined : symbolKeyed(m.footer),
  };
}

/**
 * `m` with `messageId` (a copy made by `Object.assign` and then assigned to, for one shape: see
 * withDefaults in send-options.ts), or `m` itself when there is none to add.
 */
export function withMessageId<B>(m: Message<B>, messageId: string | undefined): Message<B> {
  if (messageId === undefined) return m;
  const out: { -readonly [K in keyof Message<B>]: Message<B>[K] } = Object.assign({}, m);
  out.messageId = messageId;
  return out;
}

/** Encode a Message to the bytes of a transfer. */
export function encodeMessage(m: Message<unknown>): Uint8Array {
  return encodeDirect(m, 0) ?? encodeSections(toSections(m));
}

/**
 * Encode a Message as the pieces of a transfer payload for `SenderLink.send`, which must be called
 * before the next encode: large data bodies are passed by reference (not copied) and go to the
 * socket as they are, and a small message is a view of the encoder's reused buffer, which
 * `send` copies. `messageId`, when given, is written as the message's (the send pump's generated
 * id; `m` has none then).
 */
export function encodeMessageParts(m: Message<unknown>, messageId?: string): Uint8Array | Uint8Array[] {
  if (messageId === undefined && typeof m.body === 'string' && onlyBody(m)) return encodeStringValueSection(m.body, PAYLOAD_BY_REFERENCE_MIN);
  return encodeDirect(m, PAYLOAD_BY_REFERENCE_MIN, messageId) ??
    encodeSectionParts(toSections(withMessageId(m, messageId)), PAYLOAD_BY_REFERENCE_MIN);
}

/**
 * Every field of Message but the body. Typed as a record of all keys, so a field added to Message
 * fails to compile here until it is listed; a test then checks that {@link onlyBody} looks at
 * each of them (so the string-body shortcut cannot drop one).
 */
const NOT_BODY: Readonly<Record<Exclude<keyof Message, 'body'>, true>> = {
  bodyType: true, messageId: true, userId: true, to: true, subject: true, replyTo: true, correlationId: true,
  contentType: true, contentEncoding: true, absoluteExpiryTime: true, creationTime: true, groupId: true,
  groupSequence: true, replyToGroupId: true, durable: true, priority: true, ttl: true, firstAcquirer: true,
  deliveryCount: true, applicationProperties: true, messageAnnotations: true, deliveryAnnotations: true, footer: true,
};
/** @internal For the test of {@link onlyBody}. */
export const NOT_BODY_FIELDS = Object.keys(NOT_BODY) as readonly (keyof Message)[];

/**
 * @internal True when a message sets nothing but its body: its payload is one amqp-value section.
 * Written out field by field: a loop reading `m[key]` over the list makes every read a
 * megamorphic lookup, which cost more (about 1 us a message) than the encoding it saves.
 */
export function onlyBody(m: Message<unknown>): boolean {
  return m.bodyType === undefined && m.messageId === undefined && m.userId === undefined && m.to === undefined &&
    m.subject === undefined && m.replyTo === undefined && m.correlationId === undefined && m.contentType === undefined &&
    m.contentEncoding === undefined && m.absoluteExpiryTime === undefined && m.creationTime === undefined &&
    m.groupId === undefined && m.groupSequence === undefined && m.replyToGroupId === undefined && m.durable === undefined &&
    m.priority === undefined && m.ttl === undefined && m.firstAcquirer === undefined && m.deliveryCount === undefined &&
    m.applicationProperties === undefined && m.messageAnnotations === undefined && m.deliveryAnnotations === undefined &&
    m.footer === undefined;
}

// ---------------------------------------------------------------------------------------------
// incoming

const addressText = (v: AmqpValue | undefined): string | undefined =>
  v === undefined ? undefined : v.type === 'string' || v.type === 'symbol' ? v.value : String(toNative(v));

/** Message ids are string, ulong, uuid or binary: their native views all fit MessageId. */
const idView = (v: AmqpValue | undefined): MessageId | undefined =>
  v === undefined ? undefined : v.type === 'uuid' ? v : (toNative(v) as MessageId);

const date = (v: bigint | undefined): Date | undefined => (v === undefined ? undefined : new Date(Number(v)));

function mapView(m: AmqpMap | undefined): { readonly [key: string]: NativeValue } | undefined {
  if (m === undefined) return undefined;
  const out: { [key: string]: NativeValue } = {};
  for (const [k, v] of m.value) {
    const key = k.type === 'string' || k.type === 'symbol' ? k.value : String(toNative(k));
    out[key] = toNative(v);
  }
  return out;
}

/** The native form of a body: a data body as one array, a value or sequence as native values. */
function nativeBodyOf(b: MessageBody | undefined): NativeValue | undefined {
  if (b === undefined) return undefined;
  switch (b.kind) {
    case 'value': return toNative(b.value);
    case 'data': return b.data.length === 1 ? b.data[0] : concat(b.data);
    case 'sequence': return b.sequences.map((s) => s.map((x) => toNative(x)));
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Decode transfer bytes to an InboundMessage (sections decode only as fields are read). */
export function decodeMessage<B = NativeValue>(payload: Uint8Array): InboundMessage<B> {
  return new InboundMessageView<B>(payload);
}

/**
 * Reads sections on first access: a consumer that only looks at the body never pays for the
 * properties and annotations, and vice versa.
 */
export class InboundMessageView<B = NativeValue> implements InboundMessage<B> {
  private readonly s;
  /** The body in native form, converted at the first read of `body`. */
  private bodyRead = false;
  private nativeBody: NativeValue | undefined;
  /** The message in `bytes[start, end)` (by default all of `bytes`). */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.s = decodeSections(bytes, start, end);
  }
  get body(): B | undefined {
    if (!this.bodyRead) {
      // A string or bytes body straight from the payload; anything else through its AMQP value.
      const direct = this.s.directBody();
      this.nativeBody = direct === NOT_DIRECT ? nativeBodyOf(this.s.body) : direct;
      this.bodyRead = true;
    }
    // B is the caller's claim about the body (see InboundMessage): not checked.
    return this.nativeBody as B | undefined;
  }
  /** Known from the scan: the body need not be converted to tell its kind. */
  get bodyType(): BodyType | undefined { return this.s.bodyKind; }
  get messageId(): MessageId | undefined { return idView(this.s.properties?.messageId); }
  get userId() { return this.s.properties?.userId; }
  get to() { return addressText(this.s.properties?.to); }
  get subject() { return this.s.properties?.subject; }
  get replyTo() { return addressText(this.s.properties?.replyTo); }
  get correlationId(): MessageId | undefined { return idView(this.s.properties?.correlationId); }
  get contentType() { return this.s.properties?.contentType; }
  get contentEncoding() { return this.s.properties?.contentEncoding; }
  get absoluteExpiryTime() { return date(this.s.properties?.absoluteExpiryTime); }
  get creationTime() { return date(this.s.properties?.creationTime); }
  get groupId() { return this.s.properties?.groupId; }
  get groupSequence() { return this.s.properties?.groupSequence; }
  get replyToGroupId() { return this.s.properties?.replyToGroupId; }
  get durable() { return this.s.header?.durable; }
  get priority() { return this.s.header?.priority; }
  get ttl() { return this.s.header?.ttl; }
  get firstAcquirer() { return this.s.header?.firstAcquirer; }
  get deliveryCount() { return this.s.header?.deliveryCount; }
  get applicationProperties() { return mapView(this.s.applicationProperties); }
  get messageAnnotations() { return mapView(this.s.messageAnnotations); }
  get deliveryAnnotations() { return mapView(this.s.deliveryAnnotations); }
  get footer() { return mapView(this.s.footer); }
  /** The message in plain JSON-friendly form (all fields read). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of MESSAGE_FIELDS) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  /**
   * What `console.log(message)` and `util.inspect` show in Node: the message's fields, not the
   * section scanner and buffers behind them. A symbol from the global registry, so that this
   * stays platform-neutral (browsers ignore it).
   */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
  }
}

/** Every field of the flat message, in the order of the sections. */
export const MESSAGE_FIELDS = [
  'durable', 'priority', 'ttl', 'firstAcquirer', 'deliveryCount', 'deliveryAnnotations', 'messageAnnotations',
  'messageId', 'userId', 'to', 'subject', 'replyTo', 'correlationId', 'contentType', 'contentEncoding',
  'absoluteExpiryTime', 'creationTime', 'groupId', 'groupSequence', 'replyToGroupId', 'applicationProperties',
  'bodyType', 'body', 'footer',
] as const;
