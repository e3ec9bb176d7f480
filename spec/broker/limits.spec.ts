/**
 * The broker's limits (issue 26 item 3), each proven from a client's side: what the issue measured
 * without them now holds (a never-ending AMQP message is cut at maxMessageSize, a trickling client
 * is dropped at the handshake deadline, a non-reading consumer stops its producers instead of
 * growing the broker, STOMP transactions are bounded in bytes and count, connections, sessions,
 * links and queues are bounded, unused auto-created queues are deleted, and a full bounded queue
 * grants no credit), and healthy clients are not affected.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { encodeFrame, protocolHeaderBytes, type Performative, type SaslFrameBody } from '../../src/amqp/frames/index.js';
import { firstValueFrom, from } from 'rxjs';
import { amqpClient, connect, SaslError } from '../../src/amqp/index.js';
import { connect as stompConnect, StompError } from '../../src/stomp/index.js';
import { string } from '../../src/amqp/codec/index.js';
import { BrokerLimitError, DEFAULT_BROKER_LIMITS, startBroker, type BrokerOptions, type EmbeddedBroker } from '../../src/broker/index.js';
import { attach, preamble, rawAmqp } from './amqp-raw.js';
import { creditOf, rheaConnect, rheaSender, rheaSendAll, sleep, until } from './helpers.js';
import { rawClient } from './stomp-helpers.js';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n\0';

describe('broker: limits', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker | undefined;
  const errors: Error[] = [];
  const start = async (o: BrokerOptions): Promise<EmbeddedBroker> => {
    errors.length = 0;
    broker = await startBroker({ onError: (e) => errors.push(e), ...o });
    return broker;
  };
  afterEach(async () => { await broker?.close(); broker = undefined; });

  it('has safe defaults and refuses nonsense', async () => {
    expect(DEFAULT_BROKER_LIMITS).to.deep.equal({
      maxMessageSize: 16 * 1024 * 1024, handshakeTimeout: 10_000, maxWriteBuffer: 1024 * 1024, maxConnections: 1000,
      maxSessionsPerConnection: 64, maxLinksPerConnection: 1024, maxIncompleteBytesPerConnection: 64 * 1024 * 1024, maxTransactions: 64, maxTransactionWork: 10_000, maxTransactionBytes: 16 * 1024 * 1024,
      maxTransactionFrames: 10_000, maxOrphanedSendBytes: 16 * 1024 * 1024, maxQueues: 10_000, idleNodeTimeout: 300_000,
    });
    for (const bad of [{ maxQueues: -1 }, { maxConnections: 0 }, { maxMessageSize: 1.5 }, { nope: 1 }]) {
      let err: unknown;
      try { await startBroker({ limits: bad as never }); } catch (e) { err = e; }
      expect(err, JSON.stringify(bad)).to.be.instanceOf(RangeError);
    }
  });

  describe('maxIncompleteBytesPerConnection', () => {
    /** The first transfer of a delivery on link `h` carrying `bytes` bytes, more to come. */
    const firstPart = (h: number, id: number, bytes: number): Uint8Array =>
      encodeFrame(0, { kind: 'transfer', handle: h, deliveryId: id, deliveryTag: new Uint8Array([id]), more: true } as Performative, new Uint8Array(bytes));
    /** The last transfer of the delivery on link `h` (an empty amqp-value null ends it whole). */
    const lastPart = (h: number): Uint8Array =>
      encodeFrame(0, { kind: 'transfer', handle: h, more: false } as Performative, new Uint8Array(0));

    it('AMQP: incomplete messages on several links beyond the bound close the connection with resource-limit-exceeded', async () => {
      const b = await start({ limits: { maxMessageSize: 1024 * 1024, maxIncompleteBytesPerConnection: 2 * 1024 * 1024 } });
      const raw = await rawAmqp(b.amqpPort);
      raw.write(...preamble(), attach(0, 'sender', 'inc-a'), attach(1, 'sender', 'inc-b'), attach(2, 'sender', 'inc-c'));
      await until(() => raw.received.filter((e) => e.type === 'amqp' && e.performative.kind === 'flow').length >= 3);
      // Each within maxMessageSize (900 KiB of 1 MiB); together 2.7 MiB of the 2 MiB bound.
      raw.write(firstPart(0, 0, 900 * 1024), firstPart(1, 1, 900 * 1024));
      await sleep(100);
      expect(raw.received.some((e) => e.type === 'amqp' && e.performative.kind === 'close')).to.equal(false);
      raw.write(firstPart(2, 2, 900 * 1024));
      const close = await raw.performative('close');
      expect(close.error?.condition).to.equal('amqp:resource-limit-exceeded');
      expect(close.error?.description).to.match(/more than 2097152 bytes of incomplete messages/);
      await raw.closed;
    });

    it('AMQP: completed (and aborted) messages give their bytes back: the same load in turns goes through', async () => {
      const b = await start({ limits: { maxMessageSize: 1024 * 1024, maxIncompleteBytesPerConnection: 2 * 1024 * 1024 } });
      const raw = await rawAmqp(b.amqpPort);
      raw.write(...preamble(), attach(0, 'sender', 'turn-a'), attach(1, 'sender', 'turn-b'), attach(2, 'sender', 'turn-c'));
      await until(() => raw.received.filter((e) => e.type === 'amqp' && e.performative.kind === 'flow').length >= 3);
      raw.write(firstPart(0, 0, 900 * 1024), firstPart(1, 1, 900 * 1024), lastPart(0));
      // An aborted delivery gives its bytes back too.
      raw.write(encodeFrame(0, { kind: 'transfer', handle: 1, more: false, aborted: true } as Performative));
      raw.write(firstPart(2, 2, 900 * 1024), lastPart(2), firstPart(0, 3, 900 * 1024), lastPart(0));
      await until(() => (b.queue('turn-a')?.depth ?? 0) === 2 && (b.queue('turn-c')?.depth ?? 0) === 1, 5000, 'three messages stored');
      expect(raw.received.some((e) => e.type === 'amqp' && e.performative.kind === 'close')).to.equal(false);
      expect(b.queue('turn-b')?.depth ?? 0).to.equal(0);
      raw.socket.destroy();
    });
  });

  describe('maxMessageSize', () => {
    it('AMQP: advertised in the attach; a never-ending message is cut off at the limit, with bounded memory', async () => {
      const b = await start({ limits: { maxMessageSize: 64 * 1024 } });
      const raw = await rawAmqp(b.amqpPort);
      raw.write(...preamble(), attach(0, 'sender', 'big'));
      const answer = await raw.performative('attach');
      expect(answer.maxMessageSize).to.equal(64n * 1024n);
      await raw.performative('flow');
      // 256 MiB of one delivery (more=true, never finished), 64 KiB a transfer, written as the
      // socket drains: the link goes at 64 KiB and the rest is dropped as it arrives.
      const piece = new Uint8Array(60 * 1024);
      const firstFrame = encodeFrame(0, { kind: 'transfer', handle: 0, deliveryId: 0, deliveryTag: new Uint8Array([1]), more: true } as Performative, piece);
      const nextFrame = encodeFrame(0, { kind: 'transfer', handle: 0, more: true } as Performative, piece);
      const rss0 = process.memoryUsage().rss;
      raw.write(firstFrame);
      for (let i = 1; i < 4096 && !raw.socket.destroyed; i++) {
        if (!raw.socket.write(nextFrame)) await new Promise((r) => raw.socket.once('drain', r));
      }
      const detach = await raw.performative('detach');
      expect(detach.error?.condition).to.equal('amqp:link:message-size-exceeded');
      await sleep(200);
      expect(process.memoryUsage().rss - rss0).to.be.below(96 * 1024 * 1024);
      expect(b.queue('big')?.depth ?? 0).to.equal(0);
      raw.socket.destroy();
      // Within the limit, a message of several transfers still goes through.
      const c = await rheaConnect(b.amqpPort, { maxFrameSize: 4096 });
      const s = await rheaSender(c, 'big');
      expect(await rheaSendAll(s, [{ body: 'x'.repeat(60 * 1024) }])).to.deep.equal(['accepted']);
      await c.close();
    });

    it('STOMP: a larger SEND gets an ERROR frame', async () => {
      const b = await start({ limits: { maxMessageSize: 1000 } });
      const raw = await rawClient(b.stompPort as number);
      raw.write(`${CONNECT}SEND\ndestination:/queue/big\nreceipt:r\n\n${'x'.repeat(1001)}\0`);
      const e = await raw.frame((f) => f.command === 'ERROR');
      expect(e.headers.find(([k]) => k === 'message')?.[1]).to.match(/message too large: 1001 bytes/);
      expect(e.headers.find(([k]) => k === 'receipt-id')?.[1]).to.equal('r');
      await raw.closed;
    });
  });

  describe('handshakeTimeout', () => {
    it('AMQP: a client trickling its header and open one byte at a time is closed at the deadline', async () => {
      const b = await start({ limits: { handshakeTimeout: 400 }, idleTimeout: 60_000 });
      const raw = await rawAmqp(b.amqpPort);
      const bytes = Buffer.concat([protocolHeaderBytes('amqp'), encodeFrame(0, { kind: 'open', containerId: 'slow' } as Performative)]);
      let i = 0;
      const trickle = setInterval(() => { if (i < bytes.length && !raw.socket.destroyed) raw.write(bytes.subarray(i, ++i)); }, 50);
      const t0 = Date.now();
      await raw.closed;
      clearInterval(trickle);
      expect(Date.now() - t0).to.be.within(300, 5000);
      expect(i).to.be.below(bytes.length); // cut off before the open was complete
      expect(errors.map((e) => e.message).join()).to.match(/did not finish its handshake .* within 400 ms/);
    });

    it('AMQP: a client that opened in time stays', async () => {
      const b = await start({ limits: { handshakeTimeout: 300 } });
      const c = await rheaConnect(b.amqpPort);
      await sleep(600);
      const s = await rheaSender(c, 'in-time');
      expect(await rheaSendAll(s, [{ body: 1 }])).to.deep.equal(['accepted']);
      await c.close();
    });

    it('STOMP: a client trickling its CONNECT gets an ERROR at the deadline', async () => {
      const b = await start({ limits: { handshakeTimeout: 400 } });
      const raw = await rawClient(b.stompPort as number);
      let i = 0;
      const trickle = setInterval(() => { if (i < CONNECT.length && !raw.socket.destroyed) raw.write(CONNECT[i++]); }, 50);
      const e = await raw.frame((f) => f.command === 'ERROR');
      clearInterval(trickle);
      expect(e.headers.find(([k]) => k === 'message')?.[1]).to.match(/CONNECT/);
      await raw.closed;
    });
  });

  it('maxWriteBuffer: a pre-settled AMQP consumer that does not read holds its producers back', async () => {
    // The issue: on a queue with maxQueueDepth 1000, such a consumer made the broker accept
    // 425,869 messages and grow to 771 MiB in 30 s. Now the queue fills and credit stops.
    const b = await start({ maxQueueDepth: 1000, limits: { maxWriteBuffer: 256 * 1024 } });
    const raw = await rawAmqp(b.amqpPort);
    raw.write(...preamble(), encodeFrame(0, {
      kind: 'attach', name: 'sink', handle: 0, role: 'receiver', sndSettleMode: 'settled',
      source: { kind: 'source', address: string('sink') },
    } as Performative), encodeFrame(0, { kind: 'flow', nextIncomingId: 0, incomingWindow: 0x7fffffff, nextOutgoingId: 0, outgoingWindow: 0xffff, handle: 0, deliveryCount: 0, linkCredit: 0xffffffff } as Performative));
    await raw.performative('attach');
    raw.socket.pause(); // never reads again
    const c = await rheaConnect(b.amqpPort);
    const s = c.connection.open_sender({ target: { address: 'sink' } });
    const body = 'x'.repeat(10 * 1024);
    let accepted = 0;
    s.on('accepted', () => { accepted++; });
    s.on('sendable', () => { while (s.sendable()) s.send({ body }); });
    // Until the producer is held back: no credit, nothing accepted for a while.
    let before = -1;
    await until(() => {
      const stalled = creditOf(s) === 0 && accepted === before;
      before = accepted;
      return stalled && b.queue('sink')?.depth === 1000;
    }, 20_000, 'the producer held back');
    // Bounded: the queue's 1000, what the write buffer and the socket buffers hold (10 KiB each).
    expect(b.stats().received).to.be.below(6000);
    await sleep(300);
    const settledCount = b.stats().received;
    await sleep(500);
    expect(b.stats().received).to.equal(settledCount);
    raw.socket.destroy();
    await c.close();
  });

  it('maxConnections: a connection beyond the limit is told why in its own protocol and closed; the others go on', async () => {
    const b = await start({ limits: { maxConnections: 2 } });
    const reason = 'connection refused: 2 connections are open (limit maxConnections = 2)';
    const a = await rheaConnect(b.amqpPort);
    const stomp = await rawClient(b.stompPort as number);
    stomp.write(CONNECT);
    await stomp.frame((f) => f.command === 'CONNECTED');
    // AMQP without SASL: our open, then a close with resource-limit-exceeded and the reason.
    const plain = await rawAmqp(b.amqpPort);
    plain.write(protocolHeaderBytes('amqp'));
    const close = await plain.performative('close');
    expect(close.error?.condition).to.equal('amqp:resource-limit-exceeded');
    expect(close.error?.description).to.equal(reason);
    await plain.closed;
    // AMQP with SASL: the mechanisms, then sys-temp to the client's init (credentials not judged).
    const sasl = await rawAmqp(b.amqpPort);
    sasl.write(protocolHeaderBytes('sasl'));
    await until(() => sasl.received.some((e) => e.type === 'sasl' && e.performative.kind === 'sasl-mechanisms'));
    sasl.write(encodeFrame(0, { kind: 'sasl-init', mechanism: 'ANONYMOUS' } as SaslFrameBody));
    await until(() => sasl.received.some((e) => e.type === 'sasl' && e.performative.kind === 'sasl-outcome'));
    const outcome = sasl.received.find((e) => e.type === 'sasl' && e.performative.kind === 'sasl-outcome');
    expect(outcome?.type === 'sasl' && outcome.performative.kind === 'sasl-outcome' ? outcome.performative.code : undefined).to.equal('sys-temp');
    await sasl.closed;
    // STOMP: an ERROR frame with the reason.
    const refusedStomp = await rawClient(b.stompPort as number);
    refusedStomp.write(CONNECT);
    const error = await refusedStomp.frame((f) => f.command === 'ERROR');
    expect(error.headers.find(([k]) => k === 'message')?.[1]).to.equal(reason);
    await refusedStomp.closed;
    // The clients' view: a temporary SASL failure (which a reconnecting client retries), a StompError.
    const amqpError = await firstValueFrom(connect(`amqp://127.0.0.1:${b.amqpPort}`)).then(() => undefined, (e: unknown) => e);
    expect(amqpError).to.be.instanceOf(SaslError);
    expect((amqpError as SaslError).temporary).to.equal(true);
    const stompError = await firstValueFrom(stompConnect(`stomp://127.0.0.1:${b.stompPort as number}`)).then(() => undefined, (e: unknown) => e);
    expect(stompError).to.be.instanceOf(StompError);
    expect((stompError as Error).message).to.include(reason);
    expect(errors.filter((e) => e instanceof BrokerLimitError).map((e) => e.message)).to.deep.equal(Array.from({ length: 5 }, () => reason));
    // The connections inside the limit were not affected.
    const s = await rheaSender(a, 'conn-limit');
    expect(await rheaSendAll(s, [{ body: 1 }])).to.deep.equal(['accepted']);
    stomp.socket.destroy();
    await sleep(200);
    const again = await rheaConnect(b.amqpPort); // a place was freed
    await again.close();
    await a.close();
  });

  it('maxConnections: amqpClient retries a refused connection and gets in once a place is free', async () => {
    const b = await start({ limits: { maxConnections: 1 } });
    const a = await rheaConnect(b.amqpPort);
    const client = amqpClient({ urls: [`amqp://127.0.0.1:${b.amqpPort}`], reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    try {
      const outcome = firstValueFrom(from([{ body: 'in at last' }]).pipe(client.send('conn-limit-retry')));
      await until(() => errors.filter((e) => e instanceof BrokerLimitError).length >= 2, 5000, 'two refusals');
      await a.close();
      expect((await outcome).state).to.equal('accepted');
    } finally {
      await client.close();
    }
  });

  it('maxSessionsPerConnection: channel-max says so, and a begin beyond it closes the connection', async () => {
    const b = await start({ limits: { maxSessionsPerConnection: 2 } });
    const raw = await rawAmqp(b.amqpPort);
    const begin = (ch: number): Uint8Array => encodeFrame(ch, { kind: 'begin', nextOutgoingId: 0, incomingWindow: 10, outgoingWindow: 10 } as Performative);
    raw.write(protocolHeaderBytes('amqp'), encodeFrame(0, { kind: 'open', containerId: 'x' } as Performative), begin(0), begin(1), begin(2));
    const open = await raw.performative('open');
    expect(open.channelMax).to.equal(1);
    const close = await raw.performative('close');
    expect(close.error?.condition).to.equal('amqp:connection:framing-error');
    expect(close.error?.description).to.match(/channel 2 exceeds channel-max 1/);
  });

  it('maxLinksPerConnection: one more link is refused with amqp:resource-limit-exceeded', async () => {
    const b = await start({ limits: { maxLinksPerConnection: 3 } });
    const raw = await rawAmqp(b.amqpPort);
    // Two sessions: the count is the connection's, not a session's.
    raw.write(...preamble(), encodeFrame(1, { kind: 'begin', nextOutgoingId: 0, incomingWindow: 10, outgoingWindow: 10 } as Performative),
      attach(0, 'receiver', 'l1'), attach(1, 'receiver', 'l2'), attach(2, 'receiver', 'l3'),
      encodeFrame(1, { kind: 'attach', name: 'fourth', handle: 0, role: 'receiver', source: { kind: 'source', address: string('l4') } } as Performative));
    const detach = await raw.performative('detach');
    expect(detach.error?.condition).to.equal('amqp:resource-limit-exceeded');
    expect(detach.error?.description).to.match(/at most 3 links/);
    expect([1, 2, 3].map((i) => b.queue(`l${i}`)?.consumers)).to.deep.equal([1, 1, 1]);
    raw.socket.destroy();
  });

  describe('STOMP transactions', () => {
    it('a transaction of 100 KB SENDs is refused past 16 MiB (the default); memory stays bounded', async () => {
      // The issue: 10,001 such SENDs in one transaction took the broker to 1.1-1.2 GiB.
      const b = await start({});
      const raw = await rawClient(b.stompPort as number);
      const send = `SEND\ndestination:/queue/tx\ntransaction:t\n\n${'x'.repeat(100_000)}\0`;
      raw.write(`${CONNECT}BEGIN\ntransaction:t\n\n\0`);
      const rss0 = process.memoryUsage().rss;
      for (let i = 0; i < 400 && !raw.socket.destroyed; i++) raw.write(send);
      const e = await raw.frame((f) => f.command === 'ERROR', 20_000);
      expect(e.headers.find(([k]) => k === 'message')?.[1]).to.match(/holds more than 16777216 bytes/);
      await raw.closed;
      expect(process.memoryUsage().rss - rss0).to.be.below(200 * 1024 * 1024);
      expect(b.queue('tx')?.depth ?? 0).to.equal(0);
    });

    it('more than 64 open transactions (the default) are refused', async () => {
      // The issue: 1,000 open transactions were accepted.
      const b = await start({});
      const raw = await rawClient(b.stompPort as number);
      raw.write(CONNECT + Array.from({ length: 1000 }, (_, i) => `BEGIN\ntransaction:t${i}\n\n\0`).join(''));
      const e = await raw.frame((f) => f.command === 'ERROR');
      expect(e.headers.find(([k]) => k === 'message')?.[1]).to.match(/more than 64 transactions open/);
      await raw.closed;
    });
  });

  it('maxOrphanedSendBytes: SENDs parked for a full queue outlive their connection within the budget only', async () => {
    // Without it every connection that ended with SENDs parked kept them (and, at first, itself)
    // until the queue had room: the STOMP fuzz run grew by 350 MiB every 10,000 cases.
    const b = await start({ maxQueueDepth: 1, limits: { maxOrphanedSendBytes: 20 * 1024 } });
    const send = (n: number): string => Array.from({ length: n }, (_, i) => `SEND\ndestination:/queue/orphans\n\n${i}${'x'.repeat(1000)}\0`).join('');
    const first = await rawClient(b.stompPort as number);
    first.write(`${CONNECT}SEND\ndestination:/queue/orphans\nreceipt:stored\n\nfills it\0${send(5)}`);
    await first.frame((f) => f.command === 'RECEIPT');
    await sleep(100);
    first.socket.destroy(); // 5 parked: 1 KiB + 5 x 1.3 KB, within 20 KiB: kept
    const second = await rawClient(b.stompPort as number);
    second.write(CONNECT + send(20));
    await second.frame((f) => f.command === 'CONNECTED');
    await sleep(100);
    second.socket.destroy(); // 20 more: 1 KiB + 26 KB would pass 20 KiB: dropped
    await until(() => errors.some((e) => e instanceof BrokerLimitError), 2000, 'the drop reported');
    expect(errors.find((e) => e instanceof BrokerLimitError)?.message).to.match(/20 SEND\(s\) parked for a full queue were dropped .*maxOrphanedSendBytes = 20480/);
    // Drain the queue: the first connection's 5 come after the one stored, the second's never.
    const reader = await rawClient(b.stompPort as number);
    reader.write(`${CONNECT}SUBSCRIBE\nid:r\ndestination:/queue/orphans\n\n\0`);
    await until(() => reader.frames.filter((f) => f.command === 'MESSAGE').length === 6, 5000, 'six messages');
    await sleep(200);
    expect(reader.frames.filter((f) => f.command === 'MESSAGE').length).to.equal(6);
    reader.socket.destroy();
  });

  describe('maxQueues', () => {
    it('a new queue beyond the limit is refused over AMQP (the link) and STOMP (ERROR); existing ones work', async () => {
      const b = await start({ limits: { maxQueues: 2 } });
      const c = await rheaConnect(b.amqpPort);
      await rheaSender(c, 'mq-1');
      await rheaSender(c, 'mq-2');
      const refused = await new Promise<string | undefined>((resolve) => {
        const s = c.connection.open_sender({ target: { address: 'mq-3' } });
        s.on('sender_error', (ctx: rhea.EventContext) => resolve((ctx.sender?.error as { condition?: string } | undefined)?.condition));
      });
      expect(refused).to.equal('amqp:resource-limit-exceeded');
      const raw = await rawClient(b.stompPort as number);
      raw.write(`${CONNECT}SEND\ndestination:/queue/mq-2\nreceipt:ok\n\nfine\0SEND\ndestination:/queue/mq-4\n\nno\0`);
      await raw.frame((f) => f.command === 'RECEIPT');
      const e = await raw.frame((f) => f.command === 'ERROR');
      expect(e.headers.find(([k]) => k === 'message')?.[1]).to.match(/cannot create "mq-4": 2 queues and topics exist/);
      expect(b.queue('mq-2')?.depth).to.equal(1);
      await c.close();
    });
  });

  it('idleNodeTimeout: unused auto-created queues are deleted; queues with messages or consumers stay', async () => {
    // The issue: 100,000 STOMP subscriptions left 188 MiB after GC (nodes were never deleted).
    const b = await start({ limits: { idleNodeTimeout: 200 } });
    const raw = await rawClient(b.stompPort as number);
    const n = 2000;
    raw.write(CONNECT + Array.from({ length: n }, (_, i) => `SUBSCRIBE\nid:${i}\ndestination:/queue/idle-${i}\n\n\0UNSUBSCRIBE\nid:${i}\n\n\0`).join('') +
      'SEND\ndestination:/queue/kept\n\nstays\0SUBSCRIBE\nid:k\ndestination:/queue/watched\nreceipt:done\n\n\0');
    await raw.frame((f) => f.command === 'RECEIPT', 10_000);
    expect(b.queue('idle-0')).to.not.equal(undefined);
    await until(() => b.queue('idle-0') === undefined && b.queue(`idle-${n - 1}`) === undefined, 5000, 'the unused queues deleted');
    await sleep(500);
    expect(b.queue('kept')?.depth).to.equal(1);
    expect(b.queue('watched')?.consumers).to.equal(1);
    raw.socket.destroy();
  });

  it('a full bounded queue grants no credit: producers wait and resume as it drains, nothing is rejected', async () => {
    // The issue: with maxQueueDepth 100 the broker sent link-credit=99 while full and rejected 99 messages.
    const b = await start({ maxQueueDepth: 100 });
    const c = await rheaConnect(b.amqpPort);
    const s = c.connection.open_sender({ target: { address: 'full' } });
    const outcomes: string[] = [];
    for (const k of ['accepted', 'rejected', 'released', 'modified']) s.on(k, () => outcomes.push(k));
    let sent = 0;
    s.on('sendable', () => { while (s.sendable() && sent < 150) { s.send({ body: sent++ }); } });
    await until(() => outcomes.length === 100, 5000, '100 outcomes');
    await sleep(300);
    expect(outcomes).to.deep.equal(Array(100).fill('accepted'));
    expect(creditOf(s)).to.equal(0);
    expect(b.queue('full')?.depth).to.equal(100);
    // A consumer takes 50: the producer gets credit again and the rest is accepted.
    const r = c.connection.open_receiver({ source: { address: 'full' }, credit_window: 0, autoaccept: true });
    r.add_credit(50);
    await until(() => outcomes.length === 150, 5000, 'the last 50 outcomes');
    expect(outcomes.filter((o) => o !== 'accepted')).to.deep.equal([]);
    expect(b.queue('full')?.depth).to.equal(100);
    await c.close();
  });
});
