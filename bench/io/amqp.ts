/**
 * AMQP 1.0 workloads, once with rx-mq and once with rhea, doing the same work against the same
 * broker: connect (untimed), a warm-up pass, then the timed pass.
 *
 * - send: `count` messages with a 12-byte string body (an amqp-value section, no message-id on
 *   either side: rx-mq's automatic ids are switched off because rhea sets none). at-least-once
 *   ends when every message is accepted; at-most-once (pre-settled) ends when one at-least-once
 *   message sent afterwards on a second link of the same connection is accepted - a barrier that
 *   proves the broker has read every byte before it, for both sides alike.
 * - receive: a queue pre-filled (untimed, with rx-mq) with `count` messages is consumed with a
 *   credit window of 500 and automatic accept.
 * - large: 1 MiB data-section bodies sent at-least-once and received (credit 10) on the same
 *   connection at the same time; ends when the last one is received and every one accepted.
 */
import rhea, { type Connection, type EventContext, type Message as RheaMessage, type Sender } from 'rhea';
import { count as countOp, from, ignoreElements, lastValueFrom, merge, take, tap, timeout, catchError, of } from 'rxjs';
import { connect, type AmqpConnection, type Message } from '../../src/amqp/index.js';
import { MIB, SMALL_BODY, deferred, hold, timed, type IoParams, type IoResult, type Peer } from './common.js';

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

async function oursSendAll(c: AmqpConnection, address: string, messages: Message[], delivery: AmqpDelivery): Promise<void> {
  const want = delivery === 'at-least-once' ? 'accepted' : 'sent';
  const got = await lastValueFrom(from(messages).pipe(
    c.send(address, { delivery, bufferSize: Math.max(1000, messages.length), messageIds: false }),
    tap((o) => { if (o.state !== want) throw new Error(`unexpected outcome ${o.state}`); }),
    countOp(),
  ));
  if (got !== messages.length) throw new Error(`${got} of ${messages.length} outcomes`);
}

async function oursSend(c: AmqpConnection, address: string, n: number, delivery: AmqpDelivery): Promise<void> {
  await oursSendAll(c, address, smallMessages(n), delivery);
  if (delivery === 'at-most-once') await oursSendAll(c, address, smallMessages(1), 'at-least-once');
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
    for (let done = 0; done < n; done += 10_000) await oursSendAll(c.value, peer.address(queue), smallMessages(Math.min(10_000, n - done)), 'at-least-once');
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
      c.send(address, { delivery: 'at-least-once', bufferSize: Math.max(1000, n), messageIds: false }),
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
function rheaSendAll(conn: Connection, address: string, n: number, delivery: AmqpDelivery, message: () => RheaMessage): Promise<Sender> {
  const d = deferred<Sender>();
  const sender = conn.open_sender({ target: { address }, snd_settle_mode: delivery === 'at-most-once' ? 1 : 0 });
  let sent = 0;
  let accepted = 0;
  const pump = () => {
    while (sent < n && sender.sendable()) { sender.send(message()); sent++; }
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

async function rheaSend(conn: Connection, address: string, n: number, delivery: AmqpDelivery): Promise<void> {
  const sender = await rheaSendAll(conn, address, n, delivery, () => ({ body: SMALL_BODY }));
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

interface Ops<C> {
  open(peer: Peer): Promise<{ conn: C; close(): void }>;
  send(c: C, address: string, n: number, delivery: AmqpDelivery): Promise<void>;
  receive(c: C, address: string, n: number, credit: number): Promise<number>;
  large(c: C, address: string, n: number): Promise<number>;
}

const OURS: Ops<AmqpConnection> = {
  async open(peer) { const h = await oursConnect(peer); return { conn: h.value, close: h.close }; },
  send: oursSend, receive: oursReceive, large: oursLarge,
};
const RHEA: Ops<Connection> = {
  async open(peer) { const c = await rheaConnect(peer); return { conn: c, close: () => c.close() }; },
  send: rheaSend, receive: rheaReceive, large: rheaLarge,
};

async function withLib<T>(lib: AmqpLib, fn: <C>(ops: Ops<C>) => Promise<T>): Promise<T> {
  return lib === 'ours' ? fn(OURS) : fn(RHEA);
}

export function amqpSend(scenario: string, lib: AmqpLib, peer: Peer, delivery: AmqpDelivery, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const queue = `bench-${scenario}-${p.tag}`;
    const h = await ops.open(peer);
    await ops.send(h.conn, peer.address(queue), p.warmup, delivery);
    const t = await timed(() => ops.send(h.conn, peer.address(queue), p.count, delivery));
    h.close();
    // Warm-up, timed and barrier messages stay queued: take them off again (untimed).
    const expected = p.warmup + p.count + (delivery === 'at-most-once' ? 2 : 0);
    const queued = await drain(peer, queue, expected);
    if (queued !== expected) throw new Error(`the broker holds ${queued} of the ${expected} messages sent`);
    return { scenario, side: lib, count: p.count, bytes: p.count * SMALL_BODY.length, ...t };
  });
}

export function amqpReceive(scenario: string, lib: AmqpLib, peer: Peer, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const warmQueue = `bench-${scenario}-warm-${p.tag}`;
    const queue = `bench-${scenario}-${p.tag}`;
    await prefill(peer, warmQueue, p.warmup);
    await prefill(peer, queue, p.count);
    const h = await ops.open(peer);
    await ops.receive(h.conn, peer.address(warmQueue), p.warmup, RECEIVE_CREDIT);
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
    await ops.large(h.conn, peer.address(queue), p.warmup);
    let bytes = 0;
    const t = await timed(async () => { bytes = await ops.large(h.conn, peer.address(queue), p.count); });
    h.close();
    return { scenario, side: lib, count: p.count, bytes, ...t };
  });
}
