/**
 * The embedded broker's STOMP side with our own rx-mq STOMP client: bodies and escaped headers,
 * every ack mode with NACK redelivery, transactions, receipts, the prefetch bound, heart-beats,
 * wrong credentials, and a bounded queue that loses nothing.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, range, map, toArray } from 'rxjs';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect, StompError, type StompMessage, type StompSession } from '../../src/stomp/index.js';
import { withSession, gather, collect, hold } from '../support/stomp-session.js';
import { freePort } from '../support/free-port.js';
import { sleep, until } from './helpers.js';

describe('broker: STOMP with the rx-mq client', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const start = async (opts: BrokerOptions = {}): Promise<EmbeddedBroker> => {
    await broker?.close();
    broker = await startBroker(opts);
    return broker;
  };
  beforeEach(() => start());
  afterEach(() => broker.close());

  const url = (): string => broker.stompUrl as string;
  const session = <T>(f: (s: StompSession) => Promise<T>, u = url()): Promise<T> => withSession(u, f);

  it('listens for STOMP by default on a free port and says who it is', async () => {
    expect(broker.stompUrl).to.match(/^stomp:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.stompPort).to.be.a('number').and.not.equal(broker.amqpPort);
    await session(async (s) => {
      expect(s.version).to.equal('1.2');
      expect(s.server).to.equal('rx-mq-broker');
      expect(s.sessionId).to.be.a('string').and.not.equal('');
    });
    const off = await startBroker({ stompPort: false });
    expect(off.stompUrl).to.equal(undefined);
    await off.close();
    // A taken STOMP port fails the start and frees the AMQP port it had bound.
    const amqpPort = await freePort();
    const err = await startBroker({ amqpPort, stompPort: broker.stompPort }).then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException);
    expect(err?.code).to.equal('EADDRINUSE');
    const again = await startBroker({ amqpPort, stompPort: false });
    expect(again.amqpPort).to.equal(amqpPort);
    await again.close();
  });

  it('round-trips text, binary with NUL bytes and escaped headers, with receipts', () => session(async (s) => {
    const bin = new Uint8Array(300).map((_, i) => i % 256);
    const results = await lastValueFrom(of(
      'héllo',
      bin,
      { body: new Uint8Array([0, 0, 1, 0]), headers: { 'x-odd': 'a:b\nc\\d', 'content-type': 'application/x-test' } },
    ).pipe(s.send('/queue/round', { receipt: true }), toArray()));
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    expect(broker.queue('round')?.depth).to.equal(3);
    const msgs = await collect(s, '/queue/round', 3);
    expect(msgs[0].text).to.equal('héllo');
    expect(msgs[1].body).to.deep.equal(bin);
    expect([...msgs[2].body]).to.deep.equal([0, 0, 1, 0]);
    expect(msgs[2].headers['x-odd']).to.equal('a:b\nc\\d');
    expect(msgs[2].headers['content-type']).to.equal('application/x-test');
    expect(msgs[0].destination).to.equal('/queue/round');
    expect(new Set(msgs.map((m) => m.messageId)).size).to.equal(3);
  }));

  for (const version of ['1.0', '1.1', '1.2'] as const) {
    it(`speaks STOMP ${version}: escaped headers, client ACK${version === '1.0' ? '' : ' and NACK'}`, () => withSession(url(), async (s) => {
      expect(s.version).to.equal(version);
      // 1.0 cannot carry a line break in a header; 1.1 and 1.2 escape it.
      const odd = version === '1.0' ? 'a:b\\c' : 'a:b\nc\\d';
      await lastValueFrom(of({ body: 'v', headers: { 'x-odd': odd } }, 'w').pipe(s.send(`/queue/v${version}`, { receipt: true }), toArray()));
      const { msgs, sub, more } = await gather(s, `/queue/v${version}`, 2, { ack: 'client' });
      expect(msgs[0].headers['x-odd']).to.equal(odd);
      if (version !== '1.0') {
        // In client mode a NACK is cumulative too: both come back, in their order.
        await msgs[1].nack({ receipt: true });
        await until(() => more.length === 4, 5000, 'redelivery of both');
        expect(more.slice(2).map((m) => m.text)).to.deep.equal(['v', 'w']);
        await more[3].ack({ receipt: true });
      } else {
        await msgs[1].ack({ receipt: true });
      }
      expect(broker.queue(`v${version}`)?.depth).to.equal(0);
      sub.unsubscribe();
    }, connect({ url: url(), versions: [version] })));
  }

  it('client-individual: ACK removes one message, NACK redelivers it marked redelivered', () => session(async (s) => {
    await lastValueFrom(of('a', 'b').pipe(s.send('/queue/ind', { receipt: true }), toArray()));
    const { msgs, sub, more } = await gather(s, '/queue/ind', 2, { ack: 'client-individual' });
    await msgs[1].ack({ receipt: true });
    expect(broker.queue('ind')?.depth).to.equal(1);
    await msgs[0].nack({ receipt: true });
    await until(() => more.length === 3, 5000, 'redelivery');
    expect(more[2].text).to.equal('a');
    expect(more[2].headers.redelivered).to.equal('true');
    expect(msgs[0].headers.redelivered).to.equal(undefined);
    await more[2].ack({ receipt: true });
    expect(broker.queue('ind')?.depth).to.equal(0);
    sub.unsubscribe();
  }));

  it('client: ACK is cumulative over the subscription', () => session(async (s) => {
    await lastValueFrom(range(0, 5).pipe(map(String), s.send('/queue/cum', { receipt: true }), toArray()));
    const { msgs, sub } = await gather(s, '/queue/cum', 5, { ack: 'client' });
    await msgs[2].ack({ receipt: true });
    expect(broker.queue('cum')?.depth).to.equal(2);
    await msgs[4].ack({ receipt: true });
    expect(broker.queue('cum')?.depth).to.equal(0);
    sub.unsubscribe();
  }));

  it('auto: messages are gone once delivered; unacked client messages come back when the subscriber leaves', async () => {
    await session(async (s) => {
      await lastValueFrom(range(0, 3).pipe(map(String), s.send('/queue/auto', { receipt: true }), toArray()));
      const got = await collect(s, '/queue/auto', 3);
      expect(got.map((m) => m.text)).to.deep.equal(['0', '1', '2']);
      await until(() => broker.queue('auto')?.depth === 0, 2000, 'auto-acked');
      await lastValueFrom(of('kept').pipe(s.send('/queue/left', { receipt: true }), toArray()));
    });
    await session(async (s) => {
      const { sub } = await gather(s, '/queue/left', 1, { ack: 'client' });
      expect(broker.queue('left')?.depth).to.equal(1);
      sub.unsubscribe();
    });
    // The connection that held it is gone: the message is back, a failed delivery counted.
    const again = await session((s) => collect(s, '/queue/left', 1, { ack: 'auto' }));
    expect(again[0].text).to.equal('kept');
    expect(again[0].headers.redelivered).to.equal('true');
  });

  it('topics: every subscription gets its own copy; nothing is kept for nobody', () => session(async (s) => {
    await lastValueFrom(of('before anyone').pipe(s.send('/topic/t', { receipt: true }), toArray()));
    expect(broker.stats().unrouted).to.equal(1);
    let ready = 0;
    const a = gather(s, '/topic/t', 2, { onReceipt: () => { ready++; } });
    const b = gather(s, '/topic/t', 2, { ack: 'client-individual', onReceipt: () => { ready++; } });
    await until(() => ready === 2, 3000, 'both SUBSCRIBEs confirmed');
    await lastValueFrom(of('one', 'two').pipe(s.send('/topic/t', { receipt: true }), toArray()));
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.msgs.map((m) => m.text)).to.deep.equal(['one', 'two']);
    expect(rb.msgs.map((m) => m.text)).to.deep.equal(['one', 'two']);
    expect(ra.msgs[0].messageId).not.to.equal(rb.msgs[0].messageId);
    ra.sub.unsubscribe();
    rb.sub.unsubscribe();
  }));

  it('transactions: COMMIT stores the sends and applies the ACKs, ABORT drops sends and undoes ACKs', () => session(async (s) => {
    // hold() keeps transaction() subscribed until COMMIT: unsubscribing earlier would abort it
    // (the next test).
    const { value: tx } = await hold(s.transaction());
    await lastValueFrom(of('t1', 't2').pipe(s.send('/queue/tx', { transaction: tx, receipt: true }), toArray()));
    expect(broker.queue('tx')?.depth ?? 0).to.equal(0);
    await tx.commit();
    expect(broker.queue('tx')?.depth).to.equal(2);

    const { value: tx2 } = await hold(s.transaction());
    await lastValueFrom(of('dropped').pipe(s.send('/queue/tx', { transaction: tx2 }), toArray()));
    const { msgs, sub } = await gather(s, '/queue/tx', 2, { ack: 'client-individual' });
    await msgs[0].ack({ transaction: tx2, receipt: true });
    await tx2.abort();
    expect(broker.queue('tx')?.depth).to.equal(2);
    // The aborted ACK never happened: the message is still ours to acknowledge.
    const { value: tx3 } = await hold(s.transaction());
    await msgs[0].ack({ transaction: tx3 });
    await msgs[1].ack({ transaction: tx3 });
    expect(broker.queue('tx')?.depth).to.equal(2);
    await tx3.commit();
    expect(broker.queue('tx')?.depth).to.equal(0);
    sub.unsubscribe();
  }));

  it('unsubscribing from an open transaction aborts it: its sends are dropped and its id is unknown', () => session(async (s) => {
    const { value: tx, sub: txSub } = await hold(s.transaction({ receipt: true }));
    const sent = await lastValueFrom(of('gone 1', 'gone 2').pipe(s.send('/queue/txu', { transaction: tx, receipt: true }), toArray()));
    expect(sent.map((r) => r.state)).to.deep.equal(['receipted', 'receipted']);
    txSub.unsubscribe(); // writes ABORT
    const err = await lastValueFrom(of('late').pipe(s.send('/queue/txu', { transaction: tx, receipt: true }))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).brokerMessage).to.equal(`unknown transaction "${tx.id}"`);
    expect(broker.queue('txu')?.depth ?? 0).to.equal(0);
    expect(broker.stats().received).to.equal(0);
  }));

  it('never has more unacknowledged messages per subscription than its prefetch', () => session(async (s) => {
    await lastValueFrom(range(0, 40).pipe(map(String), s.send('/queue/pf', { receipt: true }), toArray()));
    let held: StompMessage[] = [];
    let max = 0;
    const got: string[] = [];
    const sub = s.subscribe('/queue/pf', { ack: 'client-individual', prefetch: 4 }).subscribe((m) => {
      held.push(m);
      got.push(m.text);
      max = Math.max(max, held.length);
    });
    while (got.length < 40) {
      await sleep(30);
      const batch = held;
      held = [];
      for (const m of batch) await m.ack();
    }
    sub.unsubscribe();
    expect(max).to.equal(4);
    expect(got).to.deep.equal(Array.from({ length: 40 }, (_, i) => String(i)));
  }));

  it('rejects a wrong login with an ERROR frame and accepts a right one', async () => {
    await start({ users: { app: 'secret' } });
    const port = broker.stompPort as number;
    const bad = firstValueFrom(connect(`stomp://app:nope@127.0.0.1:${port}`));
    const err = await bad.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).brokerMessage).to.match(/access refused/);
    await session(async (s) => { expect(s.version).to.equal('1.2'); }, `stomp://app:secret@127.0.0.1:${port}`);
  });

  it('a full bounded queue holds SENDs back until there is room, losing nothing', async () => {
    await start({ maxQueueDepth: 5 });
    await session(async (s) => {
      const sent = lastValueFrom(range(0, 30).pipe(map((i) => `m${i}`), s.send('/queue/bounded', { receipt: true }), toArray()));
      await until(() => broker.queue('bounded')?.depth === 5, 5000, 'queue full');
      await sleep(200);
      expect(broker.queue('bounded')?.depth).to.equal(5);
      const got = await collect(s, '/queue/bounded', 30, { ack: 'auto' });
      expect(got.map((m) => m.text)).to.deep.equal(Array.from({ length: 30 }, (_, i) => `m${i}`));
      expect((await sent).length).to.equal(30);
    });
    expect(broker.stats().received).to.equal(30);
  });

  it('a client producing to and consuming from the same full queue does not wait for itself', async () => {
    await start({ maxQueueDepth: 3 });
    await session(async (s) => {
      const got: string[] = [];
      const sub = s.subscribe('/queue/self', { ack: 'client-individual', prefetch: 3 }).subscribe((m) => {
        got.push(m.text);
        void m.ack();
      });
      await lastValueFrom(range(0, 50).pipe(map(String), s.send('/queue/self', { receipt: true }), toArray()));
      await until(() => got.length === 50, 10_000, 'all 50');
      sub.unsubscribe();
      expect(got).to.deep.equal(Array.from({ length: 50 }, (_, i) => String(i)));
    });
  });

  it('keeps a heart-beating client connected past several intervals', async () => {
    await start({ stompHeartbeat: [100, 100] });
    await withSession(url(), async (s) => {
      expect(s.heartbeat).to.deep.equal({ send: 100, receive: 100 });
      await sleep(1500);
      const got = await lastValueFrom(of('alive').pipe(s.send('/queue/hb', { receipt: true }), toArray()));
      expect(got[0].state).to.equal('receipted');
    }, connect({ url: url(), heartbeat: [100, 100] }));
  });
});
