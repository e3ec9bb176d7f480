/**
 * The fuzz cases: for each target, a case is a list of writes made deterministically from a seed.
 * Families (each case picks one):
 * - `random`: random bytes;
 * - `preamble`: a valid start (AMQP: the protocol header, or SASL then PLAIN then the AMQP header,
 *   or those and open and begin; STOMP: a CONNECT) followed by random bytes;
 * - `mutated`: a recorded real session (sessions.json: rhea, @stomp/stompjs) mutated;
 * - `hostile`: well-formed frames with hostile sizes and counts (thousands of sessions, links,
 *   transactions, subscriptions; declared sizes far beyond what follows; deep nesting).
 */
import { readFileSync } from 'node:fs';
import { string, ulong, uint, list, binary } from '../../../src/amqp/codec/index.js';
import { encodeFrame, protocolHeaderBytes, type Performative } from '../../../src/amqp/frames/index.js';
import type { SaslFrameBody } from '../../../src/amqp/frames/definitions.generated.js';
import { chunks, concat, HOSTILE_U32, mutate, Rng } from './rng.js';

export type FuzzTarget = 'amqp' | 'stomp';
export type CaseFamily = 'random' | 'preamble' | 'mutated' | 'hostile';

export interface FuzzCase {
  readonly family: CaseFamily;
  /** What the client writes, each array in its own write. */
  readonly writes: readonly Uint8Array[];
  /** Wait for the broker's answer to each write before the next (so they are read apart). */
  readonly stepwise?: boolean;
}

const sessions = JSON.parse(readFileSync(new URL('./sessions.json', import.meta.url), 'utf8')) as { amqp: string[]; stomp: string[] };
const recorded = {
  amqp: concat(sessions.amqp.map((c) => new Uint8Array(Buffer.from(c, 'base64')))),
  stomp: concat(sessions.stomp.map((c) => new Uint8Array(Buffer.from(c, 'base64')))),
};
const utf8 = new TextEncoder();

/** The case `rng` makes for `target`. */
export function makeCase(target: FuzzTarget, rng: Rng): FuzzCase {
  const family = rng.pick<CaseFamily>(['random', 'preamble', 'mutated', 'mutated', 'hostile']);
  let bytes: Uint8Array[];
  switch (family) {
    case 'random': bytes = [rng.bytes(rng.int(rng.chance(0.9) ? 256 : 8192))]; break;
    case 'preamble': bytes = [...(target === 'amqp' ? amqpPreamble(rng) : [stompConnect(rng)]), rng.bytes(rng.int(2048))]; break;
    case 'mutated': bytes = [mutate(rng, recorded[target])]; break;
    case 'hostile': {
      const h = target === 'amqp' ? amqpHostile(rng) : stompHostile(rng);
      // Some hostile cases need their writes apart (a link answered before what follows it).
      if (!Array.isArray(h)) return { family, writes: h.separate, stepwise: true };
      bytes = h;
      break;
    }
  }
  // One stream of bytes cut into 1 to 4 writes at random places (read boundaries matter).
  return { family, writes: chunks(rng, concat(bytes)) };
}

// --- AMQP ------------------------------------------------------------------------------------

const f = (p: Performative | SaslFrameBody, channel = 0, payload?: Uint8Array): Uint8Array => encodeFrame(channel, p as Performative, payload);

function amqpPreamble(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (rng.chance(0.5)) {
    out.push(protocolHeaderBytes('sasl'), f({ kind: 'sasl-init', mechanism: rng.pick(['PLAIN', 'ANONYMOUS', 'EXTERNAL']), initialResponse: utf8.encode('\0user\0pass') }));
  }
  out.push(protocolHeaderBytes('amqp'));
  if (rng.chance(0.6)) out.push(f({ kind: 'open', containerId: 'fuzz', maxFrameSize: rng.pick([512, 4096, 0xffffffff]) }));
  if (rng.chance(0.5)) out.push(f({ kind: 'begin', nextOutgoingId: 0, incomingWindow: rng.pick([0, 1, 1000, 0xffffffff]), outgoingWindow: 1000 }));
  return out;
}

/** The AMQP preamble every hostile case starts with: header, open, begin. */
const OPENED = (): Uint8Array[] => [
  protocolHeaderBytes('amqp'),
  f({ kind: 'open', containerId: 'fuzz' }),
  f({ kind: 'begin', nextOutgoingId: 0, incomingWindow: 0xffff, outgoingWindow: 0xffff }),
];

const attachFrame = (h: number, role: 'sender' | 'receiver', address: string): Uint8Array => f({
  kind: 'attach', name: `fz-${role}-${h}`, handle: h, role, initialDeliveryCount: role === 'sender' ? 0 : undefined,
  source: { kind: 'source', address: string(address) }, target: { kind: 'target', address: string(address) },
});

/** Writes that must stay apart (see makeCase). */
interface Separate {
  readonly separate: Uint8Array[];
}

function amqpHostile(rng: Rng): Uint8Array[] | Separate {
  const n = rng.pick([10, 100, 1000, 3000]);
  const q = `fz-${rng.int(4)}`;
  switch (rng.int(10)) {
    case 9: { // links answered, then transfers and their end in one read: detach, end, close, re-attach
      const links = 1 + rng.int(3);
      const first = [...OPENED(), ...Array.from({ length: links }, (_, h) => attachFrame(h, 'sender', q))];
      const then: Uint8Array[] = [];
      for (let i = 0; i < 1 + rng.int(5); i++) {
        then.push(f({ kind: 'transfer', handle: rng.int(links), deliveryId: i, deliveryTag: new Uint8Array([i]), settled: rng.chance(0.3) }, 0, new Uint8Array([0x00, 0x53, 0x77, 0xa1, 0x01, 0x78])));
      }
      then.push(rng.pick([
        f({ kind: 'detach', handle: rng.int(links), closed: rng.chance(0.5) }),
        f({ kind: 'end' }),
        f({ kind: 'close' }),
        attachFrame(rng.int(links), 'sender', q),
      ]));
      return { separate: [concat(first), concat(then)] };
    }
    case 0: // many sessions
      return [protocolHeaderBytes('amqp'), f({ kind: 'open', containerId: 'fuzz' }),
        ...Array.from({ length: n }, (_, i) => f({ kind: 'begin', nextOutgoingId: 0, incomingWindow: 10, outgoingWindow: 10 }, i))];
    case 1: // many links
      return [...OPENED(), ...Array.from({ length: n }, (_, i) => attachFrame(i, rng.chance(0.5) ? 'sender' : 'receiver', q))];
    case 2: // links attached and detached in one read, over and over
      return [...OPENED(), ...Array.from({ length: n }, (_, i) => concat([attachFrame(i % 7, 'receiver', q), f({ kind: 'detach', handle: i % 7, closed: true })]))];
    case 3: { // a delivery of many transfers (more=true) that never ends
      const part = rng.bytes(rng.pick([1, 100, 4000]));
      return [...OPENED(), attachFrame(0, 'sender', q),
        ...Array.from({ length: n }, (_, i) => f({ kind: 'transfer', handle: 0, deliveryId: i === 0 ? 0 : undefined, deliveryTag: i === 0 ? new Uint8Array([1]) : undefined, more: true }, 0, part))];
    }
    case 4: // transfers on handles never attached, flows and dispositions with hostile numbers
      return [...OPENED(), attachFrame(0, 'sender', q), ...Array.from({ length: Math.min(n, 500) }, () => rng.pick([
        f({ kind: 'transfer', handle: rng.pick(HOSTILE_U32), deliveryId: rng.pick(HOSTILE_U32), deliveryTag: rng.bytes(rng.int(40)) }, 0, rng.bytes(rng.int(64))),
        f({ kind: 'flow', incomingWindow: rng.pick(HOSTILE_U32), nextOutgoingId: rng.pick(HOSTILE_U32), outgoingWindow: rng.pick(HOSTILE_U32), handle: rng.chance(0.5) ? 0 : rng.pick(HOSTILE_U32), linkCredit: rng.pick(HOSTILE_U32), deliveryCount: rng.pick(HOSTILE_U32), drain: rng.chance(0.5), echo: rng.chance(0.5) }),
        f({ kind: 'disposition', role: rng.pick(['sender', 'receiver'] as const), first: rng.pick(HOSTILE_U32), last: rng.pick(HOSTILE_U32), settled: rng.chance(0.5), state: { kind: 'accepted' } }),
      ]))];
    case 5: { // a frame header announcing far more than follows
      const size = rng.pick(HOSTILE_U32);
      const head = new Uint8Array([size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff, 2, 0, 0, 0]);
      return [...OPENED(), head, rng.bytes(rng.int(1000))];
    }
    case 6: { // a message whose sections claim hostile sizes and counts
      const body = concat([new Uint8Array([0x00, 0x53, 0x77, rng.pick([0xb0, 0xd0, 0xc0, 0xe0, 0xf0, 0xa0, 0xb1]),
        ...[rng.pick(HOSTILE_U32)].flatMap((v) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff])]), rng.bytes(rng.int(200))]);
      return [...OPENED(), attachFrame(0, 'sender', q), f({ kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: new Uint8Array([0]), settled: rng.chance(0.5) }, 0, body)];
    }
    case 7: { // deeply nested values in a message and in an attach's properties
      let v = list([]);
      for (let i = 0; i < rng.pick([10, 100, 1000]); i++) v = list([v]);
      return [...OPENED(), f({ kind: 'attach', name: 'nested', handle: 0, role: 'sender', initialDeliveryCount: 0, target: { kind: 'target', address: string(q) }, properties: { type: 'map', value: [[string('k'), v]] } } as Performative)];
    }
    default: { // many small messages to a queue, some pre-settled, with consumers attached
      const msg = new Uint8Array([0x00, 0x53, 0x77, 0xa1, 0x02, 0x68, 0x69]);
      return [...OPENED(), attachFrame(0, 'sender', q), attachFrame(1, 'receiver', q),
        f({ kind: 'flow', nextIncomingId: 0, incomingWindow: 0xffff, nextOutgoingId: 0, outgoingWindow: 0xffff, handle: 1, deliveryCount: 0, linkCredit: rng.pick([0, 10, 0xffffffff]) }),
        ...Array.from({ length: Math.min(n, 1000) }, (_, i) => f({ kind: 'transfer', handle: 0, deliveryId: i, deliveryTag: new Uint8Array([i & 0xff, i >> 8]), settled: rng.chance(0.5) }, 0, msg)),
        f({ kind: 'detach', handle: rng.int(2), closed: true, error: { kind: 'error', condition: 'amqp:internal-error', info: { type: 'map', value: [[string('x'), binary(rng.bytes(8))], [string('y'), ulong(2n ** 64n - 1n)], [string('z'), uint(0)]] } } } as Performative)];
    }
  }
}

// --- STOMP -----------------------------------------------------------------------------------

function stompConnect(rng: Rng): Uint8Array {
  const versions = rng.pick(['1.0', '1.1', '1.2', '1.0,1.1,1.2', '2.0', '']);
  const hb = rng.pick(['0,0', '1,1', '10000,10000', 'x,y', '99999999999,0']);
  return utf8.encode(`${rng.pick(['CONNECT', 'STOMP'])}\naccept-version:${versions}\nhost:/\nheart-beat:${hb}\n\n\0`);
}

function stompHostile(rng: Rng): Uint8Array[] {
  const n = rng.pick([10, 100, 1000, 3000]);
  const q = `/queue/fz-${rng.int(4)}`;
  const connect = utf8.encode('CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n\0');
  const text = (s: string): Uint8Array => utf8.encode(s);
  switch (rng.int(8)) {
    case 0: return [connect, text(Array.from({ length: n }, (_, i) => `SUBSCRIBE\nid:${i}\ndestination:${rng.chance(0.5) ? q : `/topic/fz-${i % 13}`}\nack:${rng.pick(['auto', 'client', 'client-individual'])}\n\n\0`).join(''))];
    case 1: return [connect, text(Array.from({ length: n }, (_, i) => `BEGIN\ntransaction:t${i}\n\n\0`).join(''))];
    case 2: return [connect, text(`BEGIN\ntransaction:t\n\n\0${Array.from({ length: n }, () => `SEND\ndestination:${q}\ntransaction:t\n\n${'x'.repeat(rng.pick([1, 100, 1000]))}\0`).join('')}`)];
    case 3: return [connect, text(`SEND\ndestination:${q}\ncontent-length:${rng.pick(['99999999999', '-1', '4294967296', '1e9', '0x10', '5'])}\n\nabc\0`)];
    case 4: return [connect, text(`SEND\ndestination:${q}\n${Array.from({ length: n }, (_, i) => `h${i}:${'v'.repeat(rng.int(100))}`).join('\n')}\n\nbody\0`)];
    case 5: return [connect, text(`SEND\ndestination:${q}\nx:${'y'.repeat(rng.pick([1000, 70_000, 200_000]))}\n\n\0`)];
    case 6: return [connect, text(Array.from({ length: n }, (_, i) => `${rng.pick(['ACK', 'NACK', 'UNSUBSCRIBE', 'COMMIT', 'ABORT'])}\nid:${i}\nsubscription:${i}\ntransaction:t${i}\nmessage-id:${i}\n\n\0`).join(''))];
    default: return [connect, text(`SUBSCRIBE\nid:s\ndestination:${q}\nack:client\n\n\0${Array.from({ length: Math.min(n, 1000) }, (_, i) => `SEND\ndestination:${q}\n${rng.chance(0.3) ? 'receipt:r\n' : ''}\n${i}\0`).join('')}`)];
  }
}
