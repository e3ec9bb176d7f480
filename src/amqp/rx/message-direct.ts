/**
 * The common message written straight to its payload bytes: a string or small bytes body (or none)
 * with a header and properties whose fields are plain values (strings, numbers in range, booleans,
 * Dates). That is every message the default send path makes (a generated string messageId and
 * the application's body), and most request/reply traffic (correlationId, replyTo, subject).
 * The general path builds section objects and walks the definition table by field name; this one
 * reads each field once and writes its bytes, the same bytes (a property test compares them), in
 * a tenth of the time. Anything else (annotations, application properties, typed or numeric ids,
 * user-id, a bodyType, out-of-range numbers) returns undefined, and the general path encodes it,
 * with its own errors for what it refuses.
 */
import { Code } from '../codec/constructors.js';
import { closeCompound, reserveCompound, writeBinary, writeStringValue, writeSymbolValue } from '../codec/encoder.js';
import type { ByteWriter } from '../codec/writer.js';
import { BY_REFERENCE_MIN, releaseScratch, scratchPayload, scratchWriter, sectionDescriptor } from '../frames/sections.js';
import type { Message } from './message.js';

const HEADER = sectionDescriptor('header');
const PROPERTIES = sectionDescriptor('properties');
const VALUE = sectionDescriptor('amqp-value');
const DATA = sectionDescriptor('data');

/**
 * What this encoder does with each field of Message: writes it in the header, the properties or
 * as the body, or leaves the message to the general path when it is set. Typed as a record of
 * every key, so a field added to Message fails to compile here until it is placed; a test checks
 * that each 'general' field set sends the message to the general path.
 */
const PLACES: Readonly<Record<keyof Message, 'header' | 'properties' | 'body' | 'general'>> = {
  durable: 'header', priority: 'header', ttl: 'header', firstAcquirer: 'header', deliveryCount: 'header',
  messageId: 'properties', to: 'properties', subject: 'properties', replyTo: 'properties', correlationId: 'properties',
  contentType: 'properties', contentEncoding: 'properties', absoluteExpiryTime: 'properties', creationTime: 'properties',
  groupId: 'properties', groupSequence: 'properties', replyToGroupId: 'properties',
  body: 'body',
  bodyType: 'general', userId: 'general', applicationProperties: 'general', messageAnnotations: 'general',
  deliveryAnnotations: 'general', footer: 'general',
};
/** @internal For the test that every field is placed. */
export const DIRECT_FIELD_PLACES = PLACES;

/** A list's header, reserved wide and narrowed when it fits (the composite encoder's way). */
const beginList = reserveCompound;
const endList = (w: ByteWriter, start: number, count: number): void => closeCompound(w, start, count, Code.list8, Code.list32);

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isUbyte = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xff;
const isTime = (v: unknown): v is Date => v instanceof Date && Number.isFinite(v.getTime());
const okString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const okBool = (v: unknown): boolean => v === undefined || typeof v === 'boolean';

function writeUint(w: ByteWriter, v: number): void {
  if (v === 0) w.u8(Code.uint0);
  else if (v <= 0xff) { w.u8(Code.smalluint); w.u8(v); } else { w.u8(Code.uint); w.u32(v); }
}

/** A field written as the composite encoder writes it: null when absent. */
function str(w: ByteWriter, v: string | undefined): void {
  if (v === undefined) w.u8(Code.null);
  else writeStringValue(w, v);
}
function sym(w: ByteWriter, v: string | undefined): void {
  if (v === undefined) w.u8(Code.null);
  else writeSymbolValue(w, v);
}
function time(w: ByteWriter, v: Date | undefined): void {
  if (v === undefined) w.u8(Code.null);
  else { w.u8(Code.timestamp); w.i64(BigInt(v.getTime())); }
}

/** True when the message has the shape this encoder writes (every field checked once). */
function direct(m: Message<unknown>): boolean {
  const b = m.body;
  return m.bodyType === undefined && m.userId === undefined && m.applicationProperties === undefined &&
    m.messageAnnotations === undefined && m.deliveryAnnotations === undefined && m.footer === undefined &&
    (b === undefined || typeof b === 'string' || (b instanceof Uint8Array && b.length < BY_REFERENCE_MIN)) &&
    okBool(m.durable) && (m.priority === undefined || isUbyte(m.priority)) && (m.ttl === undefined || isUint(m.ttl)) &&
    okBool(m.firstAcquirer) && (m.deliveryCount === undefined || isUint(m.deliveryCount)) &&
    okString(m.messageId) && okString(m.to) && okString(m.subject) && okString(m.replyTo) && okString(m.correlationId) &&
    okString(m.contentType) && okString(m.contentEncoding) &&
    (m.absoluteExpiryTime === undefined || isTime(m.absoluteExpiryTime)) && (m.creationTime === undefined || isTime(m.creationTime)) &&
    okString(m.groupId) && (m.groupSequence === undefined || isUint(m.groupSequence)) && okString(m.replyToGroupId);
}

function writeHeader(w: ByteWriter, m: Message<unknown>): void {
  // Fields up to the last one set, as the composite encoder trims trailing absent fields.
  const count = m.deliveryCount !== undefined ? 5 : m.firstAcquirer !== undefined ? 4 : m.ttl !== undefined ? 3
    : m.priority !== undefined ? 2 : m.durable !== undefined ? 1 : 0;
  if (count === 0) return;
  w.bytes(HEADER);
  const start = beginList(w);
  w.u8(m.durable === undefined ? Code.null : m.durable ? Code.true : Code.false);
  if (count > 1) {
    if (m.priority === undefined) w.u8(Code.null);
    else { w.u8(Code.ubyte); w.u8(m.priority); }
  }
  if (count > 2) {
    if (m.ttl === undefined) w.u8(Code.null);
    else writeUint(w, m.ttl);
  }
  if (count > 3) w.u8(m.firstAcquirer === undefined ? Code.null : m.firstAcquirer ? Code.true : Code.false);
  if (count > 4) writeUint(w, m.deliveryCount as number);
  endList(w, start, count);
}

function writeProperties(w: ByteWriter, m: Message<unknown>, messageId: string | undefined): void {
  // user-id (index 1) is never set on this path.
  const count = m.replyToGroupId !== undefined ? 13 : m.groupSequence !== undefined ? 12 : m.groupId !== undefined ? 11
    : m.creationTime !== undefined ? 10 : m.absoluteExpiryTime !== undefined ? 9 : m.contentEncoding !== undefined ? 8
      : m.contentType !== undefined ? 7 : m.correlationId !== undefined ? 6 : m.replyTo !== undefined ? 5
        : m.subject !== undefined ? 4 : m.to !== undefined ? 3 : messageId !== undefined ? 1 : 0;
  if (count === 0) return;
  w.bytes(PROPERTIES);
  const start = beginList(w);
  str(w, messageId);
  if (count > 1) w.u8(Code.null);
  if (count > 2) str(w, m.to);
  if (count > 3) str(w, m.subject);
  if (count > 4) str(w, m.replyTo);
  if (count > 5) str(w, m.correlationId as string | undefined);
  if (count > 6) sym(w, m.contentType);
  if (count > 7) sym(w, m.contentEncoding);
  if (count > 8) time(w, m.absoluteExpiryTime);
  if (count > 9) time(w, m.creationTime);
  if (count > 10) str(w, m.groupId);
  if (count > 11) {
    if (m.groupSequence === undefined) w.u8(Code.null);
    else writeUint(w, m.groupSequence);
  }
  if (count > 12) str(w, m.replyToGroupId);
  endList(w, start, count);
}

/**
 * The payload of `m` when it has the common shape (see the module comment), else undefined;
 * `messageId`, when given, is written as its message-id (`m` has none then).
 * Below `viewBelow` bytes it is a view of the shared encode buffer, valid until the next encode
 * (as from `encodeSectionParts`); from there on, fresh bytes.
 */
export function encodeDirect(m: Message<unknown>, viewBelow: number, messageId?: string): Uint8Array | undefined {
  if (!direct(m)) return undefined;
  const w = scratchWriter();
  try {
    writeHeader(w, m);
    writeProperties(w, m, messageId ?? (m.messageId as string | undefined));
    const b = m.body;
    if (typeof b === 'string') {
      w.bytes(VALUE);
      writeStringValue(w, b);
    } else if (b !== undefined) {
      w.bytes(DATA);
      writeBinary(w, b as Uint8Array);
    }
    return scratchPayload(w, viewBelow);
  } finally {
    releaseScratch();
  }
}
