/**
 * AMQP 1.0 workloads, once with rx-mq and once with rhea, doing the same work against the same
 * broker: connect (untimed), a warm-up pass, then the timed pass.
 *
 * - send: `count` messages with a 12-byte string body (an amqp-value section). Each library runs
 *   with its defaults: rx-mq gives every message a generated uuid message-id, rhea none; a third
 *   side of the null-sink send, `ours-ids-off`, is rx-mq with `messageIds: false`. at-least-once
 *   ends when every message is accepted; at-most-once (pre-settled) ends when one at-least-once
 *   message sent afterwards on a second link of the same connection is accepted - a barrier that
 *   proves the broker has read every byte before it, for both sides alike.
 * - receive: a queue pre-filled (untimed, with rx-mq) with `count` messages is consumed with a
 *   credit window of 500 and automatic accept.
 * - large: 1 MiB data-section bodies sent at-least-once and received (credit 10) on the same
 *   connection at the same time; ends when the last one is received and every one accepted.
 * - self: send and receive as above, each library against a null-sink peer built with itself, in
 *   its own process (null-server.ts), so the peer is never the bottleneck.
 * - memory: a slow consumer (credit 100, 1 ms per message, credit returned on settlement) works
 *   through 5,000 of 100,000 queued messages; peak RSS and heap growth after GC.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import rhea, { type Connection, type EventContext, type Message as RheaMessage, type Sender } from 'rhea';
import { count as countOp, from, ignoreElements, lastValueFrom, map, merge, mergeMap, take, tap, timeout, timer, catchError, of } from 'rxjs';
import { connect, type AmqpConnection, type Message } from '../../src/amqp/index.js';
import { MIB, SMALL_BODY, deferred, hold, timed, warmupPasses, type IoParams, type IoResult, type Peer } from './common.js';
import { startEmbeddedServer } from './embedded-server.js';
import { FloorConnection } from './floor.js';

export type AmqpDelivery = 'at-least-once' | 'at-most-once';

export const RECEIVE_CREDIT = 500;
export const LARGE_CREDIT = 10;

// ---------------------------------------------------------------------------------------------
// rx-mq

async function oursConnect(peer: Peer): Promise<{ value: AmqpConnection; close(): void }> {
  const url = `amqp://${peer.host}:${peer.port}`;
  return hold(connect(peer.user === undefined
    ? { url, sasl: false, hostname: peer.vhost }
    : { url, username: peer.user, password: peer.password, hostname: peer.vhost }));
}

function smallMessages(n: number): Message[] {
  const out: Message[] = new Array<Message>(n);
  for (let i = 0; i < n; i++) out[i] = { body: SMALL_BODY };
  return out;
}

/**
 * Sends every message and checks its outcome. rx-mq's defaults (a generated message-id on each),
 * unless `messageIds` is false.
 */
async function oursSendAll(c: AmqpConnection, address: string, messages: Message[], delivery: AmqpDelivery, messageIds?: false): Promise<void> {
  const want = delivery === 'at-least-once' ? 'accepted' : 'sent';
  const got = await lastValueFrom(from(messages).pipe(
    c.send(address, { delivery, bufferSize: Math.max(1000, messages.length), ...(messageIds === false ? { messageIds } : {}) }),
    tap((o) => { if (o.state !== want) throw new Error(`unexpected outcome ${o.state}`); }),
    countOp(),
  ));
  if (got !== messages.length) throw new Error(`${got} of ${messages.length} outcomes`);
}

async function oursSend(c: AmqpConnection, address: string, messages: Message[], delivery: AmqpDelivery, messageIds?: false): Promise<void> {
  await oursSendAll(c, address, messages, delivery, messageIds);
  if (delivery === 'at-most-once') await oursSendAll(c, address, smallMessages(1), 'at-least-once', messageIds);
}

async function oursReceive(c: AmqpConnection, address: string, n: number, credit: number): Promise<number> {
  let bytes = 0;
  await lastValueFrom(c.receive(address, { credit, settle: 'auto' }).pipe(
    take(n),
    tap((m) => { bytes += typeof m.body === 'string' ? m.body.length : m.body instanceof Uint8Array ? m.body.length : 0; }),
    countOp(),
  ));
  return bytes;
}

/** Untimed: put `n` small messages on the queue (rx-mq, at-least-once). */
export async function prefill(peer: Peer, queue: string, n: number): Promise<void> {
  const c = await oursConnect(peer);
  try {
    for (let done = 0; done < n; done += 10_000) await oursSendAll(c.value, peer.address(queue), smallMessages(Math.min(10_000, n - done)), 'at-least-once', false);
  } finally {
    c.close();
  }
}

/**
 * Untimed clean-up: take up to `n` messages off the queue, stopping after 2 s of silence; returns
 * how many there were (a send run checks that the broker really got every message).
 */
export async function drain(peer: Peer, queue: string, n: number): Promise<number> {
  if (n <= 0) return 0;
  const c = await oursConnect(peer);
  try {
    let got = 0;
    await lastValueFrom(c.value.receive(peer.address(queue), { credit: RECEIVE_CREDIT, settle: 'auto' }).pipe(
      take(n), tap(() => { got++; }), timeout({ each: 2000 }), catchError(() => of(null)), countOp()));
    return got;
  } finally {
    c.close();
  }
}

function largeBody(): Uint8Array {
  const b = new Uint8Array(MIB);
  for (let i = 0; i < b.length; i += 4096) b[i] = i & 0xff;
  return b;
}

async function oursLarge(c: AmqpConnection, address: string, n: number): Promise<number> {
  const body = largeBody();
  const messages: Message[] = Array.from({ length: n }, () => ({ body }));
  let bytes = 0;
  await lastValueFrom(merge(
    c.receive(address, { credit: LARGE_CREDIT, settle: 'auto' }).pipe(
      take(n), tap((m) => { bytes += m.body instanceof Uint8Array ? m.body.length : 0; }), ignoreElements()),
    from(messages).pipe(
      c.send(address, { delivery: 'at-least-once', bufferBytes: (n + 1) * (MIB + 4096) }),
      tap((o) => { if (o.state !== 'accepted') throw new Error(`unexpected outcome ${o.state}`); }),
      ignoreElements()),
  ), { defaultValue: null });
  if (bytes !== n * MIB) throw new Error(`received ${bytes} bytes, expected ${n * MIB}`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// rhea

async function rheaConnect(peer: Peer): Promise<Connection> {
  const container = rhea.create_container();
  const conn = container.connect({
    host: peer.host, port: peer.port, hostname: peer.vhost, reconnect: false,
    ...(peer.user !== undefined ? { username: peer.user, password: peer.password } : {}),
  });
  const open = deferred();
  conn.once('connection_open', () => open.resolve());
  conn.once('connection_error', (ctx: EventContext) => open.reject(ctx.connection.error ?? new Error('connection error')));
  conn.once('disconnected', (ctx: EventContext) => open.reject(ctx.error ?? new Error('disconnected')));
  await open.promise;
  return conn;
}

/**
 * Sends `message()` n times with rhea's own flow control (send while `sendable()`; rhea queues in
 * its session and transmits as link credit arrives). Resolves with the sender when every message
 * is accepted (at-least-once; the sender is closed) or has been handed to rhea (at-most-once; the
 * sender stays open, since closing it would drop deliveries still waiting for credit).
 */
function rheaSendAll(conn: Connection, address: string, n: number, delivery: AmqpDelivery, message: (i: number) => RheaMessage): Promise<Sender> {
  const d = deferred<Sender>();
  const sender = conn.open_sender({ target: { address }, snd_settle_mode: delivery === 'at-most-once' ? 1 : 0 });
  let sent = 0;
  let accepted = 0;
  const pump = () => {
    while (sent < n && sender.sendable()) { sender.send(message(sent)); sent++; }
    if (delivery === 'at-most-once' && sent === n) d.resolve(sender);
  };
  sender.on('sendable', pump);
  sender.on('accepted', () => { if (++accepted === n) { sender.close(); d.resolve(sender); } });
  sender.on('rejected', () => d.reject(new Error('rejected')));
  sender.on('released', () => d.reject(new Error('released')));
  sender.on('modified', () => d.reject(new Error('modified')));
  sender.on('sender_error', (ctx: EventContext) => d.reject(ctx.sender?.error ?? new Error('sender error')));
  return d.promise;
}

function rheaMessages(n: number): RheaMessage[] {
  return Array.from({ length: n }, () => ({ body: SMALL_BODY }));
}

async function rheaSend(conn: Connection, address: string, messages: RheaMessage[], delivery: AmqpDelivery): Promise<void> {
  const sender = await rheaSendAll(conn, address, messages.length, delivery, (i) => messages[i]);
  if (delivery === 'at-most-once') {
    // rhea transmits a session's deliveries in order, so this one goes out after all the others.
    await rheaSendAll(conn, address, 1, 'at-least-once', () => ({ body: SMALL_BODY }));
    sender.close();
  }
}

function rheaBodyLength(body: unknown): number {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body.length;
  const content = (body as { content?: unknown } | null)?.content;
  return Buffer.isBuffer(content) ? content.length : 0;
}

function rheaReceive(conn: Connection, address: string, n: number, credit: number): Promise<number> {
  const d = deferred<number>();
  const receiver = conn.open_receiver({ source: { address }, credit_window: credit, autoaccept: true });
  let got = 0;
  let bytes = 0;
  receiver.on('message', (ctx: EventContext) => {
    bytes += rheaBodyLength(ctx.message?.body);
    if (++got === n) { receiver.close(); d.resolve(bytes); }
  });
  receiver.on('receiver_error', (ctx: EventContext) => d.reject(ctx.receiver?.error ?? new Error('receiver error')));
  return d.promise;
}

async function rheaLarge(conn: Connection, address: string, n: number): Promise<number> {
  const body = Buffer.from(largeBody());
  const [bytes] = await Promise.all([
    rheaReceive(conn, address, n, LARGE_CREDIT),
    rheaSendAll(conn, address, n, 'at-least-once', () => ({ body: rhea.message.data_section(body) })),
  ]);
  if (bytes !== n * MIB) throw new Error(`received ${bytes} bytes, expected ${n * MIB}`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Scenario runners (one child process runs one of these)

export type AmqpLib = 'ours' | 'rhea';
/**
 * A client library, or the floor (floor.ts) for send and receive, or rx-mq with its generated
 * message-ids switched off (`ours-ids-off`: the null-sink send, to show the default path costs
 * no more).
 */
export type AmqpSide = AmqpLib | 'floor' | 'ours-ids-off';

/**
 * What a scenario runner needs of a client. `messages(n)` makes the n messages of a send run
 * before the clock starts (they are the application's data, not the client's work; made inside
 * the timed run they were allocated there too, and a client handed all of them at once, as
 * `from(array)` hands them to rx-mq, kept them alive through every garbage collection of the run);
 * `send` is timed.
 */
interface Ops<C, M = unknown> {
  open(peer: Peer): Promise<{ conn: C; close(): void }>;
  messages(n: number): M;
  send(c: C, address: string, messages: M, delivery: AmqpDelivery): Promise<void>;
  receive(c: C, address: string, n: number, credit: number): Promise<number>;
  large(c: C, address: string, n: number): Promise<number>;
}

const OURS: Ops<AmqpConnection, Message[]> = {
  async open(peer) { const h = await oursConnect(peer); return { conn: h.value, close: h.close }; },
  messages: smallMessages, send: oursSend, receive: oursReceive, large: oursLarge,
};
const OURS_IDS_OFF: Ops<AmqpConnection, Message[]> = {
  ...OURS, send: (c, address, messages, delivery) => oursSend(c, address, messages, delivery, false),
};
const RHEA: Ops<Connection, RheaMessage[]> = {
  async open(peer) { const c = await rheaConnect(peer); return { conn: c, close: () => c.close() }; },
  messages: rheaMessages, send: rheaSend, receive: rheaReceive, large: rheaLarge,
};

/** The floor sends copies of one fixed frame: its "messages" are a count. */
const FLOOR: Ops<FloorConnection, number> = {
  async open(peer) { const c = await FloorConnection.open(peer); return { conn: c, close: () => c.close() }; },
  messages: (n) => n,
  send: (c, address, n, delivery) => c.send(address, n, delivery),
  receive: (c, address, n, credit) => c.receive(address, n, credit),
  large: () => Promise.reject(new Error('the floor runs only the small-message send and receive scenarios')),
};

async function withLib<T>(lib: AmqpSide, fn: <C, M>(ops: Ops<C, M>) => Promise<T>): Promise<T> {
  switch (lib) {
    case 'ours': return fn(OURS);
    case 'ours-ids-off': return fn(OURS_IDS_OFF);
    case 'rhea': return fn(RHEA);
    case 'floor': return fn(FLOOR);
  }
}

export function amqpSend(scenario: string, lib: AmqpSide, peer: Peer, delivery: AmqpDelivery, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const queue = `bench-${scenario}-${p.tag}`;
    const passes = warmupPasses(p.warmup);
    const h = await ops.open(peer);
    for (const n of passes) await ops.send(h.conn, peer.address(queue), ops.messages(n), delivery);
    const messages = ops.messages(p.count);
    const t = await timed(() => ops.send(h.conn, peer.address(queue), messages, delivery));
    h.close();
    // Warm-up, timed and barrier messages stay queued: take them off again (untimed). Every
    // at-most-once send call, each warm-up pass's and the timed one, ends with one barrier.
    const expected = p.warmup + p.count + (delivery === 'at-most-once' ? passes.length + 1 : 0);
    const queued = await drain(peer, queue, expected);
    if (queued !== expected) throw new Error(`the broker holds ${queued} of the ${expected} messages sent`);
    return { scenario, side: lib, count: p.count, bytes: p.count * SMALL_BODY.length, ...t };
  });
}

export function amqpReceive(scenario: string, lib: AmqpSide, peer: Peer, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    // A queue per warm-up pass: a receiver closed with credit outstanding may take more than it asked for.
    const passes = warmupPasses(p.warmup);
    const warmQueue = (i: number): string => `bench-${scenario}-warm${i}-${p.tag}`;
    const queue = `bench-${scenario}-${p.tag}`;
    for (const [i, n] of passes.entries()) await prefill(peer, warmQueue(i), n);
    await prefill(peer, queue, p.count);
    const h = await ops.open(peer);
    for (const [i, n] of passes.entries()) await ops.receive(h.conn, peer.address(warmQueue(i)), n, RECEIVE_CREDIT);
    let bytes = 0;
    const t = await timed(async () => { bytes = await ops.receive(h.conn, peer.address(queue), p.count, RECEIVE_CREDIT); });
    h.close();
    if (bytes !== p.count * SMALL_BODY.length) throw new Error(`received ${bytes} body bytes, expected ${p.count * SMALL_BODY.length}`);
    return { scenario, side: lib, count: p.count, bytes, ...t };
  });
}

export function amqpLarge(scenario: string, lib: AmqpLib, peer: Peer, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const queue = `bench-${scenario}-${p.tag}`;
    const h = await ops.open(peer);
    for (const n of warmupPasses(p.warmup)) await ops.large(h.conn, peer.address(queue), n);
    let bytes = 0;
    // The broker's CPU too: through RabbitMQ it is more per MiB than the client's (see format.ts).
    const t = await timed(async () => { bytes = await ops.large(h.conn, peer.address(queue), p.count); }, peer.port);
    h.close();
    return { scenario, side: lib, count: p.count, bytes, ...t };
  });
}

// ---------------------------------------------------------------------------------------------
// Each library with itself: a null-sink peer of the same library, in its own process

const NULL_SERVER = fileURLToPath(new URL('./null-server.ts', import.meta.url));

/** Starts null-server.ts for `lib`; resolves with its peer description and a stop function. */
async function startNullServer(lib: AmqpLib): Promise<{ peer: Peer; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', NULL_SERVER, lib], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`null server (${lib}) exited with ${String(code)}`)));
  });
  const peer: Peer = { name: `${lib} null sink`, host: '127.0.0.1', port, vhost: 'localhost', address: () => '$null' };
  return { peer, stop: () => { child.stdin.end(); child.kill(); } };
}

export function amqpSelf(scenario: string, lib: AmqpLib | 'ours-ids-off', kind: 'send' | 'receive', p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const server = await startNullServer(lib === 'rhea' ? 'rhea' : 'ours');
    try {
      const address = server.peer.address('');
      // Each warm-up pass gets a connection of its own: a receiver closed with credit outstanding
      // leaves deliveries in flight that rhea never settles, and they shrink its session window
      // (a few passes on one connection leave rhea's receiver with no window at all).
      for (const n of warmupPasses(p.warmup)) {
        const warm = await ops.open(server.peer);
        if (kind === 'send') await ops.send(warm.conn, address, ops.messages(n), 'at-least-once');
        else await ops.receive(warm.conn, address, n, RECEIVE_CREDIT);
        warm.close();
      }
      const h = await ops.open(server.peer);
      let bytes = p.count * SMALL_BODY.length;
      let t: Awaited<ReturnType<typeof timed>>;
      if (kind === 'send') {
        const messages = ops.messages(p.count);
        t = await timed(() => ops.send(h.conn, address, messages, 'at-least-once'));
      } else {
        t = await timed(async () => { bytes = await ops.receive(h.conn, address, p.count, RECEIVE_CREDIT); });
      }
      h.close();
      if (bytes !== p.count * SMALL_BODY.length) throw new Error(`moved ${bytes} body bytes, expected ${p.count * SMALL_BODY.length}`);
      return { scenario, side: lib, count: p.count, bytes, ...t };
    } finally {
      server.stop();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Slow consumer memory

export const SLOW_CREDIT = 100;
/** Body size of the slow-consumer messages. */
export const SLOW_BODY = 64;
const SLOW_SAMPLE_EVERY = 500;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Peak memory above a baseline, sampled after a GC (needs node --expose-gc to be exact). */
class MemoryProbe {
  private readonly base = process.memoryUsage();
  private maxRss = this.base.rss;
  private maxHeap = this.base.heapUsed;
  sample(): void {
    gc();
    const u = process.memoryUsage();
    this.maxRss = Math.max(this.maxRss, u.rss);
    this.maxHeap = Math.max(this.maxHeap, u.heapUsed);
  }
  get rssGrowthMb(): number { return (this.maxRss - this.base.rss) / MIB; }
  get heapGrowthMb(): number { return (this.maxHeap - this.base.heapUsed) / MIB; }
}

function slowMessages(n: number, from0: number): Message[] {
  return Array.from({ length: n }, (_, i) => ({ body: `message ${from0 + i} `.padEnd(SLOW_BODY, '.') }));
}

async function oursSlow(c: AmqpConnection, address: string, n: number, probe: MemoryProbe): Promise<number> {
  let inFlight = 0;
  let maxInFlight = 0;
  let processed = 0;
  await lastValueFrom(c.receive(address, { credit: SLOW_CREDIT, settle: 'manual' }).pipe(
    tap(() => { inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); }),
    mergeMap((m) => timer(1).pipe(map(() => { m.accept(); inFlight--; return m; })), 1000),
    tap(() => { if (++processed % SLOW_SAMPLE_EVERY === 0) probe.sample(); }),
    take(n),
  ));
  return maxInFlight;
}

function rheaSlow(conn: Connection, address: string, n: number, probe: MemoryProbe): Promise<number> {
  // Manual flow: credit goes back as messages are settled, as rx-mq's manual mode does.
  const d = deferred<number>();
  const receiver = conn.open_receiver({ source: { address }, credit_window: 0, autoaccept: false });
  receiver.add_credit(SLOW_CREDIT);
  let inFlight = 0;
  let maxInFlight = 0;
  let processed = 0;
  receiver.on('message', (ctx: EventContext) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      if (processed >= n) return;
      ctx.delivery?.accept();
      inFlight--;
      if (++processed % SLOW_SAMPLE_EVERY === 0) probe.sample();
      if (processed === n) { receiver.close(); d.resolve(maxInFlight); return; }
      receiver.add_credit(1);
    }, 1);
  });
  receiver.on('receiver_error', (ctx: EventContext) => d.reject(ctx.receiver?.error ?? new Error('receiver error')));
  return d.promise;
}

/** 100,000 messages queued (untimed, by rx-mq), a slow consumer works through `p.count` of them. */
export function amqpSlowConsumer(scenario: string, lib: AmqpLib, peer: Peer, queued: number, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const queue = `bench-${scenario}-${p.tag}`;
    const c = await oursConnect(peer);
    try {
      for (let done = 0; done < queued; done += 10_000) {
        await lastValueFrom(from(slowMessages(Math.min(10_000, queued - done), done)).pipe(
          c.value.send(peer.address(queue), { bufferSize: 10_000, messageIds: false }), countOp()));
      }
    } finally {
      c.close();
    }
    const h = await ops.open(peer);
    gc();
    const probe = new MemoryProbe();
    let maxInFlight = 0;
    const t = await timed(async () => {
      maxInFlight = lib === 'ours'
        ? await oursSlow(h.conn as AmqpConnection, peer.address(queue), p.count, probe)
        : await rheaSlow(h.conn as Connection, peer.address(queue), p.count, probe);
    });
    probe.sample();
    h.close();
    // Leave nothing behind at the broker (untimed).
    await drain(peer, queue, queued);
    return {
      scenario, side: lib, count: p.count, bytes: p.count * SLOW_BODY, ...t,
      rssGrowthMb: probe.rssGrowthMb, heapGrowthMb: probe.heapGrowthMb, maxInFlight,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Cold start: the first messages of a fresh process

/**
 * A fresh child process (nothing run before: no warm-up pass) opens a connection (untimed), then
 * the timed pass sends `count` messages at-least-once to a queue (each accepted) and receives them
 * back (credit 500, auto accept): what a CLI, a serverless function or a test suite pays, V8's
 * compiling of the hot path included (its helper threads count in process CPU). `peer` undefined:
 * the embedded broker, started in its own process first (untimed).
 */
export function amqpCold(scenario: string, lib: AmqpLib, peer: Peer | undefined, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const server = peer === undefined ? await startEmbeddedServer() : undefined;
    try {
      const target = peer ?? (server as { amqp: Peer }).amqp;
      const address = target.address(`bench-${scenario}-${p.tag}`);
      const h = await ops.open(target);
      const messages = ops.messages(p.count);
      let bytes = 0;
      const t = await timed(async () => {
        await ops.send(h.conn, address, messages, 'at-least-once');
        bytes = await ops.receive(h.conn, address, p.count, RECEIVE_CREDIT);
      });
      h.close();
      if (bytes !== p.count * SMALL_BODY.length) throw new Error(`received ${bytes} body bytes, expected ${p.count * SMALL_BODY.length}`);
      return { scenario, side: lib, count: p.count, bytes, ...t };
    } finally {
      server?.stop();
    }
  });
}
