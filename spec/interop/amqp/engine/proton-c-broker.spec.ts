/**
 * The engine against Qpid Proton's C example broker (examples/c/broker.c from
 * libqpid-proton11-dev-examples, compiled and started on 127.0.0.1:5673 by scripts/brokers.sh):
 * SASL, 1000 messages through a queue under credit, a 1 MiB message over 4 KiB frames both ways,
 * and a quirk of the broker: it ignores drain.
 *
 * What this broker does (read from its source and seen on the wire):
 * - offers SASL ANONYMOUS only, and also accepts a client that skips SASL;
 * - advertises no max-frame-size (so we write frames as large as our own limit);
 * - grants each sender link 5 credits at a time, accepts and settles every message;
 * - sends to consumers pre-settled (at-most-once on the way out: nothing for us to settle);
 * - never looks at drain: a drain request is neither answered nor its credit given back;
 * - as shipped, it garbled a message whose bytes reached it in more than one piece (several
 *   transfer frames not processed together): its PN_DELIVERY handler grew the buffer but
 *   received each new piece into the buffer's start. scripts/brokers.sh corrects that call
 *   before compiling; the test below checks such a message comes back intact.
 * Queues are in memory and shared by every test run against the same broker process, so every
 * test uses fresh queue names.
 */
import { expect } from 'chai';
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { int, string } from '../../../../src/amqp/codec/index.js';
import type { ConnectionOptions } from '../../../../src/amqp/engine/connection.js';
import type { IncomingDelivery, ReceiverLink, SenderLink } from '../../../../src/amqp/engine/link.js';
import type { Session } from '../../../../src/amqp/engine/session.js';
import { decodeSections, encodeSections } from '../../../../src/amqp/frames/index.js';
import { EngineDriver } from '../../../support/engine-driver.js';
import { PEERS, requirePeers } from '../../../support/peers.js';

const PROTON_BROKER = { kind: 'tcp', host: PEERS.protonC.host, port: PEERS.protonC.port } as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

describe('brokers: engine <-> Qpid Proton C example broker', function () {
  requirePeers(PEERS.protonC);
  this.timeout(20_000);
  const drivers: EngineDriver[] = [];
  let lines: string[] = [];
  beforeEach(() => { lines = []; });
  afterEach(() => { for (const d of drivers.splice(0)) d.close(); });

  async function open(extra: Partial<ConnectionOptions> = {}): Promise<EngineDriver> {
    const d = new EngineDriver(PROTON_BROKER, { containerId: `rx-mq-proton-broker-test-${randomUUID()}`, sasl: {}, ...extra });
    drivers.push(d);
    await d.next('connection-open');
    return d;
  }

  async function attachReceiver(d: EngineDriver, s: Session, queue: string): Promise<ReceiverLink> {
    const rcv = s.attachReceiver({ name: `rcv-${randomUUID()}`, source: { kind: 'source', address: string(queue) } });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    return rcv;
  }

  /** Sends unsettled (at-least-once) as credit allows; resolves when every message was accepted. */
  async function sendAll(d: EngineDriver, s: Session, queue: string, payloads: readonly Uint8Array[]): Promise<SenderLink> {
    const snd = s.attachSender({ name: `snd-${randomUUID()}`, target: { kind: 'target', address: string(queue) } });
    d.flush();
    let sent = 0;
    while (sent < payloads.length) {
      await d.next('link-flow', (e) => e.link === snd && snd.credit.credit > 0);
      while (snd.sendable && sent < payloads.length) snd.send(payloads[sent++]);
      d.flush();
    }
    for (let i = 0; i < payloads.length; i++) {
      const u = await d.next('delivery-update', (e) => e.link === snd);
      expect(u.delivery.presettled).to.equal(false);
      expect(u.delivery.remoteState?.kind).to.equal('accepted');
      expect(u.delivery.settled).to.equal(true);
    }
    expect(snd.unsettledCount).to.equal(0);
    return snd;
  }

  it('offers SASL ANONYMOUS only and opens with it', async () => {
    const d = await open({ trace: (l) => lines.push(l) });
    const mechanisms = lines.filter((l) => l.includes('@sasl-mechanisms'));
    expect(mechanisms).to.have.length(1);
    expect(mechanisms[0]).to.include('sasl-server-mechanisms=[:ANONYMOUS]');
    expect(lines.some((l) => l.includes('-> @sasl-init') && l.includes('mechanism=:ANONYMOUS'))).to.equal(true);
    expect(lines.some((l) => l.includes('<- @sasl-outcome') && l.includes('code=ok'))).to.equal(true);
    // The example uses its argv[0] as container-id: the binary brokers.sh built (corrected).
    expect(d.conn.remote?.containerId).to.match(/\/proton-c-broker-recv-fixed$/);
    expect(d.conn.remote?.maxFrameSize).to.equal(undefined);
    expect(d.conn.remote?.channelMax).to.equal(32767);
  });

  it('also opens without a SASL layer (the broker does not require authentication)', async () => {
    const d = await open({ sasl: false, trace: (l) => lines.push(l) });
    expect(lines.some((l) => /sasl/i.test(l))).to.equal(false);
    expect(lines).to.include('-> AMQP header');
    expect(d.conn.state).to.equal('opened');
    expect(d.conn.remote?.containerId).to.match(/\/proton-c-broker-recv-fixed$/);
  });

  it('moves 1000 messages through a queue in order, with credit 100 topped up as they are processed', async () => {
    const N = 1000;
    const CREDIT = 100;
    const TOP_UP_BATCH = 10;
    const d = await open();
    const queue = `rxmq-1000-${randomUUID()}`;
    const s = d.conn.session();
    const payloads = Array.from({ length: N }, (_, i) => encodeSections({ body: { kind: 'value', value: int(i) } }));
    await sendAll(d, s, queue, payloads);

    // The queue now holds all 1000: the broker fills the whole credit window and must stop there.
    const rcv = await attachReceiver(d, s, queue);
    rcv.flow(CREDIT);
    d.flush();
    await until(() => rcv.credit.deliveryCount >= CREDIT);
    await sleep(200);
    expect(rcv.credit.deliveryCount, 'deliveries taken in before any top-up').to.equal(CREDIT);
    expect(rcv.credit.credit).to.equal(0);

    const bodies: number[] = [];
    let processedNotToppedUp = 0;
    let maxHeld = 0;
    while (bodies.length < N) {
      const { delivery } = await d.next('delivery', (e) => e.link === rcv);
      // Deliveries the engine has taken in that we have not processed yet (this one included):
      // never more than the credit we granted.
      const held = rcv.credit.deliveryCount - bodies.length;
      maxHeld = Math.max(maxHeld, held);
      expect(held, 'deliveries held unprocessed').to.be.at.most(CREDIT);
      // The broker sends pre-settled: the delivery arrives settled and there is no outcome to
      // give (settling it again would be an IllegalStateError), so processing it is what frees
      // its credit slot.
      expect(delivery.remoteSettled, 'the broker sends pre-settled').to.equal(true);
      expect(delivery.settled).to.equal(true);
      bodies.push(bodyInt(delivery));
      if (++processedNotToppedUp === TOP_UP_BATCH) {
        rcv.addCredit(processedNotToppedUp);
        processedNotToppedUp = 0;
        d.flush();
      }
    }

    expect(maxHeld).to.equal(CREDIT);
    expect(bodies).to.deep.equal(Array.from({ length: N }, (_, i) => i));
    expect(rcv.credit.overCredit).to.equal(0);
    expect(d.events.filter((e) => e.type === 'credit-violation')).to.have.length(0);
    expect(rcv.unsettledCount).to.equal(0);
    // Every top-up was used except the last CREDIT worth, which waits on the now empty queue.
    expect(rcv.credit.deliveryCount).to.equal(N);
    expect(rcv.credit.credit).to.equal(CREDIT);
  });

  it('delivers a 1 MiB message to us across 4 KiB frames', async () => {
    // Sent in one frame, received over a connection that takes
    // frames of at most 4 KiB: the broker splits it and the engine reassembles it.
    const sender = await open({ maxFrameSize: 2 * 1024 * 1024, trace: (l) => lines.push(l) });
    const queue = `rxmq-big-${randomUUID()}`;
    const payload = encodeSections({ body: { kind: 'data', data: [noise(1024 * 1024)] } });
    await sendAll(sender, sender.conn.session(), queue, [payload]);
    expect(lines.filter((l) => l.includes('-> @transfer'))).to.have.length(1);

    lines = [];
    const d = await open({ maxFrameSize: 4096, trace: (l) => lines.push(l) });
    // The broker sets no max-frame-size, so ours bounds the frames in both directions.
    expect(d.conn.remoteMaxFrameSize).to.equal(4096);
    const rcv = await attachReceiver(d, d.conn.session(), queue);
    rcv.flow(1);
    d.flush();
    const got = (await d.next('delivery', (e) => e.link === rcv)).delivery;
    const incoming = lines.filter((l) => l.includes('<- @transfer'));
    expect(incoming.length).to.be.greaterThan(256);
    expect(incoming.slice(0, -1).every((l) => l.includes('more=true'))).to.equal(true);
    const frameBytes = incoming.map((l) => Number(/\+(\d+) bytes$/.exec(l)?.[1] ?? NaN));
    expect(frameBytes.reduce((a, b) => a + b, 0)).to.equal(payload.length);
    expect(Math.max(...frameBytes)).to.be.below(4096);
    expect(Buffer.from(got.payload).equals(Buffer.from(payload))).to.equal(true);
    const b = decodeSections(got.payload).body;
    expect(b?.kind).to.equal('data');
  });

  it('stores a 1 MiB message sent to it in 4 KiB frames intact (the receive brokers.sh corrects)', async () => {
    const d = await open({ maxFrameSize: 4096, trace: (l) => lines.push(l) });
    const queue = `rxmq-pieces-${randomUUID()}`;
    const payload = encodeSections({ body: { kind: 'data', data: [noise(1024 * 1024)] } });
    const s = d.conn.session();
    await sendAll(d, s, queue, [payload]); // accepted
    expect(lines.filter((l) => l.includes('-> @transfer')).length).to.be.greaterThan(256);
    const rcv = await attachReceiver(d, s, queue);
    rcv.flow(1);
    d.flush();
    const got = Buffer.from((await d.next('delivery', (e) => e.link === rcv)).delivery.payload);
    // The uncorrected example returned the same length with the last piece at the start.
    expect(got.equals(Buffer.from(payload))).to.equal(true);
    expect(decodeSections(got).body?.kind).to.equal('data');
  });

  it('ignores drain: no answering flow, and the credit stays with the broker', async () => {
    const d = await open({ trace: (l) => lines.push(l) });
    const queue = `rxmq-drain-${randomUUID()}`;
    const s = d.conn.session();
    const rcv = await attachReceiver(d, s, queue);
    const flowsBefore = lines.filter((l) => l.includes('<- @flow')).length;
    rcv.flow(10, true);
    d.flush();
    await sleep(1000);
    // The known quirk, as observed: on an empty queue the broker does not answer drain=true at
    // all. A conforming sender would advance delivery-count by 10 and send a flow with
    // link-credit 0 (Proton's own Python peer does: see spec/interop/engine-proton.spec.ts).
    expect(lines.filter((l) => l.includes('<- @flow')).length).to.equal(flowsBefore);
    expect(d.events.filter((e) => e.type === 'link-flow' && e.link === rcv)).to.have.length(0);
    expect(rcv.credit.credit).to.equal(10);
    expect(rcv.credit.drain).to.equal(true);
    expect(rcv.credit.deliveryCount).to.equal(0);

    // The unused credit was not given back: a message that reaches the queue later is still
    // delivered on it, over the same link, without any new flow from us.
    await sendAll(d, s, queue, [encodeSections({ body: { kind: 'value', value: int(42) } })]);
    const got = (await d.next('delivery', (e) => e.link === rcv)).delivery;
    expect(bodyInt(got)).to.equal(42);
    expect(rcv.credit.credit).to.equal(9);
    expect(rcv.credit.overCredit).to.equal(0);
    expect(d.events.filter((e) => e.type === 'link-flow' && e.link === rcv)).to.have.length(0);
    rcv.detach();
    d.flush();
    await d.next('link-detach', (e) => e.link === rcv);
  });
});

/** Bytes with no repeating pattern (xorshift32), so a misplaced piece can be located. */
function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function bodyInt(d: IncomingDelivery): number {
  const b = decodeSections(d.payload).body;
  if (b?.kind !== 'value' || b.value.type !== 'int') throw new Error(`unexpected body ${JSON.stringify(b)}`);
  return b.value.value;
}
