/**
 * Message sections (messaging section 3.2), driven by the generated SECTIONS table: header,
 * delivery-annotations, message-annotations, properties, application-properties, the body
 * (one or more data, one or more amqp-sequence, or one amqp-value) and footer, in that order.
 *
 * Decoding is lazy: the payload is scanned once to find each section's boundaries (sizes only,
 * nothing converted), and a section is decoded the first time it is asked for. A receiver that
 * only needs the body never converts annotations or properties. Data bodies are views of the
 * payload, not copies.
 */
import { DecodeError, EncodeError } from '../../errors.js';
import { Code } from '../codec/constructors.js';
import { ByteReader, readValue, utf8Text } from '../codec/decoder.js';
import { encode, writeStringValue, writeValue } from '../codec/encoder.js';
import type { AmqpMap, AmqpValue } from '../codec/types.js';
import { ulong } from '../codec/values.js';
import { ByteWriter } from '../codec/writer.js';
import { compositeFromValue, writeComposite } from './composite.js';
import { SECTIONS, type Header, type Properties, type SectionName } from './definitions.generated.js';
import type { SectionDefinition } from './schema.js';

export type MessageBody =
  | { readonly kind: 'data'; readonly data: readonly Uint8Array[] }
  | { readonly kind: 'sequence'; readonly sequences: readonly (readonly AmqpValue[])[] }
  | { readonly kind: 'value'; readonly value: AmqpValue };

export type BodyKind = MessageBody['kind'];

/** A message as sections. Header and properties may omit `kind` when written. */
export interface MessageSections {
  readonly header?: Omit<Header, 'kind'>;
  readonly deliveryAnnotations?: AmqpMap;
  readonly messageAnnotations?: AmqpMap;
  readonly properties?: Omit<Properties, 'kind'>;
  readonly applicationProperties?: AmqpMap;
  readonly body?: MessageBody;
  readonly footer?: AmqpMap;
}

type SlotKey = Exclude<keyof MessageSections, 'body'>;

/** Where each section lives in MessageSections: a named slot, or one kind of body. */
interface SectionInfo {
  readonly def: SectionDefinition;
  readonly name: SectionName;
  /** Position in the section order; the three body kinds share one rank. */
  readonly rank: number;
  readonly slot?: SlotKey;
  readonly bodyKind?: BodyKind;
  /** 0x00 constructor and ulong descriptor, encoded once. */
  readonly descriptorBytes: Uint8Array;
}

const BODY_KINDS: Readonly<Partial<Record<SectionName, BodyKind>>> = {
  data: 'data', 'amqp-sequence': 'sequence', 'amqp-value': 'value',
};

const camel = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

const INFOS: readonly SectionInfo[] = (() => {
  const out: SectionInfo[] = [];
  let rank = 0;
  let bodyRank = -1;
  for (const def of SECTIONS) {
    const bodyKind = BODY_KINDS[def.name];
    let r: number;
    if (bodyKind === undefined) r = rank++;
    else {
      if (bodyRank < 0) bodyRank = rank++;
      r = bodyRank;
    }
    const d = encode(ulong(def.code));
    const descriptorBytes = new Uint8Array(d.length + 1);
    descriptorBytes[0] = Code.described;
    descriptorBytes.set(d, 1);
    out.push({
      def, name: def.name, rank: r, descriptorBytes,
      ...(bodyKind === undefined ? { slot: camel(def.name) as SlotKey } : { bodyKind }),
    });
  }
  return out;
})();

const BY_CODE = new Map<bigint, SectionInfo>(INFOS.map((i) => [BigInt(i.def.code), i]));
/** Sections by the one-byte code of their usual `smallulong` descriptor (0x70-0x78). */
const BY_SMALL_CODE: (SectionInfo | undefined)[] = [];
for (const i of INFOS) BY_SMALL_CODE[i.def.code] = i;
const BY_NAME = new Map<SectionName, SectionInfo>(INFOS.map((i) => [i.name, i]));
const BY_SYMBOL = new Map<string, SectionInfo>(INFOS.map((i) => [i.def.symbol, i]));

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Called with a data section's bytes instead of copying them, once the writer holds everything
 * before them (the section's descriptor and size included).
 */
export type DataByReference = (data: Uint8Array) => void;

/**
 * Append the sections of a message, in specification order. With `byRef`, data sections of at
 * least `byRefMin` bytes are not copied: the writer gets their header and `byRef` the bytes.
 */
export function writeSections(w: ByteWriter, m: MessageSections, byRef?: DataByReference, byRefMin = BY_REFERENCE_MIN): void {
  for (const info of INFOS) {
    if (info.slot !== undefined) {
      const v = m[info.slot];
      if (v !== undefined) writeSection(w, info, v);
    } else if (m.body !== undefined && m.body.kind === info.bodyKind) {
      const b = m.body;
      if (b.kind === 'data') {
        for (const d of b.data) {
          if (byRef !== undefined && d instanceof Uint8Array && d.length >= byRefMin) {
            w.bytes(info.descriptorBytes);
            w.u8(Code.vbin32);
            w.u32(d.length);
            byRef(d);
          } else {
            writeSection(w, info, d);
          }
        }
      } else if (b.kind === 'sequence') for (const s of b.sequences) writeSection(w, info, s);
      else writeSection(w, info, b.value);
    }
  }
}

/** Data sections from this size on travel by reference in `encodeSectionParts`. */
export const BY_REFERENCE_MIN = 4096;

/** One writer reused by every encode: encoding never calls out, so it is never re-entered. */
let scratch = new ByteWriter(1024);

/** Encode a message's sections to fresh bytes. */
export function encodeSections(m: MessageSections): Uint8Array {
  const w = scratch;
  w.reset();
  try {
    writeSections(w, m);
    return w.toBytes();
  } finally {
    releaseScratch();
  }
}

/**
 * Encode a message's sections as the pieces of one payload, in order: fresh bytes for everything
 * but large data sections, which are the caller's own Uint8Arrays (not copied; they must not
 * change until written). One piece when there is no large data section; when that piece is
 * shorter than `viewBelow` bytes it is a view of a shared writer, valid only until the next
 * encode (for callers that copy it right away, as `SenderLink.send` does below 16 KiB).
 */
export function encodeSectionParts(m: MessageSections, viewBelow = 0): Uint8Array | Uint8Array[] {
  const w = scratch;
  w.reset();
  let parts: Uint8Array[] | undefined;
  try {
    writeSections(w, m, (data) => {
      parts ??= [];
      parts.push(w.toBytes(), data);
      w.reset();
    });
    // A view of the shared writer (valid until the next encode) for callers that copy it at once.
    if (parts === undefined) return w.pos < viewBelow ? scratchView(w) : w.toBytes();
    if (w.pos > 0) parts.push(w.toBytes());
    return parts;
  } finally {
    releaseScratch();
  }
}

const VALUE_DESCRIPTOR = (INFOS.find((i) => i.name === 'amqp-value') as SectionInfo).descriptorBytes;

/**
 * The payload of a message that is only a string body: its amqp-value section, the same bytes
 * `encodeSectionParts` writes for `{ body: { kind: 'value', value: string } }`, without the
 * section objects. Below `viewBelow` bytes a view of the shared writer, as there.
 */
export function encodeStringValueSection(s: string, viewBelow = 0): Uint8Array {
  const w = scratch;
  w.reset();
  try {
    w.bytes(VALUE_DESCRIPTOR);
    writeStringValue(w, s);
    return w.pos < viewBelow ? scratchView(w) : w.toBytes();
  } finally {
    releaseScratch();
  }
}

/** The descriptor bytes (0x00, smallulong code) that begin a section of this name. */
export function sectionDescriptor(name: SectionName): Uint8Array {
  return (BY_NAME.get(name) as SectionInfo).descriptorBytes;
}

/**
 * @internal For encoders of whole payloads written straight from a message (rx/message-direct.ts):
 * the shared writer, reset. Pair it with {@link scratchPayload} and, in a finally,
 * {@link releaseScratch}.
 */
export function scratchWriter(): ByteWriter {
  scratch.reset();
  return scratch;
}

/** @internal What the shared writer holds, as `encodeSectionParts` returns one piece (a view below `viewBelow`). */
export function scratchPayload(w: ByteWriter, viewBelow: number): Uint8Array {
  return w.pos < viewBelow ? scratchView(w) : w.toBytes();
}

/** Payloads below this size get their view of the scratch writer from `views`. */
const CACHED_VIEWS_BELOW = 256;
/** Views of the first n bytes of `viewsOf` (the scratch writer's buffer), by n, made on first use. */
let views: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHED_VIEWS_BELOW);
let viewsOf: Uint8Array | undefined;

/**
 * A view of what the scratch writer holds. A small message's view is made once per length and
 * reused (the contract is already "valid until the next encode"): a typed array made per message
 * sent costs more than encoding a short body.
 */
function scratchView(w: ByteWriter): Uint8Array {
  const n = w.pos;
  if (n >= CACHED_VIEWS_BELOW) return w.buf.subarray(0, n);
  if (viewsOf !== w.buf) {
    views = new Array<Uint8Array | undefined>(CACHED_VIEWS_BELOW);
    viewsOf = w.buf;
  }
  return (views[n] ??= w.buf.subarray(0, n));
}

/** Keep the scratch writer small: one huge value body must not pin megabytes. */
export function releaseScratch(): void {
  if (scratch.buf.length > 64 * 1024) scratch = new ByteWriter(1024);
  else scratch.reset();
}

function writeSection(w: ByteWriter, info: SectionInfo, v: unknown): void {
  switch (info.def.source) {
    case 'composite':
      // The section's composite has the section's name (header, properties).
      // `kind` first: a spread followed by more properties makes a new map per object in V8.
      return writeComposite(w, { kind: info.name, ...(v as object) } as Header | Properties);
    case 'map': {
      const m = v as AmqpValue;
      if (m.type !== 'map') throw new EncodeError(`${info.name} must be an AmqpMap, got ${m.type}`);
      w.bytes(info.descriptorBytes);
      return writeValue(w, m);
    }
    case 'binary':
      if (!(v instanceof Uint8Array)) throw new EncodeError(`${info.name} must be a Uint8Array`);
      w.bytes(info.descriptorBytes);
      return writeValue(w, { type: 'binary', value: v });
    case 'list':
      if (!Array.isArray(v)) throw new EncodeError(`${info.name} must be an array of AMQP values`);
      w.bytes(info.descriptorBytes);
      return writeValue(w, { type: 'list', value: v as readonly AmqpValue[] });
    case '*':
      w.bytes(info.descriptorBytes);
      return writeValue(w, v as AmqpValue);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** One section as found in the payload: its name and bytes (descriptor included). */
export interface RawSection {
  readonly name: SectionName;
  readonly bytes: Uint8Array;
  /** Offset of the section within the payload. */
  readonly offset: number;
  /** Offset of the section's value (after the descriptor) within `bytes`. */
  readonly valueOffset: number;
}

/**
 * A section found by the scan. It keeps offsets only, into the buffer the payload lies in, so a
 * receiver that reads one field of a message allocates no view per section. The sections of a
 * payload are chained in order (`next`), which spares an array for the usual one or two.
 */
class ScannedSection {
  next: ScannedSection | undefined;

  constructor(
    /** The buffer the payload lies in (not only the payload). */
    readonly buf: Uint8Array,
    readonly info: SectionInfo,
    /** Where the section starts in `buf`. */
    readonly start: number,
    /** Exclusive end of the section in `buf`. */
    readonly end: number,
    /** Offset of the section's value from its start (the descriptor's length). */
    readonly valueOffset: number,
  ) {}
}

/**
 * Scan a transfer payload (all frames of a delivery joined) into its sections, checking the
 * descriptors but converting nothing. Liberal about order, as Qpid Proton is: the specification
 * orders the sections (header, delivery-annotations, message-annotations, properties,
 * application-properties, body, footer), and we always write them so, but peers do not all read
 * it so (uamqp 1.5.3 writes delivery annotations after application properties, rhea and uamqp a
 * footer before the body). Refused still: a section other than the body twice, a body that mixes
 * kinds, two amqp-value sections, and data or sequence sections split by another section. The payload is `bytes[start, end)`: a
 * receiver passes the buffer its frame arrived in, and no view of the payload is made unless
 * something asks for one (a typed array costs more to make than the scan). Offsets in errors and
 * in `sections` count from the payload's start.
 */
export function decodeSections(bytes: Uint8Array, start = 0, end = bytes.length): DecodedSections {
  if (start < 0 || end > bytes.length || start > end) throw new RangeError(`payload [${start}, ${end}) is not within ${bytes.length} bytes`);
  try {
    return new DecodedSections(bytes, start, end, scan(bytes, start, end));
  } catch (e) {
    // The scan reports offsets in `bytes`; callers count them from the payload's start.
    throw e instanceof DecodeError && start !== 0 ? new DecodeError(e.reason, e.offset - start) : e;
  }
}

/** The sections of bytes[start, end), chained; error offsets are offsets in `bytes`. */
function scan(payload: Uint8Array, begin: number, end: number): ScannedSection | undefined {
  let first: ScannedSection | undefined;
  let last: ScannedSection | undefined;
  let r: ByteReader | undefined;
  let pos = begin;
  // Liberal about order (see decodeSections): the sections other than the body each at most
  // once, by rank in a bit set; the body one run of sections of one kind.
  let seen = 0;
  /** 0: no body section yet; 1: in the body's run; 2: the run has ended. */
  let bodyState = 0;
  let lastBody: SectionInfo | undefined;
  while (pos < end) {
    const start = pos;
    if (payload[pos] !== Code.described) throw new DecodeError('expected a message section (a described value)', start);
    let info: SectionInfo;
    let valueStart: number;
    if (pos + 2 < end && payload[pos + 1] === Code.smallulong && BY_SMALL_CODE[payload[pos + 2]] !== undefined) {
      // The usual descriptor: smallulong 0x70-0x78.
      info = BY_SMALL_CODE[payload[pos + 2]] as SectionInfo;
      valueStart = pos + 3;
    } else {
      r ??= new ByteReader(payload, begin, end);
      r.pos = pos + 1;
      const descriptor = readValue(r, 1);
      const known = descriptor.type === 'ulong' ? BY_CODE.get(descriptor.value)
        : descriptor.type === 'symbol' ? BY_SYMBOL.get(descriptor.value) : undefined;
      if (known === undefined) throw new DecodeError(`unknown message section descriptor ${describe(descriptor)}`, start);
      info = known;
      valueStart = r.pos;
    }
    if (info.bodyKind === undefined) {
      const bit = 1 << info.rank;
      if ((seen & bit) !== 0) throw new DecodeError(`repeated ${info.name} section`, start);
      seen |= bit;
      if (bodyState === 1) bodyState = 2;
    } else if (lastBody !== undefined) {
      if (lastBody !== info) throw new DecodeError(`${info.name} section after a ${lastBody.name} body`, start);
      if (info.bodyKind === 'value') throw new DecodeError(`repeated ${info.name} section`, start);
      if (bodyState === 2) throw new DecodeError(`${info.name} section apart from the rest of the body`, start);
    } else {
      lastBody = info;
      bodyState = 1;
    }
    const next = skipValue(payload, valueStart, end, 0);
    pos = next;
    const s = new ScannedSection(payload, info, start, next, valueStart - start);
    if (last === undefined) first = s;
    else last.next = s;
    last = s;
  }
  return first;
}

/**
 * How long the message that starts with `first` says it is, up to the end of its first body
 * section, from the sizes in its section headers as far as `first` shows them. Undefined when
 * `first` ends before that body section's size, or when a section does not start with the usual
 * smallulong descriptor. A hint for sizing the array a delivery of several transfers is assembled
 * in, and for nothing else: a peer may state any size.
 */
export function messageSizeHint(first: Uint8Array): number | undefined {
  let pos = 0;
  while (pos + 3 < first.length) {
    if (first[pos] !== Code.described || first[pos + 1] !== Code.smallulong) return undefined;
    const info = BY_SMALL_CODE[first[pos + 2]];
    if (info === undefined) return undefined;
    const end = declaredEnd(first, pos + 3);
    if (end === undefined || info.bodyKind !== undefined) return end;
    pos = end;
  }
  return undefined;
}

/**
 * Where the (not described) value at `pos` says it ends, which may be past `end`. Widths come
 * from the format code's high nibble (types section 1.2: 0x4-0x9 fixed 0/1/2/4/8/16 bytes,
 * 0xa/0xb variable with a 1/4-byte size, 0xc/0xd compound and 0xe/0xf array with a 1/4-byte
 * size). Undefined for another code, or when its size field does not fit before `end`.
 */
function declaredEnd(b: Uint8Array, pos: number, end = b.length): number | undefined {
  if (pos >= end) return undefined;
  const nibble = b[pos] >> 4;
  if (nibble >= 0x4 && nibble <= 0x9) return pos + 1 + FIXED_WIDTHS[nibble - 0x4];
  if (nibble < 0xa) return undefined;
  const sizeWidth = nibble % 2 === 0 ? 1 : 4;
  if (pos + 1 + sizeWidth > end) return undefined;
  const size = sizeWidth === 1 ? b[pos + 1] : ((b[pos + 1] << 24) | (b[pos + 2] << 16) | (b[pos + 3] << 8) | b[pos + 4]) >>> 0;
  return pos + 1 + sizeWidth + size;
}

/** What {@link DecodedSections.directBody} returns for a body it does not read itself. */
export const NOT_DIRECT: unique symbol = Symbol('not direct');

/** Marks a section of {@link DecodedSections} not converted yet (undefined is a valid result). */
const UNREAD: unique symbol = Symbol('unread');

/**
 * Sections decoded on first access. The getters throw DecodeError when a section's content is
 * malformed (the scan only checked its boundaries).
 */
export class DecodedSections {
  readonly bodyKind: BodyKind | undefined;
  /** The buffer the payload lies in, from `start` to `end`. */
  private readonly buf: Uint8Array;
  private readonly start: number;
  private readonly end: number;
  /** The payload as a view, made at the first read of `payload`. */
  private view: Uint8Array | undefined;
  /** The first section found; the others follow through `next`. */
  private readonly first: ScannedSection | undefined;
  /** Converted sections by rank (the body at its kinds' shared rank); made at the first read. */
  private values: unknown[] | undefined;
  /** One reader over the payload for every section converted (a reader makes a view and a DataView). */
  private reader: ByteReader | undefined;

  /** Made by {@link decodeSections}. */
  constructor(buf: Uint8Array, start: number, end: number, first: ScannedSection | undefined) {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.view = start === 0 && end === buf.length ? buf : undefined;
    this.first = first;
    this.bodyKind = this.firstBody()?.info.bodyKind;
  }

  /** The whole payload the sections were scanned from. */
  get payload(): Uint8Array {
    return (this.view ??= this.buf.subarray(this.start, this.end));
  }

  /** The sections in payload order (a new array per call). */
  get sections(): readonly RawSection[] {
    const out: RawSection[] = [];
    for (let s = this.first; s !== undefined; s = s.next) {
      out.push({ name: s.info.name, bytes: s.buf.subarray(s.start, s.end), offset: s.start - this.start, valueOffset: s.valueOffset });
    }
    return out;
  }

  get header(): Header | undefined { return this.slot('header') as Header | undefined; }
  get deliveryAnnotations(): AmqpMap | undefined { return this.slot('delivery-annotations') as AmqpMap | undefined; }
  get messageAnnotations(): AmqpMap | undefined { return this.slot('message-annotations') as AmqpMap | undefined; }
  get properties(): Properties | undefined { return this.slot('properties') as Properties | undefined; }
  get applicationProperties(): AmqpMap | undefined { return this.slot('application-properties') as AmqpMap | undefined; }
  get footer(): AmqpMap | undefined { return this.slot('footer') as AmqpMap | undefined; }

  get body(): MessageBody | undefined {
    const values = (this.values ??= newSlots());
    const cached = values[BODY_RANK];
    if (cached !== UNREAD) return cached as MessageBody | undefined;
    let body: MessageBody | undefined;
    if (this.bodyKind === 'value') {
      // One amqp-value section at most: the scan refuses a second.
      body = { kind: 'value', value: this.convert(this.firstBody() as ScannedSection) as AmqpValue };
    } else if (this.bodyKind !== undefined) {
      // The body sections follow one another (the scan checks the order).
      const parts: unknown[] = [];
      for (let s = this.firstBody(); s !== undefined && s.info.bodyKind !== undefined; s = s.next) parts.push(this.convert(s));
      body = this.bodyKind === 'data' ? { kind: 'data', data: parts as Uint8Array[] } : { kind: 'sequence', sequences: parts as AmqpValue[][] };
    }
    values[BODY_RANK] = body;
    return body;
  }

  /**
   * The body as plain text or bytes, read straight from the payload, when it is one of the
   * commonest shapes: one amqp-value holding a string or binary (a copy), or one data section (a
   * view of the payload). Undefined when there is no body; NOT_DIRECT for any other body (read
   * `body` then). Not cached: this spares the wrappers `body` makes for a reader that only wants
   * the plain value, and the caller keeps what it gets.
   */
  directBody(): string | Uint8Array | undefined | typeof NOT_DIRECT {
    if (this.bodyKind === undefined) return undefined;
    if (this.bodyKind === 'sequence') return NOT_DIRECT;
    const s = this.firstBody() as ScannedSection;
    if (s.next !== undefined && s.next.info.bodyKind !== undefined) return NOT_DIRECT; // several data sections
    return directBytesOrText(s) ?? NOT_DIRECT;
  }

  /**
   * The bare message (properties through application-properties and the body, excluding header,
   * annotations and footer) as one view: what message signatures and hashes cover.
   */
  get bareMessage(): Uint8Array {
    let from = 0;
    let to = 0;
    for (let s = this.first; s !== undefined; s = s.next) {
      if (!isBare(s.info.name)) continue;
      if (to === 0) from = s.start - this.start;
      to = s.end - this.start;
    }
    return this.payload.subarray(from, to);
  }

  /** Every section decoded. */
  toSections(): MessageSections {
    const out: { -readonly [K in keyof MessageSections]: MessageSections[K] } = {};
    if (this.header !== undefined) out.header = this.header;
    if (this.deliveryAnnotations !== undefined) out.deliveryAnnotations = this.deliveryAnnotations;
    if (this.messageAnnotations !== undefined) out.messageAnnotations = this.messageAnnotations;
    if (this.properties !== undefined) out.properties = this.properties;
    if (this.applicationProperties !== undefined) out.applicationProperties = this.applicationProperties;
    if (this.body !== undefined) out.body = this.body;
    if (this.footer !== undefined) out.footer = this.footer;
    return out;
  }

  private slot(name: SectionName): unknown {
    const info = BY_NAME.get(name) as SectionInfo;
    const values = (this.values ??= newSlots());
    const cached = values[info.rank];
    if (cached !== UNREAD) return cached;
    let s = this.first;
    while (s !== undefined && s.info !== info) s = s.next;
    const v = s === undefined ? undefined : this.convert(s);
    values[info.rank] = v;
    return v;
  }

  private firstBody(): ScannedSection | undefined {
    let s = this.first;
    while (s !== undefined && s.info.bodyKind === undefined) s = s.next;
    return s;
  }

  private convert(s: ScannedSection): unknown {
    const direct = directValue(s);
    if (direct !== undefined) return direct;
    // The reader reads the payload's own view, so that error offsets count from its start.
    const r = (this.reader ??= new ByteReader(this.payload));
    const at = s.start - this.start;
    r.pos = at + s.valueOffset;
    r.end = s.end - this.start;
    return sectionValue(r, s.info, at);
  }
}

/** The rank the three body kinds share, and how many ranks there are. */
const BODY_RANK = (INFOS.find((i) => i.bodyKind !== undefined) as SectionInfo).rank;
const RANKS = Math.max(...INFOS.map((i) => i.rank)) + 1;
const newSlots = (): unknown[] => new Array<unknown>(RANKS).fill(UNREAD);

const isBare = (name: SectionName): boolean =>
  name !== 'header' && name !== 'delivery-annotations' && name !== 'message-annotations' && name !== 'footer';

/**
 * The commonest bodies read straight from the payload, without a reader: a data section, and an
 * amqp-value holding a string or binary (the scan has bounded the value to the section's end).
 * Undefined for anything else.
 */
function directValue(s: ScannedSection): unknown {
  const v = directBytesOrText(s);
  if (v === undefined || s.info.def.source === 'binary') return v;
  return typeof v === 'string' ? { type: 'string', value: v } : { type: 'binary', value: v };
}

/**
 * What `directValue` reads, unwrapped: a data section's bytes (a view), an amqp-value's string,
 * or a copy of its binary (as the reader makes). Undefined when the section holds anything else.
 */
function directBytesOrText(s: ScannedSection): string | Uint8Array | undefined {
  const b = s.buf;
  const at = s.start + s.valueOffset;
  const code = b[at];
  const small = code === Code.str8 || code === Code.vbin8;
  if (!small && code !== Code.str32 && code !== Code.vbin32) return undefined;
  const head = small ? 2 : 5;
  const n = small ? b[at + 1] : ((b[at + 1] << 24) | (b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]) >>> 0;
  if (at + head + n !== s.end) return undefined; // let the reader report it
  const isString = code === Code.str8 || code === Code.str32;
  if (s.info.def.source === 'binary') return isString ? undefined : b.subarray(at + head, s.end);
  if (s.info.bodyKind !== 'value') return undefined;
  if (isString) return utf8Text(b, at + head, n);
  return Uint8Array.prototype.slice.call(b, at + head, s.end) as Uint8Array;
}

/**
 * Converts one section to its native form, checking that the value has the section's type. `r`
 * reads the payload, positioned at the section's value and ending with the section, which
 * starts at `at`.
 */
function sectionValue(r: ByteReader, info: SectionInfo, at: number): unknown {
  if (info.def.source === 'binary') {
    // Data sections are returned as views of the payload: message bodies can be large.
    const code = r.u8();
    if (code !== Code.vbin8 && code !== Code.vbin32) throw new DecodeError(`${info.name} section must hold binary`, at);
    const n = code === Code.vbin8 ? r.u8() : r.view.getUint32(r.take(4));
    const p = r.take(n);
    return r.bytes.subarray(p, p + n);
  }
  const v = readValue(r, 1);
  if (r.pos !== r.end) throw new DecodeError(`${info.name} section has trailing bytes`, at);
  switch (info.def.source) {
    case 'composite': {
      const d = { type: 'described', descriptor: ulong(info.def.code), value: v } as const;
      return compositeFromValue(d, at);
    }
    case 'map':
      if (v.type !== 'map') throw new DecodeError(`${info.name} section must hold a map, got ${v.type}`, at);
      return v;
    case 'list':
      if (v.type !== 'list') throw new DecodeError(`${info.name} section must hold a list, got ${v.type}`, at);
      return v.value;
    default:
      return v;
  }
}

function describe(d: AmqpValue): string {
  if (d.type === 'ulong') return `0x${d.value.toString(16)}`;
  if (d.type === 'symbol') return JSON.stringify(d.value);
  return `of type ${d.type}`;
}

const MAX_SKIP_DEPTH = 64;
/** Data widths of the fixed-width format codes 0x4?-0x9?. */
const FIXED_WIDTHS = [0, 1, 2, 4, 8, 16];

/** Returns the end offset of the value at `pos` without converting it (widths: see declaredEnd). */
function skipValue(b: Uint8Array, pos: number, end: number, depth: number): number {
  if (pos >= end) throw new DecodeError('truncated: expected a value', pos);
  const code = b[pos];
  if (code === Code.described) {
    if (depth >= MAX_SKIP_DEPTH) throw new DecodeError(`nesting deeper than ${MAX_SKIP_DEPTH}`, pos);
    const afterDescriptor = skipValue(b, pos + 1, end, depth + 1);
    return skipValue(b, afterDescriptor, end, depth + 1);
  }
  const next = declaredEnd(b, pos, end);
  if (next === undefined) {
    throw code >> 4 >= 0x4 ? new DecodeError('truncated size field', pos)
      : new DecodeError(`unknown format code 0x${code.toString(16).padStart(2, '0')}`, pos);
  }
  if (next > end) throw new DecodeError('value runs past the end of the payload', pos);
  return next;
}
