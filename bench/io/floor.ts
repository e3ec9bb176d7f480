/**
 * The floor of the AMQP send and receive scenarios: a minimal client, close to the least CPU a Node client spends
 * on the same exchange with the same broker. It is a minimal AMQP 1.0 client, not one anyone
 * could use: the handshake (untimed) is decoded with rx-mq's frame codec, and in the timed loop
 * bytes are handled by hand - transfers are copies of one fixed frame with the delivery-id and
 * tag patched in, the fields of flow and disposition frames are read in place, each read ends in
 * one write (a disposition range and a flow when credit runs low, or the transfers the credit
 * allows). No message objects, no events, no validation beyond what keeps the exchange correct.
 *
 * It reads through rx-mq's own TCP transport (reads into a reused buffer) and holds reads as
 * rx-mq does (see src/amqp/rx/read-coalescing.ts), so that floor and rx-mq pay the same for I/O
 * and the gap between them is mostly the library's own work. What the floor costs is close to
 * what the kernel (the loopback socket, the wake-ups), libuv and V8 take for this exchange. It is
 * a reference, not a proof of a limit: one write per read is not the cheapest pattern with every
 * broker, and rx-mq, which batches its writes per turn of the event loop, has gone below it
 * (at-least-once to the Proton C broker).
 */
import { decodeFrame, encodeFrame, protocolHeaderBytes } from '../../src/amqp/frames/index.js';
import type { Performative, SaslFrameBody } from '../../src/amqp/frames/index.js';
import { string as amqpString } from '../../src/amqp/codec/values.js';
import { openTransport } from '../../src/transport/node.js';
import { AdaptiveHold, COALESCE_BELOW_BYTES, DEFAULT_READ_COALESCING_MS } from '../../src/transport/read-hold.js';
import { STREAM_MIN_CREDIT, STREAM_MIN_EVENTS, STREAM_MIN_UNSETTLED } from '../../src/amqp/rx/read-coalescing.js';
import type { Transport } from '../../src/transport/types.js';
import { SMALL_BODY, deferred, type Peer } from './common.js';

type Delivery = 'at-least-once' | 'at-most-once';

/** Our session's incoming window: refreshed by every flow we write, so it never runs out. */
const INCOMING_WINDOW = 65_535;

// ---------------------------------------------------------------------------------------------
// Reading AMQP values in place: just enough to walk the fields of a list.

/** Bytes of the value starting at `at` (its constructor included). Throws on what it cannot skip. */
function valueEnd(b: Buffer, at: number): number {
  const c = b[at];
  if (c === 0x00) return valueEnd(b, valueEnd(b, at + 1)); // described: descriptor, then value
  switch (c >> 4) {
    case 0x4: return at + 1;
    case 0x5: return at + 2;
    case 0x6: return at + 3;
    case 0x7: return at + 5;
    case 0x8: return at + 9;
    case 0x9: return at + 17;
    case 0xa: case 0xc: case 0xe: return at + 2 + b[at + 1];
    case 0xb: case 0xd: case 0xf: return at + 5 + b.readUInt32BE(at + 1);
    default: throw new Error(`floor: cannot skip constructor 0x${c.toString(16)}`);
  }
}

/** The value at `at` as a number (uint, ulong small enough, boolean 0/1), or -1 for null. */
function numberAt(b: Buffer, at: number): number {
  switch (b[at]) {
    case 0x40: return -1;
    case 0x41: return 1;
    case 0x42: case 0x43: case 0x44: return 0;
    case 0x52: case 0x53: case 0x56: return b[at + 1];
    case 0x70: return b.readUInt32BE(at + 1);
    case 0x80: return b.readUInt32BE(at + 5) + b.readUInt32BE(at + 1) * 2 ** 32;
    default: throw new Error(`floor: constructor 0x${b[at].toString(16)} is not a number`);
  }
}

/**
 * The performative of the frame at `at` (its body starts at `body`): its descriptor code, where
 * its fields start, how many there are and where the list ends (the payload starts).
 */
interface Fields { code: number; first: number; count: number; end: number }
function fieldsOf(b: Buffer, body: number, out: Fields): Fields {
  if (b[body] !== 0x00 || b[body + 1] !== 0x53) throw new Error('floor: performative with an unexpected descriptor');
  out.code = b[body + 2];
  const list = body + 3;
  switch (b[list]) {
    case 0x45: out.first = list + 1; out.count = 0; out.end = list + 1; break;
    case 0xc0: out.first = list + 3; out.count = b[list + 2]; out.end = list + 2 + b[list + 1]; break;
    case 0xd0: out.first = list + 9; out.count = b.readUInt32BE(list + 5); out.end = list + 5 + b.readUInt32BE(list + 1); break;
    default: throw new Error(`floor: performative list constructor 0x${b[list].toString(16)}`);
  }
  return out;
}

/** Field `i` of the list (null when the list is shorter): its offset, or -1. */
function fieldAt(b: Buffer, f: Fields, i: number): number {
  if (i >= f.count) return -1;
  let at = f.first;
  for (let k = 0; k < i; k++) at = valueEnd(b, at);
  return at;
}
const numberField = (b: Buffer, f: Fields, i: number): number => {
  const at = fieldAt(b, f, i);
  return at < 0 ? -1 : numberAt(b, at);
};

// ---------------------------------------------------------------------------------------------
// Writing: fixed frames with uint fields patched in place.

/** A frame on channel 0 whose list fields are the given pre-encoded values. */
function frameTemplate(code: number, fields: readonly number[][], payload: readonly number[] = []): { bytes: Buffer; offsets: number[] } {
  const listBody = fields.reduce((n, f) => n + f.length, 1);
  const size = 8 + 3 + 2 + listBody + payload.length;
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(size, 0);
  bytes[4] = 2; // doff
  let at = 8;
  for (const x of [0x00, 0x53, code, 0xc0, listBody, fields.length]) bytes[at++] = x;
  const offsets: number[] = [];
  for (const f of fields) {
    offsets.push(at + 1);
    for (const x of f) bytes[at++] = x;
  }
  for (const x of payload) bytes[at++] = x;
  return { bytes, offsets };
}
const U32 = [0x70, 0, 0, 0, 0];
const TRUE = [0x41];
const FALSE = [0x42];

const BODY_BYTES = [...Buffer.from(SMALL_BODY)];
/** amqp-value section holding the 12-byte string, as rx-mq and rhea send it. */
const VALUE_SECTION = [0x00, 0x53, 0x77, 0xa1, BODY_BYTES.length, ...BODY_BYTES];

// ---------------------------------------------------------------------------------------------

/** One connection with one session (channel 0); links come and go on it. */
export class FloorConnection {
  private transport: Transport | undefined;
  private pending: Buffer | undefined;
  private expectHeader = true;
  private onAmqp: ((b: Buffer, start: number, end: number, body: number) => void) | undefined;
  /** After the last whole frame of a read. */
  private onChunkEnd: ((bytes: number) => void) | undefined;
  /** The peer's handles of links we detached: its detach in answer is expected and ignored. */
  private readonly detached = new Set<number>();
  /** The latest delivery-count + link-credit the peer gave each of our sender links, by its handle. */
  private readonly creditLimits = new Map<number, number>();
  private failed: ((e: Error) => void) | undefined;
  private nextHandle = 0;
  /** Session state: our next delivery-id out, the peer's next one in, the peer's incoming window. */
  private nextOutgoingId = 0;
  private nextIncomingId = 0;
  private remoteIncomingLimit = 0; // remote next-incoming-id + remote incoming-window
  private readonly fields: Fields = { code: 0, first: 0, count: 0, end: 0 };

  private constructor(private readonly peer: Peer) {}

  static async open(peer: Peer): Promise<FloorConnection> {
    const c = new FloorConnection(peer);
    await c.handshake();
    return c;
  }

  close(): void {
    this.transport?.write(encodeFrame(0, { kind: 'close' }));
    this.transport?.end();
  }

  private write(b: Uint8Array): void {
    this.transport!.write(b);
  }

  private onData(chunk: Uint8Array): void {
    let b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.pending !== undefined) {
      b = Buffer.concat([this.pending, b]);
      this.pending = undefined;
    }
    let at = 0;
    try {
      while (at < b.length) {
        if (this.expectHeader) {
          if (b.length - at < 8) break;
          this.expectHeader = false;
          at += 8;
          continue;
        }
        if (b.length - at < 8) break;
        const size = b.readUInt32BE(at);
        if (b.length - at < size) break;
        if (size > 8) this.onAmqp!(b, at, at + size, at + b[at + 4] * 4);
        at += size;
      }
      this.onChunkEnd?.(chunk.length);
    } catch (e) {
      this.failed?.(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (at < b.length) this.pending = Buffer.from(b.subarray(at));
  }

  /** Untimed: the whole handshake through rx-mq's codec. Resolves with the next performative. */
  private expect(kinds: readonly string[]): Promise<Performative | SaslFrameBody> {
    const d = deferred<Performative | SaslFrameBody>();
    this.failed = d.reject;
    this.onAmqp = (b, start, end) => {
      const f = decodeFrame(b.subarray(start, end));
      if (f.type === 'heartbeat') return;
      const p = f.performative;
      if (p.kind === 'flow') this.onFlow(b, start + b[start + 4] * 4);
      if (kinds.includes(p.kind)) d.resolve(p);
      else if (p.kind === 'detach' && this.detached.has(p.handle)) return;
      else if (p.kind === 'close' || p.kind === 'end' || p.kind === 'detach') d.reject(new Error(`floor: peer sent ${p.kind} ${JSON.stringify(p)}`));
    };
    return d.promise;
  }

  private async handshake(): Promise<void> {
    const closed = deferred();
    this.transport = await openTransport({ kind: 'tcp', host: this.peer.host, port: this.peer.port }, {
      onData: (c) => this.onData(c),
      onClose: (e) => { this.failed?.(e ?? new Error('floor: connection closed')); closed.resolve(); },
    });
    if (this.peer.user !== undefined) {
      this.write(protocolHeaderBytes('sasl'));
      await this.expect(['sasl-mechanisms']);
      const response = Buffer.from(`\0${this.peer.user}\0${this.peer.password ?? ''}`);
      this.write(encodeFrame(0, { kind: 'sasl-init', mechanism: 'PLAIN', initialResponse: response }));
      const outcome = await this.expect(['sasl-outcome']);
      if (outcome.kind !== 'sasl-outcome' || outcome.code !== 'ok') throw new Error('floor: SASL refused');
      this.expectHeader = true;
    }
    this.write(protocolHeaderBytes('amqp'));
    this.write(encodeFrame(0, { kind: 'open', containerId: `floor-${process.pid}`, hostname: this.peer.vhost, maxFrameSize: 65_536 }));
    await this.expect(['open']);
    this.write(encodeFrame(0, { kind: 'begin', nextOutgoingId: 0, incomingWindow: INCOMING_WINDOW, outgoingWindow: 0x7fffffff }));
    const begin = await this.expect(['begin']);
    if (begin.kind !== 'begin') throw new Error('floor: no begin');
    this.nextIncomingId = begin.nextOutgoingId;
    this.remoteIncomingLimit = begin.incomingWindow; // we start at delivery-id 0
  }

  /** A flow frame: where the peer's incoming window ends, and a sender link's credit. */
  private onFlow(b: Buffer, body: number): void {
    const f = fieldsOf(b, body, this.fields);
    const nextIncoming = numberField(b, f, 0);
    this.remoteIncomingLimit = (nextIncoming < 0 ? 0 : nextIncoming) + numberField(b, f, 1);
    const handle = numberField(b, f, 4);
    if (handle >= 0) this.creditLimits.set(handle, numberField(b, f, 5) + numberField(b, f, 6));
  }

  /** A frame the timed loops do not expect: the answer to an earlier detach, or a failure. */
  private other(b: Buffer, start: number, end: number): void {
    const code = this.fields.code;
    if (code === 0x16 && this.detached.has(numberField(b, this.fields, 0))) return;
    if (code === 0x16 || code === 0x17 || code === 0x18) {
      throw new Error(`floor: peer sent ${JSON.stringify(decodeFrame(b.subarray(start, end)))}`);
    }
  }

  /** Attaches a link; resolves with our handle and the peer's (which its flow frames carry). */
  private async attach(role: 'sender' | 'receiver', address: string, sndSettleMode: 'unsettled' | 'mixed'): Promise<{ handle: number; remote: number }> {
    const handle = this.nextHandle++;
    const node = amqpString(address);
    this.write(encodeFrame(0, {
      kind: 'attach', name: `floor-${role}-${handle}`, handle, role, sndSettleMode, rcvSettleMode: 'first',
      source: { kind: 'source', address: role === 'receiver' ? node : undefined },
      target: { kind: 'target', address: role === 'sender' ? node : undefined },
      ...(role === 'sender' ? { initialDeliveryCount: 0 } : {}),
    }));
    const a = await this.expect(['attach']);
    if (a.kind !== 'attach' || (role === 'sender' ? a.target : a.source) === undefined) throw new Error(`floor: attach of ${address} refused`);
    return { handle, remote: a.handle };
  }

  private detach(link: { handle: number; remote: number }): void {
    const handle = link.handle;
    this.detached.add(link.remote);
    this.onChunkEnd = undefined;
    this.write(encodeFrame(0, { kind: 'detach', handle, closed: true }));
  }

  /**
   * Sends n messages on a new link: at-least-once ends when all are accepted; at-most-once sends
   * them pre-settled, then one unsettled message, and ends when that one is accepted.
   */
  async send(address: string, n: number, delivery: Delivery): Promise<void> {
    const presettled = delivery === 'at-most-once';
    const link = await this.attach('sender', address, presettled ? 'mixed' : 'unsettled');
    const handle = link.handle;
    const settledT = frameTemplate(0x14, [[0x52, handle], U32, [0xa0, 4, 0, 0, 0, 0], [0x43], TRUE], VALUE_SECTION);
    const unsettledT = frameTemplate(0x14, [[0x52, handle], U32, [0xa0, 4, 0, 0, 0, 0], [0x43], FALSE], VALUE_SECTION);
    const size = settledT.bytes.length;
    const idAt = settledT.offsets[1];
    const tagAt = settledT.offsets[2] + 1;
    const total = presettled ? n + 1 : n;
    const wanted = presettled ? 1 : n;
    const firstId = this.nextOutgoingId;
    let sent = 0;
    let deliveryCount = 0;
    let outcomes = 0;
    let outcomesInChunk = 0;
    let unsettled = 0;
    const done = deferred();
    this.failed = done.reject;
    const f = this.fields;
    const pump = (): void => {
      const creditLimit = this.creditLimits.get(link.remote) ?? 0;
      const room = Math.min(creditLimit - deliveryCount, this.remoteIncomingLimit - this.nextOutgoingId, total - sent);
      if (room <= 0) return;
      const out = Buffer.allocUnsafe(room * size);
      for (let i = 0; i < room; i++) {
        const t = presettled && sent < n ? settledT.bytes : unsettledT.bytes;
        const at = i * size;
        t.copy(out, at);
        const id = this.nextOutgoingId++;
        out.writeUInt32BE(id >>> 0, at + idAt);
        out.writeUInt32BE((id - firstId) >>> 0, at + tagAt);
        if (!presettled || sent >= n) unsettled++;
        sent++;
        deliveryCount++;
      }
      this.write(out);
    };
    this.onAmqp = (b, start, end, body) => {
      fieldsOf(b, body, f);
      if (f.code === 0x13) return this.onFlow(b, body);
      if (f.code !== 0x15) return this.other(b, start, end);
      const first = numberField(b, f, 1);
      const lastField = numberField(b, f, 2);
      const stateAt = fieldAt(b, f, 4);
      if (stateAt < 0 || b[stateAt + 2] !== 0x24) throw new Error('floor: a delivery was not accepted');
      const k = (lastField < 0 ? first : lastField) - first + 1;
      outcomes += k;
      outcomesInChunk += k;
      unsettled -= k;
    };
    // Each read ends in one pump; reads are held on the evidence rx-mq's driver uses, by its adaptive rule.
    const adaptive = new AdaptiveHold();
    const fullFlow = (n: number, bytes: number): boolean => bytes < COALESCE_BELOW_BYTES && n >= STREAM_MIN_EVENTS && unsettled >= STREAM_MIN_UNSETTLED;
    const streamCount = (n: number, bytes: number): number => (bytes < COALESCE_BELOW_BYTES && unsettled >= STREAM_MIN_UNSETTLED ? n : 0);
    this.onChunkEnd = (bytes) => {
      if (outcomes >= wanted) return done.resolve();
      if (adaptive.next(performance.now(), DEFAULT_READ_COALESCING_MS, outcomesInChunk, bytes, fullFlow, streamCount)) {
        this.transport!.holdReads?.(DEFAULT_READ_COALESCING_MS);
      }
      outcomesInChunk = 0;
      pump();
    };
    pump();
    await done.promise;
    this.detach(link);
  }

  /** Receives n messages (auto accept, credit window `credit`) on a new link; resolves with the body bytes. */
  async receive(address: string, n: number, credit: number): Promise<number> {
    const link = await this.attach('receiver', address, 'unsettled');
    const handle = link.handle;
    const disposition = frameTemplate(0x15, [TRUE, U32, U32, TRUE, [0x00, 0x53, 0x24, 0x45]]);
    const flow = frameTemplate(0x13, [U32, U32, U32, U32, U32, U32, U32]);
    const flowBytes = (deliveryCount: number): Buffer => {
      const values = [this.nextIncomingId, INCOMING_WINDOW, this.nextOutgoingId, 0x7fffffff, handle, deliveryCount, credit];
      values.forEach((v, i) => flow.bytes.writeUInt32BE(v >>> 0, flow.offsets[i]));
      return Buffer.from(flow.bytes);
    };
    let got = 0;
    let bytes = 0;
    let creditLeft = credit;
    let firstUnsettled = -1;
    let lastId = -1;
    let inChunk = 0;
    const done = deferred<number>();
    this.failed = done.reject;
    const f = this.fields;
    const marker = Buffer.from([0x00, 0x53, 0x77, 0xa1]);
    // Reads are held on the evidence rx-mq's driver uses, by its adaptive rule.
    const adaptive = new AdaptiveHold();
    const fullFlow = (k: number, bytes: number): boolean => bytes < COALESCE_BELOW_BYTES && k >= STREAM_MIN_EVENTS && creditLeft >= STREAM_MIN_CREDIT;
    const streamCount = (k: number, bytes: number): number => (bytes < COALESCE_BELOW_BYTES && creditLeft >= STREAM_MIN_CREDIT ? k : 0);
    this.onAmqp = (b, start, end, body) => {
      fieldsOf(b, body, f);
      if (f.code !== 0x14) return f.code === 0x13 ? undefined : this.other(b, start, end);
      if (numberField(b, f, 5) === 1) throw new Error('floor: multi-frame transfer');
      const id = numberField(b, f, 1);
      if (firstUnsettled < 0) firstUnsettled = id;
      lastId = id;
      this.nextIncomingId = (id + 1) >>> 0;
      const at = b.indexOf(marker, f.end);
      if (at < 0 || at >= end) throw new Error('floor: no string body');
      if (got < n) bytes += b[at + 4]; // any beyond n are settled but not counted, as take(n) does
      got++;
      creditLeft--;
      inChunk++;
    };
    // End of a read: one write that settles all it carried and tops credit up at half.
    this.onChunkEnd = (chunkBytes) => {
      if (firstUnsettled >= 0) {
        disposition.bytes.writeUInt32BE(firstUnsettled >>> 0, disposition.offsets[1]);
        disposition.bytes.writeUInt32BE(lastId >>> 0, disposition.offsets[2]);
        firstUnsettled = -1;
        if (got < n && creditLeft <= credit / 2) {
          creditLeft = credit;
          this.write(Buffer.concat([disposition.bytes, flowBytes(got)]));
        } else {
          this.write(Buffer.from(disposition.bytes));
        }
      }
      if (got >= n) return done.resolve(bytes);
      if (adaptive.next(performance.now(), DEFAULT_READ_COALESCING_MS, inChunk, chunkBytes, fullFlow, streamCount)) {
        this.transport!.holdReads?.(DEFAULT_READ_COALESCING_MS);
      }
      inChunk = 0;
    };
    this.write(flowBytes(0));
    const result = await done.promise;
    this.detach(link);
    return result;
  }
}
