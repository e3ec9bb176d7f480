/**
 * rx-mq's own cost per received message, without sockets: the client's driver and `receive()`
 * (credit 500, auto accept, the same rx pipeline as the harness's receive scenario) are fed
 * transfer frames built in advance by a scripted peer in the same process. What it measures is
 * the library's work (frame parsing, the engine, the message, the settlement, the rx operators),
 * none of the kernel's: the I/O-bound broker scenarios move too much with the machine to show a
 * change of a few per cent, this shows one in a few seconds. Not side by side with another
 * library: it is for comparing rx-mq with itself (an A/B of a change), by hand.
 *
 * Each pass is a new link that takes `count` messages, `perRead` transfers a chunk; the first
 * `warmup` passes are not reported. The transfers are built once (4-byte delivery-ids, rewritten
 * in place for each pass), so a pass allocates nothing but what the client does.
 *
 * Run: npx tsx bench/receive-in-process.ts [--count N] [--passes N] [--warmup N] [--per-read N] [--message rabbit|proton]
 * Prints every pass's CPU ns per message (process.cpuUsage, user + system) and their quartiles.
 * Passes vary by some 10-30% on a shared machine (the collector's work lands in some of them):
 * compare medians of several runs, interleaving the two builds.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { count, lastValueFrom, take, tap } from 'rxjs';
import { ConnectionDriver } from '../src/amqp/rx/driver.js';
import { AmqpConnection } from '../src/amqp/rx/connection.js';
import { encodeFrame, FrameParser, protocolHeaderBytes } from '../src/amqp/frames/index.js';
import type { Performative } from '../src/amqp/frames/index.js';
import type { Transport } from '../src/transport/types.js';
import { median, quantile } from './stats.js';

/** Message payloads as the brokers deliver a 12-byte string body sent by rx-mq (captured). */
const MESSAGES = {
  // header, properties (message-id), amqp-value
  rabbit: '005370c006054240404140005373c02701a12464666330373030662d393936372d343561632d386465662d326131386137616462633136005377a10c68656c6c6f20776f726c6421',
  // properties (message-id), amqp-value
  proton: '005373c02701a12434346235623836652d636234342d343538312d626461302d363232663862313934653835005377a10c68656c6c6f20776f726c6421',
} as const;

/** The first delivery-id: from 2^24 on, every id is a 4-byte uint, so ids can be rewritten in place. */
const FIRST_ID = 1 << 24;
const CREDIT = 500;

export interface InProcessOptions {
  readonly count: number;
  readonly passes: number;
  readonly warmup: number;
  readonly perRead: number;
  readonly message: keyof typeof MESSAGES;
}

/** CPU ns per message of each reported pass. */
export async function receiveInProcess(o: InProcessOptions): Promise<number[]> {
  const peer = new ScriptedPeer(Buffer.from(MESSAGES[o.message], 'hex'));
  const connection = await peer.open();
  const results: number[] = [];
  for (let pass = 0; pass < o.warmup + o.passes; pass++) {
    let bodies = 0;
    const done = lastValueFrom(connection.receive('q', { credit: CREDIT, settle: 'auto' }).pipe(
      take(o.count),
      tap((m) => { if (typeof m.body === 'string') bodies += m.body.length; }),
      count(),
    ));
    await peer.settle(() => peer.credit > 0);
    const chunks = peer.transfers(o.count, o.perRead);
    const cpu0 = process.cpuUsage();
    for (const c of chunks) peer.deliver(c);
    const cpu = process.cpuUsage(cpu0);
    const got = await done;
    if (got !== o.count || bodies !== o.count * 12) throw new Error(`pass ${pass}: ${got} messages, ${bodies} body characters`);
    if (pass >= o.warmup) results.push(((cpu.user + cpu.system) * 1000) / o.count);
    await peer.settle(() => !peer.attached); // the detach answered, so the next link gets the same handle
  }
  return results;
}

/**
 * The peer side, scripted: answers the client's open, begin, attach and detach, tracks the
 * credit its flows grant, and builds transfers for the attached link.
 */
class ScriptedPeer {
  private readonly written: Uint8Array[] = [];
  private readonly parser = new FrameParser({});
  private readonly driver = new ConnectionDriver({ containerId: 'bench-client', hostname: 'localhost', sasl: false }, Date.now, 0);
  private connection: AmqpConnection | undefined;
  private handle = 0;
  private nextId = FIRST_ID;
  /** Credit the client has granted and the transfers built so far have not used. */
  credit = 0;
  attached = false;
  /** The transfers of the last build and where each one's delivery-id is, to rewrite them. */
  private built: { chunks: Uint8Array[]; ids: [Uint8Array, number][]; handle: number } | undefined;

  constructor(private readonly message: Uint8Array) {
    this.driver.onConnection((e) => {
      if (e.type === 'connection-open') this.connection = new AmqpConnection(this.driver, e.remote);
    });
  }

  async open(): Promise<AmqpConnection> {
    const w = this.written;
    const transport: Transport = {
      // The output's views are never written again (see engine/output.ts): kept as they are.
      write: (b) => { w.push(b); return true; },
      writev: (parts) => { w.push(...parts); return true; },
      end: () => {},
      destroy: () => {},
      bufferedAmount: 0,
      info: { kind: 'tcp' },
    };
    this.driver.start(transport);
    this.driver.onData(protocolHeaderBytes('amqp'));
    await this.settle(() => this.connection !== undefined);
    return this.connection as AmqpConnection;
  }

  /** Bytes to the client. What it writes meanwhile (dispositions, flows, at the end a detach) waits for `settle`. */
  deliver(chunk: Uint8Array): void {
    this.driver.onData(chunk);
  }

  /** Answer what the client wrote, turn after turn, until `until` holds. */
  async settle(until: () => boolean): Promise<void> {
    for (let turn = 0; turn < 50 && !until(); turn++) {
      await new Promise<void>((r) => setImmediate(r));
      const bytes = Buffer.concat(this.written.splice(0));
      for (const f of bytes.length === 0 ? [] : this.parser.feed(bytes)) {
        if (f.type === 'amqp') this.answer(f.channel, f.performative);
      }
    }
    if (!until()) throw new Error('the scripted exchange did not get there');
  }

  private answer(channel: number, p: Performative): void {
    const reply = (q: Performative): void => this.driver.onData(encodeFrame(channel, q));
    switch (p.kind) {
      case 'open': return reply({ kind: 'open', containerId: 'bench-peer', maxFrameSize: 65536 });
      case 'begin': return reply({ kind: 'begin', remoteChannel: channel, nextOutgoingId: this.nextId, incomingWindow: 65535, outgoingWindow: 65535 });
      case 'attach':
        this.handle = p.handle;
        this.attached = true;
        return reply({ kind: 'attach', name: p.name, handle: p.handle, role: 'sender', sndSettleMode: 'unsettled', rcvSettleMode: 'first', source: p.source, target: p.target, initialDeliveryCount: 0 });
      case 'detach':
        this.attached = false;
        this.credit = 0;
        return reply({ kind: 'detach', handle: p.handle, closed: true });
      case 'flow':
        if (p.handle !== undefined && p.linkCredit !== undefined) this.credit = p.linkCredit;
        return;
      default:
        return;
    }
  }

  /** `n` transfers for the attached link in chunks of `perRead`, with the next delivery-ids. */
  transfers(n: number, perRead: number): Uint8Array[] {
    const b = this.built;
    if (b !== undefined && b.ids.length === n && b.handle === this.handle) {
      for (const [chunk, at] of b.ids) new DataView(chunk.buffer, chunk.byteOffset).setUint32(at, this.nextId++);
      return b.chunks;
    }
    const chunks: Uint8Array[] = [];
    const ids: [Uint8Array, number][] = [];
    for (let i = 0; i < n; i += perRead) {
      const frames: Uint8Array[] = [];
      const at: number[] = [];
      let size = 0;
      for (let k = 0; k < perRead && i + k < n; k++) {
        const id = this.nextId++;
        const f = encodeFrame(0, { kind: 'transfer', handle: this.handle, deliveryId: id, deliveryTag: Uint8Array.of(0, 0, 0, 0, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff), messageFormat: 0, settled: false }, this.message);
        at.push(size + idOffset(f, id));
        frames.push(f);
        size += f.length;
      }
      const chunk = new Uint8Array(Buffer.concat(frames));
      chunks.push(chunk);
      for (const x of at) ids.push([chunk, x]);
    }
    this.built = { chunks, ids, handle: this.handle };
    return chunks;
  }
}

/** Where the 4 bytes of delivery-id `id` are in the encoded transfer `f` (after its 0x70 code). */
function idOffset(f: Uint8Array, id: number): number {
  for (let i = 8; i + 5 <= f.length; i++) {
    if (f[i] === 0x70 && new DataView(f.buffer, f.byteOffset).getUint32(i + 1) === id) return i + 1;
  }
  throw new Error(`delivery-id ${id} not found in the transfer`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '100000' },
      passes: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '6' },
      'per-read': { type: 'string', default: '20' },
      message: { type: 'string', default: 'rabbit' },
    },
  });
  const message = values.message;
  if (message !== 'rabbit' && message !== 'proton') throw new Error('--message is rabbit or proton');
  const ns = await receiveInProcess({
    count: Number(values.count), passes: Number(values.passes), warmup: Number(values.warmup), perRead: Number(values['per-read']), message,
  });
  const sorted = [...ns].sort((a, b) => a - b);
  console.log(`passes (CPU ns per message): ${ns.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`min ${sorted[0].toFixed(0)}  p25 ${quantile(sorted, 0.25).toFixed(0)}  median ${median(ns).toFixed(0)}  p75 ${quantile(sorted, 0.75).toFixed(0)}`);
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
