/**
 * The 8-byte protocol headers that open an AMQP 1.0 connection (transport section 2.2) and its
 * SASL layer (security section 5.3): 'AMQP', protocol id, major, minor, revision.
 */
import type { ByteWriter } from '../codec/writer.js';
import { ProtocolHeaderError } from './errors.js';

export type ProtocolId = 'amqp' | 'sasl';

export interface ProtocolHeader {
  readonly type: 'header';
  readonly protocol: ProtocolId;
}

export const PROTOCOL_HEADER_SIZE = 8;
const MAGIC = [0x41, 0x4d, 0x51, 0x50]; // 'AMQP'
/** 'AMQP' read as a frame size: how a protocol header looks to a frame parser. */
export const MAGIC_AS_SIZE = 0x414d5150;

/** Protocol ids we speak, each at version 1.0.0. TLS (id 2) is the transport's job, not ours. */
const PROTOCOL_IDS: Readonly<Record<ProtocolId, number>> = { amqp: 0, sasl: 3 };

export function protocolHeaderBytes(protocol: ProtocolId): Uint8Array {
  return Uint8Array.of(...MAGIC, PROTOCOL_IDS[protocol], 1, 0, 0);
}

export function writeProtocolHeader(w: ByteWriter, protocol: ProtocolId): void {
  w.bytes(protocolHeaderBytes(protocol));
}

/**
 * Fails early when the first bytes already cannot start 'AMQP', so that a peer answering with
 * HTTP or a banner is reported at once rather than after 8 bytes arrive.
 */
export function checkProtocolHeaderPrefix(bytes: Uint8Array, offset = 0): void {
  const n = Math.min(bytes.length, 4);
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ProtocolHeaderError(bytes.slice(0, 8), describePeerProtocol(bytes), offset);
  }
}

/** Parses 8 header bytes; anything but AMQP 1.0.0 or SASL 1.0.0 is a ProtocolHeaderError. */
export function parseProtocolHeader(bytes: Uint8Array, offset = 0): ProtocolHeader {
  const b = bytes.subarray(0, PROTOCOL_HEADER_SIZE);
  checkProtocolHeaderPrefix(b, offset);
  if (b.length < PROTOCOL_HEADER_SIZE) throw new ProtocolHeaderError(b.slice(), 'a truncated header', offset);
  if (b[5] === 1 && b[6] === 0 && b[7] === 0) {
    if (b[4] === PROTOCOL_IDS.amqp) return { type: 'header', protocol: 'amqp' };
    if (b[4] === PROTOCOL_IDS.sasl) return { type: 'header', protocol: 'sasl' };
  }
  throw new ProtocolHeaderError(b.slice(), describePeerProtocol(b), offset);
}

/** A human description of what a peer sent instead of an AMQP 1.0 header. */
export function describePeerProtocol(b: Uint8Array): string {
  const ascii = String.fromCharCode(...b.subarray(0, 8));
  if (ascii.startsWith('HTTP')) return 'an HTTP response';
  if (!ascii.startsWith('AMQP') || b.length < 8) return `unknown bytes "${ascii.replace(/[^\x20-\x7e]/g, '.')}"`;
  const [id, major, minor, rev] = [b[4], b[5], b[6], b[7]];
  // AMQP 0-9-1 sends 'AMQP' 0 0 9 1; AMQP 0-10 sends 'AMQP' 1 1 0 10.
  if (id === 0 && major === 0 && minor === 9) return `AMQP 0-9-${rev}`;
  if (id === 1 && major === 1 && minor === 0 && rev === 10) return 'AMQP 0-10';
  if (id === 2) return `AMQP TLS ${major}.${minor}.${rev} (the port expects TLS)`;
  return `AMQP protocol id ${id} version ${major}.${minor}.${rev}`;
}
