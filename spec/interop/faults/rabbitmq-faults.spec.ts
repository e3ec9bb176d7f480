/**
 * The fault suite: the reconnecting clients against RabbitMQ 3.10 through our fault proxy
 * (spec/support/fault-proxy.ts), for both protocols (AMQP 1.0 with `amqpClient`, STOMP with
 * `stompClient`), both directions (at-least-once sends counted by outcome or receipt; a consumer
 * settling by hand, accept or ACK) and every fault mode: a cut, a cut inside a frame each way, a
 * stall, a one-way blackhole each way, a slow drip, corrupt bytes each way.
 *
 * Each case moves 2,000 messages, paced so that the stream runs for a few seconds, and breaks the
 * client's connection about once a second (at most three times; each fault once the client is
 * open again). It prints its counts: sent, confirmed, received, lost, duplicated, and per fault the
 * detection time (fault to `reconnecting`) and the recovery time (fault to `open` again). It
 * asserts nothing lost, every fault detected within DETECT_BOUND_MS, and no exception reaching the
 * process. A table of every case is printed at the end.
 *
 * The clients are given short dead-peer settings: AMQP idle timeout 1.5 s, STOMP heart-beats of
 * 500 ms both ways, and DEAD_PEER (a 3 s handshake deadline and a 3 s deadline for unanswered
 * work); STOMP consumers ACK with receipts. A stall and a blackhole towards the client are found
 * by the silence. A blackhole towards the broker, a corrupt frame towards it (RabbitMQ then waits
 * for a frame of gigabytes) and a drip (bytes keep coming, answers do not) need the deadline for
 * unanswered work over AMQP, where RabbitMQ's heart-beats go on, and for a STOMP drip; for a STOMP
 * blackhole towards the broker, RabbitMQ itself notices our missing heart-beats and closes.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { amqpClient, type AmqpClient } from '../../../src/amqp/index.js';
import { stompClient, type StompClient } from '../../../src/stomp/index.js';
import {
  amqpConsume, amqpDrainer, amqpSend, drain, stompConsume, stompDrainer, stompSend, Tally, type Consumer, type Pace,
} from '../../support/at-least-once.js';
import { faultProxy, type Fault, type FaultProxy, type Framing } from '../../support/fault-proxy.js';
import { PEERS, RABBITMQ, requirePeers, type TcpPeer } from '../../support/peers.js';
import { bound, DEAD_PEER, ProcessTrap, sleep, StateWatch, table } from './support.js';

const COUNT = 2000;
/** Sends: 20 every 30 ms (about 3 s for 2,000 without faults). */
const SEND_PACE: Pace = { batch: 20, everyMs: 30 };
/**
 * Consumers: 50 unsettled at most, each settled 60 ms after it arrived (about 2.5 s for 2,000);
 * STOMP ACKs ask for a receipt, so that a consumer, too, has work whose answer can be awaited.
 */
const CONSUME = { window: 50, settleDelayMs: 60, ackReceipts: true } as const;
const FAULT_GAP_MS = 1000;
const MAX_FAULTS = 3;
/**
 * Longest time from a fault to the client noticing it: a receiver that hears nothing but
 * heart-beats for `responseTimeout` probes the peer and waits as long again for the answer.
 */
const DETECT_BOUND_MS = 2 * DEAD_PEER.responseTimeout + 4000;
/** Longest time a case's workload may take in all. */
const WORK_BOUND_MS = 60_000;
const RECONNECT = { initialDelayMs: 50, maxDelayMs: 1000 } as const;

interface Mode { readonly name: string; readonly fault: Fault }

const MODES: readonly Mode[] = [
  { name: 'cut', fault: { kind: 'cut' } },
  { name: 'cut in a frame to the broker', fault: { kind: 'cutInFrame', direction: 'toServer', afterBytes: 12 } },
  { name: 'cut in a frame to the client', fault: { kind: 'cutInFrame', direction: 'toClient', afterBytes: 12 } },
  { name: 'stall', fault: { kind: 'stall' } },
  { name: 'blackhole to the broker', fault: { kind: 'blackhole', direction: 'toServer' } },
  { name: 'blackhole to the client', fault: { kind: 'blackhole', direction: 'toClient' } },
  { name: 'drip to the client (1 byte / 500 ms)', fault: { kind: 'drip', direction: 'toClient', intervalMs: 500 } },
  { name: 'corrupt a frame to the broker', fault: { kind: 'corrupt', direction: 'toServer', offset: 0 } },
  { name: 'corrupt a frame to the client', fault: { kind: 'corrupt', direction: 'toClient', offset: 0 } },
];

/** One protocol's client, addressing and workloads, behind one shape. */
interface Protocol {
  readonly name: string;
  readonly peer: TcpPeer;
  readonly framing: Framing;
  /** A client of `url` (through the proxy, or direct for preloading and draining). */
  client(url: string): Workbench;
  url(port?: number): string;
  address(queue: string): string;
}

interface Workbench {
  readonly watch: StateWatch;
  send(address: string, count: number, tally: Tally, hold: (s: Subscription) => void): Promise<void>;
  consume(address: string, tally: Tally): Consumer;
  drainer(address: string): (each: (id: number) => void) => Subscription;
  close(): Promise<void>;
}

const amqpBench = (c: AmqpClient): Workbench => ({
  watch: new StateWatch(c.state$),
  send: (a, n, t, hold) => amqpSend(c, a, n, SEND_PACE, t, hold),
  consume: (a, t) => amqpConsume(c, a, t, CONSUME),
  drainer: (a) => amqpDrainer(c, a),
  close: () => c.close(),
});

const stompBench = (c: StompClient): Workbench => ({
  watch: new StateWatch(c.state$),
  send: (a, n, t, hold) => stompSend(c, a, n, SEND_PACE, t, hold),
  consume: (a, t) => stompConsume(c, a, t, CONSUME),
  drainer: (a) => stompDrainer(c, a),
  close: () => c.close(),
});

const PROTOCOLS: readonly Protocol[] = [
  {
    name: 'AMQP 1.0',
    peer: PEERS.rabbitAmqp,
    framing: 'amqp',
    url: (port) => RABBITMQ.amqpUrl(port === undefined ? {} : { port }),
    address: (q) => `/queue/${q}`,
    client: (url) => amqpBench(amqpClient({
      urls: [url], idleTimeout: 1500, reconnect: RECONNECT, onWarning: () => {}, ...DEAD_PEER,
    })),
  },
  {
    name: 'STOMP',
    peer: PEERS.rabbitStomp,
    framing: 'stomp',
    url: (port) => RABBITMQ.stompUrl(port === undefined ? {} : { port }),
    address: (q) => `/queue/${q}`,
    client: (url) => stompBench(stompClient({
      urls: [url], heartbeat: [500, 500], heartbeatGraceMs: 500, connectTimeoutMs: DEAD_PEER.connectTimeout, reconnect: RECONNECT, ...DEAD_PEER,
    })),
  },
];

/** One fault of a case: when the client noticed it and when it was open again (ms after it). */
interface FaultEvent { readonly detectionMs: number | undefined; readonly recoveryMs: number | undefined }

/**
 * Break the client's connection with `fault` about every FAULT_GAP_MS while `running()`: each time
 * the client has been open that long, at most MAX_FAULTS times. Stops early when a fault goes
 * unnoticed for DETECT_BOUND_MS (the case then fails on it).
 */
async function faultLoop(proxy: FaultProxy, watch: StateWatch, fault: Fault, running: () => boolean): Promise<FaultEvent[]> {
  const events: FaultEvent[] = [];
  while (running() && events.length < MAX_FAULTS) {
    if (await watch.waitFor('open', Math.max(0, watch.events.length - 1), WORK_BOUND_MS) === undefined) break;
    const until = Date.now() + FAULT_GAP_MS;
    while (running() && Date.now() < until) await sleep(50);
    if (!running() || watch.current !== 'open') continue;
    const from = watch.events.length;
    const effects = effectCount(proxy, fault);
    let t0 = Date.now();
    if (proxy.inject(fault) === 0) continue;
    if (effects !== undefined) {
      // A torn or corrupt frame takes effect with the next frame that direction carries: time
      // the detection from then. One that never takes effect (the stream ended first) is no fault.
      while (running() && effectCount(proxy, fault) === effects) await sleep(5);
      if (effectCount(proxy, fault) === effects) break;
      t0 = proxy.counters.lastStrikeAt;
    }
    const detected = await watch.waitFor('reconnecting', from, DETECT_BOUND_MS);
    const reopened = detected === undefined ? undefined : await watch.waitFor('open', from, 30_000);
    events.push({
      detectionMs: detected === undefined ? undefined : detected - t0,
      recoveryMs: reopened === undefined ? undefined : reopened - t0,
    });
    if (detected === undefined) break;
  }
  return events;
}

/**
 * Resolves with false once `loop` has ended on a fault that went unnoticed: the connection is
 * then stuck and the workload cannot finish, so the case fails now rather than after WORK_BOUND_MS.
 */
const unnoticed = (loop: Promise<FaultEvent[]>): Promise<false> => new Promise((resolve) => {
  void loop.then((events) => { if (events.some((e) => e.detectionMs === undefined)) resolve(false); });
});

/** For faults that wait for a frame (cut inside one, corrupt one): how often they have struck so far. */
function effectCount(proxy: FaultProxy, fault: Fault): number | undefined {
  if (fault.kind === 'cutInFrame') return proxy.cuts.length;
  if (fault.kind === 'corrupt') return proxy.counters.corrupted;
  return undefined;
}

const ms = (v: number | undefined): string => (v === undefined ? 'none' : String(v));
const summary: string[][] = [];
const trap = new ProcessTrap();

describe('faults: reconnecting clients against RabbitMQ through the fault proxy', function () {
  this.timeout(WORK_BOUND_MS + 60_000);
  requirePeers(PEERS.rabbitAmqp, PEERS.rabbitStomp);
  const open: Workbench[] = [];
  const proxies: FaultProxy[] = [];
  const bench = (p: Protocol, url: string): Workbench => { const b = p.client(url); open.push(b); return b; };

  before(() => trap.install());
  after(() => {
    trap.uninstall();
    if (summary.length > 0) {
      console.log(`\n${table(['protocol', 'direction', 'fault', 'sent', 'confirmed', 'received', 'lost', 'dup', 'faults', 'detection ms', 'recovery ms'], summary)}\n`);
    }
  });
  afterEach(async () => {
    for (const b of open.splice(0)) { b.watch.stop(); await b.close().catch(() => {}); }
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    // Anything that reached the process during the case (or its clean-up) is a defect.
    const caught = trap.describe();
    trap.caught.length = 0;
    expect(caught, 'exceptions that reached the process').to.equal('');
  });

  for (const p of PROTOCOLS) {
    for (const direction of ['send', 'consume'] as const) {
      for (const mode of MODES) {
        it(`${p.name} ${direction}: ${mode.name}`, async () => {
          const queue = `rxmq-faults-${p.framing}-${direction}-${mode.fault.kind}-${randomUUID().slice(0, 8)}`;
          const address = p.address(queue);
          const proxy = await faultProxy({ targetPort: p.peer.port, targetHost: p.peer.host, framing: p.framing });
          proxies.push(proxy);
          const tally = new Tally(COUNT);
          const direct = bench(p, p.url());
          const faulty = bench(p, p.url(proxy.port));
          let sendSub: Subscription | undefined;
          let consumer: Consumer | undefined;
          let events: FaultEvent[];
          let finished: boolean;
          let streamError: unknown;

          if (direction === 'send') {
            // The queue exists before the first send (a receiver declares it), then is left alone.
            const declared = drain(direct.drainer(address), new Tally(0), 5000, 300);
            await declared;
            let done = false;
            // The send's own end: undefined when every message has its outcome, else its error.
            const work = faulty.send(address, COUNT, tally, (s) => { sendSub = s; })
              .then(() => undefined, (e: unknown) => e ?? new Error('the send ended with no error value'))
              .then((e) => { done = true; streamError = e; return e === undefined; });
            const loop = faultLoop(proxy, faulty.watch, mode.fault, () => !done);
            finished = await Promise.race([work, bound(WORK_BOUND_MS).then(() => false), unnoticed(loop)]);
            done = true;
            events = await loop;
            sendSub?.unsubscribe();
            // What reached the queue, read back directly (briefly when the sends are stuck: the
            // case fails on that anyway, the count only says how far it got).
            await drain(direct.drainer(address), tally, finished ? 20_000 : 3000);
          } else {
            // 2,000 messages in the queue first (directly), then consumed through the proxy.
            await direct.send(address, COUNT, new Tally(COUNT), () => {});
            tally.sent = COUNT;
            tally.confirmed = COUNT;
            consumer = faulty.consume(address, tally);
            const all = tally.all(WORK_BOUND_MS);
            let done = false;
            void all.then(() => { done = true; });
            const loop = faultLoop(proxy, faulty.watch, mode.fault, () => !done);
            finished = await Promise.race([all, unnoticed(loop), consumer.failed.then(() => false)]);
            done = true;
            events = await loop;
            // A little longer, so that redeliveries behind the last new message are counted.
            await sleep(700);
            consumer.stop();
          }

          const ended = streamError ?? consumer?.errors[0];
          const detections = events.map((e) => ms(e.detectionMs));
          const recoveries = events.map((e) => ms(e.recoveryMs));
          console.log(`      [${p.name} ${direction} / ${mode.name}] ${tally.line(finished)}; faults ${events.length}, `
            + `detection ms [${detections.join(', ')}], recovery ms [${recoveries.join(', ')}]; proxy: ${proxy.counters.accepted} connections, `
            + `${proxy.counters.dropped.toServer + proxy.counters.dropped.toClient} bytes dropped, ${proxy.counters.corrupted} flipped`
            + `${ended === undefined ? '' : `; the stream ended with ${String(ended)}`}`);
          summary.push([p.name, direction, mode.name, String(tally.sent), String(tally.confirmed), String(tally.received),
            finished ? String(tally.lost) : `(${tally.lost} outstanding)`, String(tally.duplicated), String(events.length), detections.join(' '), recoveries.join(' ')]);

          // The stream ran on across every fault: no error ended it.
          expect(ended === undefined ? '' : String(ended), 'the error that ended the stream').to.equal('');
          // Every fault was noticed, in time.
          expect(events.length, 'faults that hit the stream while it ran').to.be.greaterThan(0);
          for (const e of events) {
            expect(e.detectionMs, `a ${mode.name} was not noticed within ${DETECT_BOUND_MS} ms`).to.not.equal(undefined);
            expect(e.detectionMs).to.be.at.most(DETECT_BOUND_MS);
          }
          expect(finished, `the workload did not finish within ${WORK_BOUND_MS} ms (${tally.line(false)})`).to.equal(true);
          expect(tally.refused, 'sends refused by the broker').to.equal(0);
          expect(tally.confirmed).to.equal(COUNT);
          expect(tally.lost, `missing: ${tally.missing().join(', ')}`).to.equal(0);
          expect(tally.foreign, 'messages that arrived altered').to.equal(0);
        });
      }
    }
  }
});
