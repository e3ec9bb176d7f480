/**
 * Failover across a three-node RabbitMQ cluster (scripts/cluster.sh; `npm run test:cluster`
 * starts it and runs this file, which `npm run test:interop` does not: its name does not end in
 * .spec.ts).
 *
 * For each protocol, one reconnecting client (`amqpClient` or `stompClient`) is given the three
 * nodes' URLs. Through it, 10,000 at-least-once messages are sent (counted by outcome or receipt)
 * to a quorum queue replicated on the three nodes, and consumed with manual settlement (accept or
 * ACK, one by one). While that runs, the node the client is connected to (its `state$` says which:
 * the URL of the `open` state) is stopped with `rabbitmqctl stop_app`, and started again once
 * the client works through another node; then the same again with the node it moved to. The test
 * counts: nothing lost, duplicates reported, and per node stop the detection time (stop_app
 * issued to `reconnecting`) and the failover time (to `open` on another node). It prints a table.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { amqpClient } from '../../../src/amqp/index.js';
import { stompClient } from '../../../src/stomp/index.js';
import {
  amqpConsume, amqpSend, stompConsume, stompSend, Tally, type Consumer, type ConsumeOptions, type Pace,
} from '../../support/at-least-once.js';
import { bound, DEAD_PEER, ProcessTrap, sleep, StateWatch, table } from '../faults/support.js';
import { cluster, NODES, nodeOfUrl, requireCluster, type ClusterNode } from './cluster.js';

const COUNT = 10_000;
/** 50 every 100 ms: about 20 s for 10,000 without outages, long enough for two node stops. */
const PACE: Pace = { batch: 50, everyMs: 100 };
const CONSUME: ConsumeOptions = { window: 100, settleDelayMs: 2 };
/** Node stops in each run, each once the previous node is back. */
const STOPS = 2;
/** Longest time for the whole workload of one protocol. */
const WORK_BOUND_MS = 240_000;
const RECONNECT = { initialDelayMs: 100, maxDelayMs: 2000 } as const;

interface Run {
  readonly watch: StateWatch;
  send(tally: Tally, hold: (s: Subscription) => void): Promise<void>;
  consume(tally: Tally): Consumer;
  close(): Promise<void>;
}

interface Protocol {
  readonly name: string;
  run(queue: string): Run;
}

/**
 * The queue is declared beforehand as a quorum queue (RabbitMQ 3.10 has no default queue type,
 * and declares a missing queue as classic), and addressed as an existing queue: `/amq/queue/Q`
 * never declares, in both protocols.
 */
const PROTOCOLS: readonly Protocol[] = [
  {
    name: 'AMQP 1.0',
    run(queue) {
      const c = amqpClient({ urls: NODES.map((n) => n.amqpUrl), idleTimeout: 5000, reconnect: RECONNECT, onWarning: () => {}, ...DEAD_PEER });
      const address = `/amq/queue/${queue}`;
      return { watch: new StateWatch(c.state$), send: (t, h) => amqpSend(c, address, COUNT, PACE, t, h), consume: (t) => amqpConsume(c, address, t, CONSUME), close: () => c.close() };
    },
  },
  {
    name: 'STOMP',
    run(queue) {
      const c = stompClient({
        urls: NODES.map((n) => n.stompUrl), heartbeat: [1000, 1000], connectTimeoutMs: DEAD_PEER.connectTimeout, reconnect: RECONNECT, ...DEAD_PEER,
      });
      const destination = `/amq/queue/${queue}`;
      return { watch: new StateWatch(c.state$), send: (t, h) => stompSend(c, destination, COUNT, PACE, t, h), consume: (t) => stompConsume(c, destination, t, CONSUME), close: () => c.close() };
    },
  },
];

/**
 * When a count last moved: sampled every 20 ms, so that the longest pause of the stream around a
 * node stop can be read off afterwards.
 */
class Progress {
  private readonly moves: number[] = [];
  private last = -1;
  private readonly timer: ReturnType<typeof setInterval>;
  constructor(read: () => number) {
    this.timer = setInterval(() => {
      const v = read();
      if (v !== this.last) { this.last = v; this.moves.push(Date.now()); }
    }, 20);
  }
  /** The longest time without progress that began within [from, to] (ms; to the next move, or now). */
  longestPause(from: number, to: number): number {
    let longest = 0;
    for (let i = 0; i < this.moves.length; i++) {
      const t = this.moves[i];
      if (t < from - 1000 || t > to) continue;
      const next = this.moves[i + 1] ?? Date.now();
      if (next >= from) longest = Math.max(longest, next - Math.max(t, from));
    }
    return longest;
  }
  stop(): void { clearInterval(this.timer); }
}

/** One node stop, as measured. */
interface Failover {
  readonly stopped: ClusterNode;
  /** When stop_app was issued. */
  readonly t0: number;
  /** stop_app issued -> the client reports the loss (`reconnecting`). */
  readonly detectionMs: number | undefined;
  /** The loss -> `open` again. */
  readonly failoverMs: number | undefined;
  /** The node it is on afterwards. */
  readonly now: ClusterNode | undefined;
  /** stop_app's own duration, and start_app's. */
  readonly stopAppMs: number;
  readonly startAppMs: number;
  /** The longest pause in confirmations and in consumption from stop_app until well after. */
  sendPauseMs: number;
  consumePauseMs: number;
}

const rows: string[][] = [];
const trap = new ProcessTrap();

describe('cluster: reconnecting clients fail over across a three-node RabbitMQ cluster', function () {
  this.timeout(WORK_BOUND_MS + 120_000);
  requireCluster();
  const runs: Run[] = [];

  before(() => trap.install());
  after(() => {
    trap.uninstall();
    if (rows.length > 0) {
      console.log(`\n${table(['protocol', 'stop', 'node stopped', 'moved to', 'detection ms', 'failover ms', 'send pause ms', 'consume pause ms', 'stop_app ms', 'start_app ms', 'lost', 'duplicated'], rows)}\n`);
    }
  });
  afterEach(async () => {
    for (const r of runs.splice(0)) { r.watch.stop(); await r.close().catch(() => {}); }
    // A node left stopped by a failed case is started again for the next one.
    for (const node of NODES) await cluster('ctl', String(node.n), '-q', 'start_app').catch(() => {});
    const caught = trap.describe();
    trap.caught.length = 0;
    expect(caught, 'exceptions that reached the process').to.equal('');
  });

  for (const p of PROTOCOLS) {
    it(`${p.name}: 10,000 at-least-once messages sent and consumed while the client's node is stopped and started, twice`, async () => {
      const queue = `rxmq-cluster-${p.name === 'STOMP' ? 'stomp' : 'amqp'}-${randomUUID().slice(0, 8)}`;
      expect((await cluster('declare-quorum', queue)).trim()).to.equal('new');
      const run = p.run(queue);
      runs.push(run);
      const sent = new Tally(COUNT);
      const received = new Tally(COUNT);
      let sendSub: Subscription | undefined;
      const consumer = run.consume(received);
      const confirms = new Progress(() => sent.confirmed);
      const consumed = new Progress(() => received.distinct.size);
      const sending = run.send(sent, (s) => { sendSub = s; });
      sending.catch(() => {});
      const failovers: Failover[] = [];

      for (let i = 0; i < STOPS; i++) {
        // Stop at about 20% and 60% of the messages confirmed, with the client open on a node.
        const mark = Math.floor(COUNT * (0.2 + 0.4 * i));
        while (sent.confirmed < mark && sent.confirmed < COUNT) await sleep(50);
        expect(sent.confirmed, 'the sends ended before a node could be stopped').to.be.lessThan(COUNT);
        expect(await run.watch.waitFor('open', Math.max(0, run.watch.events.length - 1), 60_000)).to.not.equal(undefined);
        const node = nodeOfUrl(run.watch.openUrl);
        expect(node, `the client says which node it is on (state$ open url: ${run.watch.openUrl})`).to.not.equal(undefined);
        const stoppedNode = node as ClusterNode;
        const from = run.watch.events.length;
        const t0 = Date.now();
        await cluster('ctl', String(stoppedNode.n), '-q', 'stop_app');
        const stopAppMs = Date.now() - t0;
        const lostAt = await run.watch.waitFor('reconnecting', from, 60_000);
        const openAt = await run.watch.waitFor('open', from, 60_000);
        const now = nodeOfUrl(run.watch.openUrl);
        // The node comes back; the next stop waits for it, so that the quorum queue keeps a
        // majority (two of three members) through every stop.
        const t1 = Date.now();
        await cluster('ctl', String(stoppedNode.n), '-q', 'start_app');
        const startAppMs = Date.now() - t1;
        failovers.push({
          stopped: stoppedNode, t0, now, stopAppMs, startAppMs, sendPauseMs: 0, consumePauseMs: 0,
          detectionMs: lostAt === undefined ? undefined : lostAt - t0,
          failoverMs: lostAt === undefined || openAt === undefined ? undefined : openAt - lostAt,
        });
        expect(openAt, `no failover within 60 s of stopping ${stoppedNode.name}`).to.not.equal(undefined);
        expect(now?.n, 'the client moved to another node').to.not.equal(stoppedNode.n);
      }

      const finished = await Promise.race([sending.then(() => true), bound(WORK_BOUND_MS).then(() => false)]);
      const allIn = finished && await received.all(60_000);
      // Redeliveries behind the last new message are counted too.
      await sleep(1000);
      consumer.stop();
      sendSub?.unsubscribe();
      confirms.stop();
      consumed.stop();
      failovers.forEach((f, k) => {
        // From this stop until the next one (or 30 s after stop_app returned).
        const to = Math.min(f.t0 + f.stopAppMs + 30_000, failovers[k + 1]?.t0 ?? Infinity);
        f.sendPauseMs = confirms.longestPause(f.t0, to);
        f.consumePauseMs = consumed.longestPause(f.t0, to);
      });

      const show = (v: number | undefined): string => (v === undefined ? 'none' : String(v));
      console.log(`      [${p.name}] sends: ${sent.line().replace(/, received.*$/, '')}; consumer: received ${received.received}, `
        + `lost ${received.lost}, duplicated ${received.duplicated}, settles lost with their connection ${consumer.settleFailures}`);
      failovers.forEach((f, k) => {
        console.log(`      [${p.name}] stop ${k + 1}: ${f.stopped.name} stopped (stop_app ${f.stopAppMs} ms); loss seen after ${show(f.detectionMs)} ms, `
          + `open on ${f.now?.name ?? '?'} ${show(f.failoverMs)} ms later; start_app ${f.startAppMs} ms; longest pause: confirmations ${f.sendPauseMs} ms, `
          + `consumption ${f.consumePauseMs} ms`);
        rows.push([p.name, String(k + 1), f.stopped.name, f.now?.name ?? '?', show(f.detectionMs), show(f.failoverMs),
          String(f.sendPauseMs), String(f.consumePauseMs), String(f.stopAppMs), String(f.startAppMs),
          k === 0 ? String(received.lost) : '', k === 0 ? String(received.duplicated) : '']);
      });

      expect(finished, `the sends did not finish within ${WORK_BOUND_MS} ms (${sent.line(false)})`).to.equal(true);
      expect(sent.refused, 'sends refused').to.equal(0);
      expect(sent.confirmed).to.equal(COUNT);
      expect(allIn, `not every message was consumed (${received.line(false)})`).to.equal(true);
      expect(consumer.errors).to.deep.equal([]);
      expect(received.lost, `missing: ${received.missing().join(', ')}`).to.equal(0);
      expect(received.foreign, 'messages that arrived altered').to.equal(0);
      expect(failovers).to.have.length(STOPS);
    });
  }
});
