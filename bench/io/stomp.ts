/**
 * STOMP workloads on RabbitMQ and ActiveMQ, once with rx-mq and once with @stomp/stompjs over
 * @stomp/tcp-wrapper (plain Node TCP). Heart-beats are off on both sides.
 *
 * - send: `count` SENDs with a 12-byte text body; the last one asks for a RECEIPT and the run
 *   ends when it arrives (both brokers handle one connection's frames in order, so that receipt
 *   means every SEND before it was processed). Both sides send the same frames.
 * - receive: a queue pre-filled (untimed, with rx-mq) with `count` messages is consumed by one
 *   SUBSCRIBE with ack:auto; the run ends at the last MESSAGE.
 */
import { Client, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { concat, count as countOp, from, lastValueFrom, of, take, tap, timeout, catchError } from 'rxjs';
import { connect, type StompSession } from '../../src/stomp/index.js';
import { SMALL_BODY, deferred, hold, timed, warmupPasses, type IoParams, type IoResult, type Peer } from './common.js';

export type StompLib = 'ours' | 'stompjs';

/**
 * ActiveMQ 5.17's STOMP connector (added by scripts/brokers.sh on 61614): no authentication
 * plugin, so no login; the host header is not used for routing.
 */
export const ACTIVEMQ_STOMP: Peer = {
  name: 'ActiveMQ 5.17 (STOMP connector)', host: '127.0.0.1', port: 61614, vhost: '127.0.0.1',
  address: (q) => `/queue/${q}`,
};

function oursUrl(peer: Peer): string {
  const auth = peer.user === undefined ? '' : `${encodeURIComponent(peer.user)}:${encodeURIComponent(peer.password ?? '')}@`;
  return `stomp://${auth}${peer.host}:${peer.port}/${encodeURIComponent(peer.vhost)}`;
}

async function oursOpen(peer: Peer): Promise<{ value: StompSession; close(): void }> {
  return hold(connect({ url: oursUrl(peer), heartbeat: [0, 0] }));
}

function bodies(n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = SMALL_BODY;
  return out;
}

async function oursSend(s: StompSession, destination: string, n: number): Promise<void> {
  const results = await lastValueFrom(concat(
    from(bodies(n - 1)).pipe(s.send(destination)),
    of(SMALL_BODY).pipe(s.send(destination, { receipt: true })),
  ).pipe(countOp()));
  if (results !== n) throw new Error(`${results} of ${n} send results`);
}

async function oursReceive(s: StompSession, destination: string, n: number): Promise<number> {
  let bytes = 0;
  await lastValueFrom(s.subscribe(destination).pipe(take(n), tap((m) => { bytes += m.body.length; }), countOp()));
  return bytes;
}

/** Untimed: queue `n` messages with rx-mq (the last one receipted, so they are all there). */
export async function stompPrefill(peer: Peer, destination: string, n: number): Promise<void> {
  const h = await oursOpen(peer);
  try { await oursSend(h.value, destination, n); } finally { h.close(); }
}

/** Untimed clean-up: consume up to `n` messages, stopping after 2 s of silence. */
export async function stompDrain(peer: Peer, destination: string, n: number): Promise<void> {
  const h = await oursOpen(peer);
  try {
    await lastValueFrom(h.value.subscribe(destination).pipe(take(n), timeout({ each: 2000 }), catchError(() => of(null)), countOp()));
  } finally { h.close(); }
}

async function stompjsOpen(peer: Peer): Promise<Client> {
  const d = deferred();
  const client = new Client({
    webSocketFactory: () => new TCPWrapper(peer.host, peer.port),
    connectHeaders: peer.user === undefined ? { host: peer.vhost } : { login: peer.user, passcode: peer.password ?? '', host: peer.vhost },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
    debug: () => {},
  });
  client.onConnect = () => d.resolve();
  client.onStompError = (f) => d.reject(new Error(`STOMP ERROR ${f.headers.message ?? ''}`));
  client.onWebSocketError = () => d.reject(new Error('socket error'));
  client.activate();
  await d.promise;
  return client;
}

let receiptSeq = 0;

async function stompjsSend(client: Client, destination: string, n: number): Promise<void> {
  for (let i = 0; i < n - 1; i++) client.publish({ destination, body: SMALL_BODY });
  const d = deferred();
  const receipt = `bench-${++receiptSeq}`;
  client.watchForReceipt(receipt, () => d.resolve());
  client.publish({ destination, body: SMALL_BODY, headers: { receipt } });
  await d.promise;
}

function stompjsReceive(client: Client, destination: string, n: number): Promise<number> {
  const d = deferred<number>();
  let got = 0;
  let bytes = 0;
  const sub = client.subscribe(destination, (m: IMessage) => {
    bytes += m.binaryBody.length;
    if (++got === n) { sub.unsubscribe(); d.resolve(bytes); }
  });
  return d.promise;
}

export interface Ops<C> {
  open(peer: Peer): Promise<{ conn: C; close(): void }>;
  send(c: C, destination: string, n: number): Promise<void>;
  receive(c: C, destination: string, n: number): Promise<number>;
}

const OURS: Ops<StompSession> = {
  async open(peer) { const h = await oursOpen(peer); return { conn: h.value, close: h.close }; },
  send: oursSend, receive: oursReceive,
};
const STOMPJS: Ops<Client> = {
  async open(peer) { const c = await stompjsOpen(peer); return { conn: c, close: () => { void c.deactivate(); } }; },
  send: stompjsSend, receive: stompjsReceive,
};

/** The workload functions of one library (also for profiling the timed part alone). */
export function stompOps(lib: StompLib): Ops<StompSession> | Ops<Client> {
  return lib === 'ours' ? OURS : STOMPJS;
}

function withLib<T>(lib: StompLib, fn: <C>(ops: Ops<C>) => Promise<T>): Promise<T> {
  return lib === 'ours' ? fn(OURS) : fn(STOMPJS);
}

export function stompSend(scenario: string, lib: StompLib, peer: Peer, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    const dest = peer.address(`bench-${scenario}-${p.tag}`);
    const h = await ops.open(peer);
    for (const n of warmupPasses(p.warmup)) await ops.send(h.conn, dest, n);
    const t = await timed(() => ops.send(h.conn, dest, p.count));
    h.close();
    await stompDrain(peer, dest, p.warmup + p.count);
    return { scenario, side: lib, count: p.count, bytes: p.count * SMALL_BODY.length, ...t };
  });
}

export function stompReceive(scenario: string, lib: StompLib, peer: Peer, p: IoParams): Promise<IoResult> {
  return withLib(lib, async (ops) => {
    // A destination per warm-up pass: an ack:auto subscription may take more than it asked for.
    const passes = warmupPasses(p.warmup);
    const warm = (i: number): string => peer.address(`bench-${scenario}-warm${i}-${p.tag}`);
    const dest = peer.address(`bench-${scenario}-${p.tag}`);
    for (const [i, n] of passes.entries()) await stompPrefill(peer, warm(i), n);
    await stompPrefill(peer, dest, p.count);
    const h = await ops.open(peer);
    for (const [i, n] of passes.entries()) await ops.receive(h.conn, warm(i), n);
    let bytes = 0;
    const t = await timed(async () => { bytes = await ops.receive(h.conn, dest, p.count); });
    h.close();
    if (bytes !== p.count * SMALL_BODY.length) throw new Error(`received ${bytes} body bytes, expected ${p.count * SMALL_BODY.length}`);
    return { scenario, side: lib, count: p.count, bytes, ...t };
  });
}
