/**
 * Test support: a raw TCP AMQP 1.0 client that writes exact frames (as many as a test likes in
 * one write, so that the broker reads them together) and decodes what the broker answers.
 */
import net from 'node:net';
import { string } from '../../src/amqp/codec/index.js';
import { encodeFrame, FrameParser, protocolHeaderBytes, type ParserEvent, type Performative } from '../../src/amqp/frames/index.js';

export interface RawAmqp {
  readonly socket: net.Socket;
  readonly received: ParserEvent[];
  write(...parts: Uint8Array[]): void;
  /** The first performative of this kind the broker wrote (waits for it). */
  performative<K extends Performative['kind']>(kind: K, ms?: number): Promise<Extract<Performative, { kind: K }>>;
  /** Resolves when the broker closed the socket. */
  readonly closed: Promise<void>;
}

export async function rawAmqp(port: number): Promise<RawAmqp> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const parser = new FrameParser();
  const received: ParserEvent[] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    try { received.push(...parser.feed(new Uint8Array(d))); } catch { /* tests look at what parsed */ }
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const find = (kind: string): Performative | undefined => {
    for (const e of received) if (e.type === 'amqp' && e.performative.kind === kind) return e.performative;
    return undefined;
  };
  return {
    socket, received, closed,
    write: (...parts) => { socket.write(Buffer.concat(parts)); },
    performative: (kind, ms = 5000) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${kind}; got ${received.map((e) => (e.type === 'amqp' ? e.performative.kind : e.type)).join(',')}`)), ms);
      const check = (): void => {
        const p = find(kind);
        if (p !== undefined) { clearTimeout(t); resolve(p as never); } else waiters.push(check);
      };
      check();
    }),
  };
}

/** AMQP header (no SASL), open and begin on channel 0. */
export const preamble = (): Uint8Array[] => [
  protocolHeaderBytes('amqp'),
  encodeFrame(0, { kind: 'open', containerId: 'raw' } as Performative),
  encodeFrame(0, { kind: 'begin', nextOutgoingId: 0, incomingWindow: 1000, outgoingWindow: 1000 } as Performative),
];

/** An attach of handle `h`: role 'sender' is a producer to `address`, 'receiver' a consumer of it. */
export const attach = (h: number, role: 'sender' | 'receiver', address: string, name = `raw-${role}-${h}`): Uint8Array =>
  encodeFrame(0, {
    kind: 'attach', name, handle: h, role, initialDeliveryCount: role === 'sender' ? 0 : undefined,
    source: { kind: 'source', address: string(address) }, target: { kind: 'target', address: string(address) },
  } as Performative);

export const detach = (h: number): Uint8Array => encodeFrame(0, { kind: 'detach', handle: h, closed: true } as Performative);
export const end = (): Uint8Array => encodeFrame(0, { kind: 'end' } as Performative);
export const close = (): Uint8Array => encodeFrame(0, { kind: 'close' } as Performative);

/** One transfer of a small amqp-value string message on handle `h`. */
export const transfer = (h: number, id: number, settled = false): Uint8Array =>
  encodeFrame(0, { kind: 'transfer', handle: h, deliveryId: id, deliveryTag: new Uint8Array([id]), settled } as Performative,
    new Uint8Array([0x00, 0x53, 0x77, 0xa1, 0x02, 0x68, 0x69]));
