/**
 * Latency: how long a message takes from `send` to the subscriber, and a request to its reply,
 * rx-mq against rhea (AMQP) and against @stomp/stompjs (STOMP), on the embedded broker (in a
 * process of its own, embedded-server.ts) and on RabbitMQ.
 *
 * - one-way at a fixed offered load (1,000 and 10,000 messages a second): a timer every 1 ms sends
 *   the messages due by then; one subscriber on the same queue (another link or subscription of
 *   the same connection) takes them. Latency is from the send call to the subscriber's callback.
 * - one-way at the most each sustains: a closed loop of MAX_WINDOW messages in flight (a new one is
 *   sent as each arrives); the table shows the rate it reached.
 * - request/reply with 1 and 100 requests in flight: a responder (same library, its own
 *   connection) echoes each request's body to the reply queue; the requester sends the next request
 *   as each reply arrives. Latency is the round trip.
 * Bodies are the message's index as a string; the send time of each index is kept in an array.
 * AMQP: at-least-once sends (rx-mq's defaults, generated ids; rhea's defaults), receivers with
 * credit 500 and auto accept. STOMP: SENDs without receipts, SUBSCRIBE ack:auto. Heart-beats off.
 * Client CPU (user + system, the whole process) over the timed pass is reported per message.
 *
 * Child-process entry: node --import tsx bench/io/latency.ts '<json LatencyJob[]>'
 */
import { runJsonChild } from '../child.js';
import { fileURLToPath } from 'node:url';
import { Client, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import rhea, { type Connection, type EventContext, type Sender } from 'rhea';
import { Subject, type Subscription } from 'rxjs';
import { connect as amqpConnect, type AmqpConnection, type Message } from '../../src/amqp/index.js';
import { connect as stompConnect, type StompSession } from '../../src/stomp/index.js';
import { deferred, hold, RABBIT_AMQP, RABBIT_STOMP, type Peer } from './common.js';
import { startEmbeddedServer } from './embedded-server.js';
import { quantile } from '../stats.js';

export type LatencyProtocol = 'amqp' | 'stomp';
export type LatencyPeer = 'embedded' | 'rabbit';
export type LatencySide = 'ours' | 'rhea' | 'stompjs';
/** Offered load: messages a second, the most sustained ('max'), or request/reply with n in flight. */
export type LatencyLoad = { readonly kind: 'rate'; readonly perSecond: number } | { readonly kind: 'max' } | { readonly kind: 'rr'; readonly inFlight: number };

export interface LatencyScenario {
  readonly id: string;
  readonly label: string;
  readonly peer: LatencyPeer;
  readonly protocol: LatencyProtocol;
  readonly load: LatencyLoad;
  readonly sides: readonly [LatencySide, LatencySide];
  readonly sizes: { readonly smoke: number; readonly full: number };
}

/** Messages in flight in the 'max' scenarios. */
export const MAX_WINDOW = 1000;
/** Messages of the untimed warm-up at full speed, before a pass at the scenario's load (full runs). */
export const WARM_UP_MESSAGES = 10_000;
const CREDIT = 500;

const LOADS: readonly { key: string; label: string; load: LatencyLoad; sizes: { smoke: number; full: number } }[] = [
  // 10 s at 1,000 a second: with 5,000 the p99 (50 messages) swung by half between runs of one library.
  { key: '1k', label: 'one-way, 1,000 msg/s', load: { kind: 'rate', perSecond: 1000 }, sizes: { smoke: 200, full: 10_000 } },
  { key: '10k', label: 'one-way, 10,000 msg/s', load: { kind: 'rate', perSecond: 10_000 }, sizes: { smoke: 500, full: 30_000 } },
  { key: 'max', label: `one-way, most sustained (${MAX_WINDOW.toLocaleString('en-US')} in flight)`, load: { kind: 'max' }, sizes: { smoke: 500, full: 30_000 } },
  { key: 'rr1', label: 'request/reply, 1 in flight', load: { kind: 'rr', inFlight: 1 }, sizes: { smoke: 50, full: 3000 } },
  { key: 'rr100', label: 'request/reply, 100 in flight', load: { kind: 'rr', inFlight: 100 }, sizes: { smoke: 500, full: 20_000 } },
];

export const LATENCY_SCENARIOS: readonly LatencyScenario[] = (['embedded', 'rabbit'] as const).flatMap((peer) =>
  (['amqp', 'stomp'] as const).flatMap((protocol) => LOADS.map((l): LatencyScenario => ({
    id: `latency-${protocol}-${peer}-${l.key}`,
    label: `${protocol === 'amqp' ? 'AMQP' : 'STOMP'}, ${peer === 'embedded' ? 'embedded broker' : 'RabbitMQ'}, ${l.label}`,
    peer, protocol, load: l.load, sides: ['ours', protocol === 'amqp' ? 'rhea' : 'stompjs'], sizes: l.sizes,
  }))));

/** One child's job. */
export interface LatencyJob { readonly scenario: string; readonly side: LatencySide; readonly count: number; readonly tag: string }

/** What one child measured in its timed pass; latencies in milliseconds. */
export interface LatencyResult {
  readonly scenario: string;
  readonly side: LatencySide;
  readonly count: number;
  readonly ms: number;
  readonly cpuUs: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

// ---------------------------------------------------------------------------------------------
// The clients, behind one small interface

interface LatencyClient {
  /** Send `body` to `dest` (queued by the client while it has no credit). */
  send(dest: string, body: string): void;
  /** Take every message of `dest`; `onBody` gets its body. */
  subscribe(dest: string, onBody: (body: string) => void): void;
  close(): void;
}

async function oursAmqp(peer: Peer): Promise<LatencyClient> {
  const url = `amqp://${peer.host}:${peer.port}`;
  const h = await hold(amqpConnect(peer.user === undefined ? { url, hostname: peer.vhost } : { url, username: peer.user, password: peer.password, hostname: peer.vhost }));
  const c: AmqpConnection = h.value;
  const subs: Subscription[] = [];
  const senders = new Map<string, Subject<Message>>();
  return {
    send(dest, body) {
      let s = senders.get(dest);
      if (s === undefined) {
        const subject = new Subject<Message>();
        subs.push(subject.pipe(c.send(dest)).subscribe({ error: (e: unknown) => { process.stderr.write(`send: ${String(e)}\n`); process.exit(1); } }));
        senders.set(dest, subject);
        s = subject;
      }
      s.next({ body });
    },
    subscribe(dest, onBody) {
      subs.push(c.receive(dest, { credit: CREDIT, settle: 'auto' }).subscribe((m) => onBody(m.body as string)));
    },
    close() { for (const s of subs) s.unsubscribe(); h.close(); },
  };
}

async function rheaAmqp(peer: Peer): Promise<LatencyClient> {
  const container = rhea.create_container();
  const conn: Connection = container.connect({
    host: peer.host, port: peer.port, hostname: peer.vhost, reconnect: false,
    ...(peer.user !== undefined ? { username: peer.user, password: peer.password } : {}),
  });
  const open = deferred();
  conn.once('connection_open', () => open.resolve());
  conn.once('connection_error', (ctx: EventContext) => open.reject(ctx.connection.error ?? new Error('connection error')));
  await open.promise;
  const senders = new Map<string, { sender: Sender; queue: string[]; at: number }>();
  return {
    send(dest, body) {
      let s = senders.get(dest);
      if (s === undefined) {
        const entry = { sender: conn.open_sender({ target: { address: dest } }), queue: [] as string[], at: 0 };
        // rhea's own flow control: send while sendable(), the rest when credit comes.
        entry.sender.on('sendable', () => pump(entry));
        senders.set(dest, entry);
        s = entry;
      }
      s.queue.push(body);
      pump(s);
    },
    subscribe(dest, onBody) {
      const r = conn.open_receiver({ source: { address: dest }, credit_window: CREDIT, autoaccept: true });
      r.on('message', (ctx: EventContext) => onBody(ctx.message?.body as string));
    },
    close() { conn.close(); },
  };
  function pump(s: { sender: Sender; queue: string[]; at: number }): void {
    while (s.at < s.queue.length && s.sender.sendable()) s.sender.send({ body: s.queue[s.at++] });
    if (s.at === s.queue.length && s.at > 0) { s.queue.length = 0; s.at = 0; }
  }
}

async function oursStomp(peer: Peer): Promise<LatencyClient> {
  const auth = peer.user === undefined ? '' : `${encodeURIComponent(peer.user)}:${encodeURIComponent(peer.password ?? '')}@`;
  const vhost = peer.vhost === 'localhost' ? '' : `/${encodeURIComponent(peer.vhost)}`;
  const h = await hold(stompConnect({ url: `stomp://${auth}${peer.host}:${peer.port}${vhost}`, heartbeat: [0, 0] }));
  const s: StompSession = h.value;
  const subs: Subscription[] = [];
  const senders = new Map<string, Subject<string>>();
  return {
    send(dest, body) {
      let x = senders.get(dest);
      if (x === undefined) {
        const subject = new Subject<string>();
        subs.push(subject.pipe(s.send(dest)).subscribe({ error: (e: unknown) => { process.stderr.write(`send: ${String(e)}\n`); process.exit(1); } }));
        senders.set(dest, subject);
        x = subject;
      }
      x.next(body);
    },
    subscribe(dest, onBody) { subs.push(s.subscribe(dest).subscribe((m) => onBody(m.text))); },
    close() { for (const x of subs) x.unsubscribe(); h.close(); },
  };
}

async function stompjs(peer: Peer): Promise<LatencyClient> {
  const d = deferred();
  const client = new Client({
    webSocketFactory: () => new TCPWrapper(peer.host, peer.port),
    connectHeaders: peer.user === undefined ? { host: peer.vhost } : { login: peer.user, passcode: peer.password ?? '', host: peer.vhost },
    heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0, debug: () => {},
  });
  client.onConnect = () => d.resolve();
  client.onStompError = (f) => d.reject(new Error(`STOMP ERROR ${f.headers.message ?? ''}`));
  client.activate();
  await d.promise;
  return {
    send(dest, body) { client.publish({ destination: dest, body }); },
    subscribe(dest, onBody) { client.subscribe(dest, (m: IMessage) => onBody(m.body)); },
    close() { void client.deactivate(); },
  };
}

function openClient(protocol: LatencyProtocol, side: LatencySide, peer: Peer): Promise<LatencyClient> {
  if (protocol === 'amqp') return side === 'ours' ? oursAmqp(peer) : rheaAmqp(peer);
  return side === 'ours' ? oursStomp(peer) : stompjs(peer);
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** Longest a pass may take before the child gives up (a broker that stopped answering). */
const PASS_TIMEOUT_MS = 120_000;

interface Pass { readonly latencies: Float64Array; readonly ms: number; readonly cpuUs: number }

/**
 * One pass of `count` messages: `start` sends the first ones, `onArrival(i)` is called with each
 * arrival's index and returns nothing; resolves when all `count` have arrived.
 */
function runPass(count: number, wire: (arrived: (i: number) => void) => { start(): void; sent: Float64Array }): Promise<Pass> {
  const latencies = new Float64Array(count);
  const done = deferred<Pass>();
  let got = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const w = wire((i) => {
    latencies[i] = performance.now() - w.sent[i];
    if (++got === count) {
      const cpu = process.cpuUsage(cpu0);
      done.resolve({ latencies, ms: performance.now() - t0, cpuUs: cpu.user + cpu.system });
    }
  });
  const limit = setTimeout(() => done.reject(new Error(`${got} of ${count} arrived within ${PASS_TIMEOUT_MS} ms`)), PASS_TIMEOUT_MS);
  w.start();
  return done.promise.finally(() => clearTimeout(limit));
}

/**
 * One-way: the subscriber is `arrivals` (its callback set per pass); messages are sent by `c` to
 * `dest` at the load's pace.
 */
function oneWay(c: LatencyClient, dest: string, load: LatencyLoad, count: number, arrivals: { on: (i: number) => void }): Promise<Pass> {
  return runPass(count, (arrived) => {
    const sent = new Float64Array(count);
    let n = 0;
    const sendOne = (): void => { sent[n] = performance.now(); c.send(dest, String(n)); n++; };
    arrivals.on = load.kind === 'max' ? (i) => { arrived(i); if (n < count) sendOne(); } : arrived;
    return {
      sent,
      start() {
        if (load.kind === 'max') {
          while (n < Math.min(MAX_WINDOW, count)) sendOne();
          return;
        }
        const rate = load.kind === 'rate' ? load.perSecond : 1;
        const t0 = performance.now();
        const tick = (): void => {
          const due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
          while (n < due) sendOne();
          if (n < count) setTimeout(tick, 1);
        };
        tick();
      },
    };
  });
}

function requestReply(requester: LatencyClient, reqDest: string, inFlight: number, count: number, replies: { on: (i: number) => void }): Promise<Pass> {
  return runPass(count, (arrived) => {
    const sent = new Float64Array(count);
    let n = 0;
    const sendOne = (): void => { sent[n] = performance.now(); requester.send(reqDest, String(n)); n++; };
    replies.on = (i) => { arrived(i); if (n < count) sendOne(); };
    return { sent, start() { while (n < Math.min(inFlight, count)) sendOne(); } };
  });
}

type EmbeddedServer = Awaited<ReturnType<typeof startEmbeddedServer>>;

/** Runs one job; `embedded` is the embedded broker to use (started by the caller when needed). */
export async function runLatencyJob(job: LatencyJob, embedded?: EmbeddedServer): Promise<LatencyResult> {
  const s = LATENCY_SCENARIOS.find((x) => x.id === job.scenario);
  if (s === undefined) throw new Error(`unknown latency scenario ${job.scenario}`);
  const server = s.peer === 'embedded' ? embedded ?? await startEmbeddedServer() : undefined;
  try {
    const peer = server === undefined ? (s.protocol === 'amqp' ? RABBIT_AMQP : RABBIT_STOMP) : (s.protocol === 'amqp' ? server.amqp : server.stomp);
    const q = (name: string): string => peer.address(`bench-${job.scenario}-${name}-${job.tag}`);
    const c = await openClient(s.protocol, job.side, peer);
    // Arrivals go to the current pass's callback.
    const arrivals = { on: (_i: number): void => {} };
    let pass: (n: number) => Promise<Pass>;
    /** A warm-up pass: as fast as the library goes (closed loop) for the one-way loads. */
    let warm: (n: number) => Promise<Pass>;
    let responder: LatencyClient | undefined;
    if (s.load.kind === 'rr') {
      const inFlight = s.load.inFlight;
      responder = await openClient(s.protocol, job.side, peer);
      const r = responder;
      const req = q('req');
      const rep = q('rep');
      r.subscribe(req, (b) => r.send(rep, b));
      c.subscribe(rep, (b) => arrivals.on(Number(b)));
      pass = (n) => requestReply(c, req, inFlight, n, arrivals);
      warm = pass;
    } else {
      const dest = q('one-way');
      const load = s.load;
      c.subscribe(dest, (b) => arrivals.on(Number(b)));
      pass = (n) => oneWay(c, dest, load, n, arrivals);
      warm = (n) => oneWay(c, dest, { kind: 'max' }, n, arrivals);
    }
    // Untimed warm-up (links attached, JIT warm), then the timed pass: latency in steady state;
    // the first messages of a process are the cold scenario's. WARM_UP_MESSAGES go through as fast
    // as the library goes (at 1,000 a second a fifth of the count was two seconds of a process's
    // life, and the JIT still compiling then put rx-mq's p99 over @stomp/stompjs's: 159 of 5,000
    // over 1 ms, 110 of them in the first 2,000), then a pass at the scenario's own load.
    await warm(job.count >= 1000 ? WARM_UP_MESSAGES : Math.max(50, Math.floor(job.count / 5)));
    await pass(Math.max(50, Math.floor(job.count / 5)));
    const t = await pass(job.count);
    c.close();
    responder?.close();
    const sorted = Array.from(t.latencies).sort((a, b) => a - b);
    return {
      scenario: job.scenario, side: job.side, count: job.count, ms: t.ms, cpuUs: t.cpuUs,
      p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), p999: quantile(sorted, 0.999), max: sorted[sorted.length - 1],
    };
  } finally {
    if (embedded === undefined) server?.stop();
  }
}

/** Runs jobs one after another in this process, the embedded broker started once for all of them. */
async function runJobs(jobs: readonly LatencyJob[]): Promise<LatencyResult[]> {
  const needsBroker = jobs.some((j) => LATENCY_SCENARIOS.find((x) => x.id === j.scenario)?.peer === 'embedded');
  const embedded = needsBroker ? await startEmbeddedServer() : undefined;
  try {
    const out: LatencyResult[] = [];
    for (const j of jobs) out.push(await runLatencyJob(j, embedded));
    return out;
  } finally {
    embedded?.stop();
  }
}

const SELF = fileURLToPath(import.meta.url);
if (process.argv[1] === SELF) {
  runJobs(JSON.parse(process.argv[2] ?? '[]') as LatencyJob[]).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  }, (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

/** Runs jobs in a fresh child process (one job in full mode; a whole side's in smoke mode). */
export function runLatencyChild(jobs: readonly LatencyJob[], root: string): Promise<LatencyResult[]> {
  return runJsonChild<LatencyResult[]>(['--import', 'tsx', SELF, JSON.stringify(jobs)], {
    cwd: root, timeoutMs: PASS_TIMEOUT_MS * 3, what: `latency ${jobs.map((j) => `${j.scenario}/${j.side}`).join(', ')}`,
  });
}
