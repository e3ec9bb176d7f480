/**
 * The Rx API against real brokers (scripts/brokers.sh starts them): RabbitMQ over TCP and over
 * WebSocket (web-stomp), and ActiveMQ 5.17. Each test uses fresh destinations.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { collectReady, fresh, gather, hold, subscribeReady, withSession } from '../../support/stomp-session.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';
import { ACTIVEMQ_TCP, BROKERS, RABBIT_TCP } from './targets.js';
import { connect, StompConnectionClosedError, StompError, StompStateError, type StompMessage, type StompSession } from '../../../src/stomp/index.js';
import { cutProxy } from '../../support/cut-proxy.js';

const te = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const b of BROKERS) {
  describe(`stomp against ${b.name}`, function () {
    this.timeout(20_000);
    requirePeers(b.peer);

    it('negotiates STOMP 1.2 and names the server', () => withSession(b.url, async (s) => {
      expect(s.version).to.equal('1.2');
      expect(s.server).to.match(b.kind === 'rabbitmq' ? /^RabbitMQ\// : /^ActiveMQ\//);
    }));

    it('carries text and binary bodies with NUL bytes unchanged', () => withSession(b.url, async (s) => {
      const q = fresh('bodies');
      const { messages: got } = await collectReady(s, q, 3);
      const bin = new Uint8Array(256).map((_, i) => i);
      const res = await lastValueFrom(of('plain text é ✓', bin, { body: new Uint8Array([0, 0, 0]), headers: { 'content-type': 'application/octet-stream' } })
        .pipe(s.send(q, { receipt: true }), toArray()));
      expect(res.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
      const [m1, m2, m3] = await got;
      expect(m1.text).to.equal('plain text é ✓');
      expect(m1.body).to.deep.equal(te.encode('plain text é ✓'));
      expect(m2.body).to.deep.equal(bin);
      expect([...m3.body]).to.deep.equal([0, 0, 0]);
      expect(m3.destination).to.equal(q);
      expect(m3.messageId).to.be.a('string').and.not.equal('');
    }));

    it("keeps ':' '\\n' and '\\\\' in header values", () => withSession(b.url, async (s) => {
      const q = fresh('headers');
      const { messages: got } = await collectReady(s, q, 1);
      const value = 'a:b\nc\\d:e';
      await lastValueFrom(of({ body: 'x', headers: { 'x-odd': value, 'x-plain': 'ok' } }).pipe(s.send(q, { receipt: true })));
      const [m] = await got;
      expect(m.headers['x-odd']).to.equal(value);
      expect(m.headers['x-plain']).to.equal('ok');
    }));

    it('demultiplexes parallel subscriptions over one connection', () => withSession(b.url, async (s) => {
      const qa = fresh('par-a');
      const qb = fresh('par-b');
      const { messages: ga } = await collectReady(s, qa, 2);
      const { messages: gb } = await collectReady(s, qb, 2);
      await lastValueFrom(of('a1', 'a2').pipe(s.send(qa, { receipt: true }), toArray()));
      await lastValueFrom(of('b1', 'b2').pipe(s.send(qb, { receipt: true }), toArray()));
      expect((await ga).map((m) => m.text)).to.deep.equal(['a1', 'a2']);
      expect((await gb).map((m) => m.text)).to.deep.equal(['b1', 'b2']);
      expect((await ga)[0].subscription).not.to.equal((await gb)[0].subscription);
    }));

    it('commits a transaction (nothing visible before COMMIT) and aborts another', () => withSession(b.url, async (s) => {
      const q = fresh('tx');
      const seen: string[] = [];
      const sub = await subscribeReady(s, q, (m) => seen.push(m.text));
      const { value: tx } = await hold(s.transaction());
      // RabbitMQ sends no RECEIPT for a transactional SEND until COMMIT: do not wait for one here.
      await lastValueFrom(of('t1', 't2').pipe(s.send(q, { transaction: tx }), toArray()));
      await sleep(300);
      expect(seen).to.deep.equal([]);
      await tx.commit();
      const { value: tx2 } = await hold(s.transaction());
      await lastValueFrom(of('aborted').pipe(s.send(q, { transaction: tx2 }), toArray()));
      await tx2.abort();
      await lastValueFrom(of('after').pipe(s.send(q, { receipt: true })));
      for (let i = 0; i < 50 && seen.length < 3; i++) await sleep(50);
      sub.unsubscribe();
      expect(seen).to.deep.equal(['t1', 't2', 'after']);
      await tx.commit().then(() => expect.fail('second commit'), (e: Error) => expect(e.message).to.match(/already ended/));
    }));

    it('commits a transactional ACK and rolls back an aborted one', async () => {
      const q = fresh('txack');
      await withSession(b.url, async (s) => {
        await lastValueFrom(of('committed', 'aborted').pipe(s.send(q, { receipt: true }), toArray()));
        const { msgs: [c, a], sub } = await gather(s, q, 2, { ack: 'client-individual' });
        const { value: tx1 } = await hold(s.transaction());
        await c.ack({ transaction: tx1 });
        await tx1.commit();
        const { value: tx2 } = await hold(s.transaction());
        await a.ack({ transaction: tx2 });
        await tx2.abort();
        sub.unsubscribe();
      });
      const again = await withSession(b.url, async (s) => {
        const seen: string[] = [];
        const sub = s.subscribe(q).subscribe((m) => seen.push(m.text));
        for (let i = 0; i < 40 && seen.length < 1; i++) await sleep(50);
        await sleep(500);
        sub.unsubscribe();
        return seen;
      });
      expect(again).to.deep.equal(['aborted']);
    });

    it('acks and nacks individually; the nacked message comes back', () => withSession(b.url, async (s) => {
      const q = fresh('ack');
      // ActiveMQ only dead-letters persistent messages.
      await lastValueFrom(of('keep', 'again').pipe(s.send(q, { receipt: true, headers: { persistent: 'true' } }), toArray()));
      const { msgs: [m1, m2], sub, more } = await gather(s, q, 2, { ack: 'client-individual' });
      await m1.ack({ receipt: true });
      await m2.nack({ receipt: true });
      if (b.kind === 'rabbitmq') {
        // RabbitMQ requeues a NACKed message and delivers it again, flagged as redelivered.
        for (let i = 0; i < 60 && more.length < 3; i++) await sleep(50);
        expect(more.map((m) => m.text)).to.deep.equal(['keep', 'again', 'again']);
        expect(more[2].headers.redelivered).to.equal('true');
        await more[2].ack({ receipt: true });
      } else {
        // ActiveMQ sends a NACKed message to its dead-letter queue, ActiveMQ.DLQ by default.
        const { msgs: [dead], sub: dsub } = await gather(s, '/queue/ActiveMQ.DLQ', 1, { ack: 'client-individual', headers: { selector: `JMSMessageID = '${m2.messageId}'` } });
        expect(dead.text).to.equal('again');
        await dead.ack({ receipt: true });
        dsub.unsubscribe();
        expect(more).to.have.length(2);
      }
      sub.unsubscribe();
    }));

    it('redelivers unacknowledged client-ack messages to the next connection', async () => {
      const q = fresh('unacked');
      const first = await withSession(b.url, async (s) => {
        await lastValueFrom(of('m').pipe(s.send(q, { receipt: true })));
        const { msgs: [m], sub } = await gather(s, q, 1, { ack: 'client' });
        sub.unsubscribe();
        return m;
      });
      expect(first.text).to.equal('m');
      await withSession(b.url, async (s) => {
        const { msgs: [second], sub } = await gather(s, q, 1, { ack: 'client' });
        expect(second.text).to.equal('m');
        if (b.kind === 'rabbitmq') expect(second.headers.redelivered).to.equal('true');
        await second.ack({ receipt: true });
        sub.unsubscribe();
      });
    });

    it('prefetch bounds unacknowledged deliveries (backpressure)', () => withSession(b.url, async (s) => {
      const q = fresh('prefetch');
      await lastValueFrom(of('1', '2', '3', '4', '5').pipe(s.send(q, { receipt: true }), toArray()));
      const got: StompMessage[] = [];
      const sub = s.subscribe(q, { ack: 'client-individual', prefetch: 2 }).subscribe((m) => got.push(m));
      await sleep(700);
      expect(got.map((m) => m.text)).to.deep.equal(['1', '2']);
      await got[0].ack({ receipt: true });
      await sleep(500);
      expect(got.map((m) => m.text)).to.deep.equal(['1', '2', '3']);
      for (const m of got.slice(1)) await m.ack();
      await sleep(500);
      expect(got.map((m) => m.text)).to.deep.equal(['1', '2', '3', '4', '5']);
      for (const m of got.slice(3)) await m.ack({ receipt: true });
      sub.unsubscribe();
    }));

    it('keeps an idle connection alive with 300 ms heart-beats', () => withSession(b.url, async (s) => {
      expect(s.heartbeat.send).to.be.greaterThan(0);
      expect(s.heartbeat.receive).to.be.greaterThan(0);
      await sleep(2500);
      const q = fresh('hb');
      await lastValueFrom(of('alive').pipe(s.send(q, { receipt: true })));
    }, connect({ url: b.url, heartbeat: [300, 300] })));

    it('keeps delivering to one subscription after another on the same connection unsubscribes', () => withSession(b.url, async (s) => {
      const qa = fresh('keep-a');
      const qb = fresh('keep-b');
      const a: string[] = [];
      const bs: string[] = [];
      const subA = await subscribeReady(s, qa, (m) => a.push(m.text));
      const subB = await subscribeReady(s, qb, (m) => bs.push(m.text));
      // Without a receipt each result is 'sent' (queued for the socket), with the body's size.
      const sent = await lastValueFrom(of('a1', 'é').pipe(s.send(qa), toArray()));
      expect(sent).to.deep.equal([{ state: 'sent', destination: qa, size: 2 }, { state: 'sent', destination: qa, size: 2 }]);
      await lastValueFrom(of('b1').pipe(s.send(qb, { receipt: true })));
      for (let i = 0; i < 60 && (a.length < 2 || bs.length < 1); i++) await sleep(50);
      subA.unsubscribe();
      const after = await lastValueFrom(of('b2', 'b3').pipe(s.send(qb, { receipt: true }), toArray()));
      expect(after.map((r) => r.state)).to.deep.equal(['receipted', 'receipted']);
      for (let i = 0; i < 60 && bs.length < 3; i++) await sleep(50);
      subB.unsubscribe();
      expect(a).to.deep.equal(['a1', 'é']);
      expect(bs).to.deep.equal(['b1', 'b2', 'b3']);
    }));

    it('confirms SUBSCRIBE and BEGIN with receipts (the ready signals)', () => withSession(b.url, async (s) => {
      const q = fresh('ready');
      let ready = false;
      const got: string[] = [];
      const sub = s.subscribe(q, { onReceipt: () => { ready = true; } }).subscribe((m) => got.push(m.text));
      for (let i = 0; i < 100 && !ready; i++) await sleep(20);
      expect(ready).to.equal(true);
      const { value: tx, sub: txSub } = await hold(s.transaction({ receipt: true }));
      await lastValueFrom(of('in tx').pipe(s.send(q, { transaction: tx })));
      await tx.commit();
      txSub.unsubscribe();
      for (let i = 0; i < 60 && got.length < 1; i++) await sleep(50);
      sub.unsubscribe();
      expect(got).to.deep.equal(['in tx']);
    }));

    it('unsubscribing from an open transaction aborts it: its messages never arrive', () => withSession(b.url, async (s) => {
      const q = fresh('tx-unsub');
      const seen: string[] = [];
      const sub = await subscribeReady(s, q, (m) => seen.push(m.text));
      const { value: tx, sub: txSub } = await hold(s.transaction({ receipt: true }));
      await lastValueFrom(of('dropped 1', 'dropped 2').pipe(s.send(q, { transaction: tx }), toArray()));
      txSub.unsubscribe(); // writes ABORT
      // The transaction is gone on the broker, not merely left open: naming it again is an ERROR.
      const err = await lastValueFrom(of('late').pipe(s.send(q, { transaction: tx, receipt: true }))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(StompError);
      expect((err as StompError).brokerMessage).to.equal(b.kind === 'rabbitmq' ? 'Bad transaction' : `Invalid transaction id: ${tx.id}`);
      if (b.kind === 'rabbitmq') expect((err as StompError).text).to.equal(`Invalid transaction identifier: "${tx.id}"\n`);
      sub.unsubscribe();
      // Nothing of it reached the queue: a later message is the first one there.
      await withSession(b.url, (s2) => lastValueFrom(of('marker').pipe(s2.send(q, { receipt: true }))));
      const later = await withSession(b.url, async (s2) => (await gather(s2, q, 1)).msgs.map((m) => m.text));
      expect(later).to.deep.equal(['marker']);
      expect(seen).to.deep.equal([]);
    }));

    it('a NACK inside a transaction: RabbitMQ applies it on COMMIT only; ActiveMQ refuses it', async () => {
      const q = fresh('txnack');
      await withSession(b.url, async (s) => {
        await lastValueFrom(of('n').pipe(s.send(q, { receipt: true, headers: { persistent: 'true' } })));
        const { msgs: [m], sub, more } = await gather(s, q, 1, { ack: 'client-individual' });
        const { value: aborted } = await hold(s.transaction({ receipt: true }));
        if (b.kind === 'activemq') {
          // ActiveMQ 5.17 answers a transacted NACK (a "poison ack") with an ERROR naming its receipt.
          const err = await m.nack({ transaction: aborted, receipt: true }).then(() => undefined, (e: unknown) => e);
          expect(err).to.be.instanceOf(StompError);
          expect((err as StompError).brokerMessage).to.match(/^Poison ack cannot be transacted/);
          expect((err as StompError).receiptId).to.match(/^rcpt-/);
          expect((err as StompError).text).to.match(/^javax\.jms\.JMSException: Poison ack cannot be transacted/);
          return;
        }
        await m.nack({ transaction: aborted, receipt: true });
        await aborted.abort();
        // The aborted NACK never happened: no redelivery, the message is still ours.
        await sleep(500);
        expect(more).to.have.length(1);
        const { value: committed } = await hold(s.transaction({ receipt: true }));
        await m.nack({ transaction: committed, receipt: true });
        await sleep(300);
        expect(more).to.have.length(1);
        await committed.commit();
        for (let i = 0; i < 60 && more.length < 2; i++) await sleep(50);
        expect(more.map((x) => [x.text, x.headers.redelivered])).to.deep.equal([['n', 'false'], ['n', 'true']]);
        await more[1].ack({ receipt: true });
        sub.unsubscribe();
      });
      // Whatever happened, nothing is lost: on ActiveMQ the message is back on the queue after the
      // failed connection; on RabbitMQ it was acknowledged after the committed NACK.
      const left = await withSession(b.url, async (s) => {
        const seen: string[] = [];
        const sub = await subscribeReady(s, q, (m) => seen.push(m.text));
        for (let i = 0; i < 20 && seen.length < 1; i++) await sleep(50);
        sub.unsubscribe();
        return seen;
      });
      expect(left).to.deep.equal(b.kind === 'activemq' ? ['n'] : []);
    });

    it(b.kind === 'rabbitmq' ? 'fails with StompError on a missing exchange (RabbitMQ channel error)' : 'fails with StompError on an invalid selector', async () => {
      const dest = b.kind === 'rabbitmq' ? '/exchange/rxmq-no-such-exchange' : '/queue/rxmq-bad-selector';
      const err = await withSession(b.url, (s) => firstValueFrom(
        b.kind === 'rabbitmq' ? s.subscribe(dest) : s.subscribe(dest, { headers: { selector: 'this is not ( a selector' } }),
      ).then(() => undefined, (e: unknown) => e));
      if (b.url.startsWith('ws:')) {
        // RabbitMQ web-stomp 3.10 closes the WebSocket ("STOMP died") without the ERROR frame.
        expect(err).to.be.instanceOf(StompConnectionClosedError);
        return;
      }
      expect(err).to.be.instanceOf(StompError);
      const se = err as StompError;
      expect(se.brokerMessage).to.be.a('string').and.not.equal('');
      expect(se.headers.length).to.be.greaterThan(0);
      expect(se.body.length).to.be.greaterThan(0);
    });
  });
}

describe('stomp against RabbitMQ: connection rules', function () {
  this.timeout(20_000);
  requirePeers(PEERS.rabbitStomp);
  it('sends the URL-decoded path as the virtual host; an unknown one is refused with StompError', async () => {
    const err = await firstValueFrom(connect(RABBITMQ.stompUrl({ vhost: 'no-such-vhost' }))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).message).to.match(/vhost|virtual host/i);
  });
  it('refuses bad credentials with StompError', async () => {
    const err = await firstValueFrom(connect(RABBITMQ.stompUrl({ password: 'wrong' }))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).message).to.match(/access refused|login/i);
  });
  it('sends no RECEIPT for a transactional SEND until COMMIT', () => withSession(BROKERS[0].url, async (s) => {
    const q = fresh('txr');
    const { value: tx } = await hold(s.transaction());
    let receipted = false;
    const done = lastValueFrom(of('x').pipe(s.send(q, { transaction: tx, receipt: true }))).then(() => { receipted = true; });
    await sleep(400);
    expect(receipted).to.equal(false);
    await tx.commit();
    await done;
    expect(receipted).to.equal(true);
  }));
});

for (const [name, url, peer] of [['RabbitMQ', RABBIT_TCP, PEERS.rabbitStomp], ['ActiveMQ', ACTIVEMQ_TCP, PEERS.activemqStomp]] as const) describe(`stomp against ${name}: versions and the STOMP command`, function () {
  this.timeout(20_000);
  requirePeers(peer);
  it('negotiates each version when only that one is offered', async () => {
    for (const v of ['1.0', '1.1', '1.2'] as const) {
      await withSession('', async (s) => {
        expect(s.version).to.equal(v);
        const q = fresh(`v${v}`);
        await lastValueFrom(of(new Uint8Array([1, 0, 2])).pipe(s.send(q, { receipt: true })));
        const { msgs: [m], sub } = await gather(s, q, 1, { ack: 'client' });
        expect([...m.body]).to.deep.equal([1, 0, 2]);
        await m.ack({ receipt: true });
        sub.unsubscribe();
        if (v === '1.0') await m.nack().then(() => expect.fail('NACK in 1.0'), (e: unknown) => expect(e).to.be.instanceOf(StompStateError));
      }, connect({ url, versions: [v] }));
    }
  });
  it('opens the connection with the STOMP frame when asked (connectCommand)', async () => {
    const proxy = await cutProxy(peer.port, peer.host);
    try {
      const via = name === 'RabbitMQ' ? RABBITMQ.stompUrl({ port: proxy.port }) : ACTIVEMQ.stompUrl({ port: proxy.port });
      await withSession(via, async (s) => {
        expect(s.version).to.equal('1.2');
        const q = fresh('stomp-cmd');
        await lastValueFrom(of('x').pipe(s.send(q, { receipt: true })));
        const { msgs: [m], sub } = await gather(s, q, 1);
        expect(m.text).to.equal('x');
        sub.unsubscribe();
      }, connect({ url: via, connectCommand: 'STOMP' }));
      await withSession(via, async (s) => { expect(s.version).to.equal('1.2'); });
      const firstLine = (i: number) => Buffer.concat(proxy.written[i]).toString('latin1').split('\n')[0];
      expect([firstLine(0), firstLine(1)]).to.deep.equal(['STOMP', 'CONNECT']);
    } finally {
      await proxy.close();
    }
  });
});

describe('stomp against RabbitMQ: ERROR on a forbidden destination (user rxmq-limited from scripts/brokers.sh)', function () {
  this.timeout(20_000);
  requirePeers(PEERS.rabbitStomp, PEERS.rabbitWebStomp);
  // rxmq-limited may only touch resources named rxmq-limited-*; /queue/rxmq-forbidden is refused.
  const LIMITED_TCP = RABBITMQ.stompUrl({ user: 'rxmq-limited', password: 'rxmq-limited-pw' });
  const LIMITED_WS = RABBITMQ.webStompUrl({ user: 'rxmq-limited', password: 'rxmq-limited-pw' });
  const BODY = "ACCESS_REFUSED - access to queue 'rxmq-forbidden' in vhost '/' refused for user 'rxmq-limited'";
  const attempts: Record<'SEND' | 'SUBSCRIBE', (s: StompSession) => Promise<unknown>> = {
    SEND: (s: StompSession) => lastValueFrom(of('x').pipe(s.send('/queue/rxmq-forbidden', { receipt: true }))),
    SUBSCRIBE: (s: StompSession) => firstValueFrom(s.subscribe('/queue/rxmq-forbidden', { receipt: true })),
  };

  for (const url of [LIMITED_TCP, LIMITED_WS]) {
    it(`may use its own destinations (${url.startsWith('ws:') ? 'WebSocket' : 'TCP'})`, () => withSession(url, async (s) => {
      const q = `/queue/rxmq-limited-${process.pid}-${Date.now()}`;
      await lastValueFrom(of('allowed').pipe(s.send(q, { receipt: true })));
      const { msgs: [m], sub } = await gather(s, q, 1);
      expect(m.text).to.equal('allowed');
      sub.unsubscribe();
    }));
  }

  for (const [command, attempt] of Object.entries(attempts)) {
    it(`${command} over TCP fails with the broker's ERROR as a StompError (headers and body)`, async () => {
      const err = await withSession(LIMITED_TCP, attempt).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(StompError);
      const se = err as StompError;
      expect(se.brokerMessage).to.equal('access_refused');
      expect(se.headers).to.deep.equal([['message', 'access_refused'], ['content-type', 'text/plain'], ['version', '1.0,1.1,1.2'], ['content-length', String(BODY.length)]]);
      expect(se.text).to.equal(BODY);
      // A channel error: RabbitMQ does not name the receipt the frame asked for.
      expect(se.receiptId).to.equal(undefined);
    });
    it(`${command} over WebSocket: web-stomp closes the socket without an ERROR (StompConnectionClosedError)`, async () => {
      const err = await withSession(LIMITED_WS, attempt).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(StompConnectionClosedError);
      expect(err).not.to.be.instanceOf(StompError);
    });
  }
});
