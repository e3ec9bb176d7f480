/**
 * The Rx API against real brokers (scripts/brokers.sh starts them): RabbitMQ over TCP and over
 * WebSocket (web-stomp), and ActiveMQ 5.17. Each test uses fresh destinations.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { BROKERS, collect, fresh, gather, hold, withSession } from './broker-helpers.js';
import { connect, StompConnectionClosedError, StompError, type StompMessage } from '../../src/stomp/index.js';

const te = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const b of BROKERS) {
  describe(`stomp against ${b.name}`, function () {
    this.timeout(20_000);

    it('negotiates STOMP 1.2 and names the server', () => withSession(b.url, async (s) => {
      expect(s.version).to.equal('1.2');
      expect(s.server).to.match(b.kind === 'rabbitmq' ? /^RabbitMQ\// : /^ActiveMQ\//);
    }));

    it('carries text and binary bodies with NUL bytes unchanged', () => withSession(b.url, async (s) => {
      const q = fresh('bodies');
      const got = collect(s, q, 3);
      await sleep(100);
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
      const got = collect(s, q, 1);
      await sleep(100);
      const value = 'a:b\nc\\d:e';
      await lastValueFrom(of({ body: 'x', headers: { 'x-odd': value, 'x-plain': 'ok' } }).pipe(s.send(q, { receipt: true })));
      const [m] = await got;
      expect(m.headers['x-odd']).to.equal(value);
      expect(m.headers['x-plain']).to.equal('ok');
    }));

    it('demultiplexes parallel subscriptions over one connection', () => withSession(b.url, async (s) => {
      const qa = fresh('par-a');
      const qb = fresh('par-b');
      const ga = collect(s, qa, 2);
      const gb = collect(s, qb, 2);
      await sleep(100);
      await lastValueFrom(of('a1', 'a2').pipe(s.send(qa, { receipt: true }), toArray()));
      await lastValueFrom(of('b1', 'b2').pipe(s.send(qb, { receipt: true }), toArray()));
      expect((await ga).map((m) => m.text)).to.deep.equal(['a1', 'a2']);
      expect((await gb).map((m) => m.text)).to.deep.equal(['b1', 'b2']);
      expect((await ga)[0].subscription).not.to.equal((await gb)[0].subscription);
    }));

    it('commits a transaction (nothing visible before COMMIT) and aborts another', () => withSession(b.url, async (s) => {
      const q = fresh('tx');
      const seen: string[] = [];
      const sub = s.subscribe(q).subscribe({ next: (m) => seen.push(m.text), error: () => undefined });
      await sleep(100);
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

    it('fails with StompError (headers and body) on a forbidden destination', async () => {
      const dest = b.kind === 'rabbitmq' ? '/exchange/rxmq-no-such-exchange' : '/queue/rxmq-forbidden';
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
  it('sends the URL-decoded path as the virtual host; an unknown one is refused with StompError', async () => {
    const err = await firstValueFrom(connect('stomp://guest:guest@127.0.0.1:61613/no-such-vhost')).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompError);
    expect((err as StompError).message).to.match(/vhost|virtual host/i);
  });
  it('refuses bad credentials with StompError', async () => {
    const err = await firstValueFrom(connect('stomp://guest:wrong@127.0.0.1:61613/%2F')).then(() => undefined, (e: unknown) => e);
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
      }, connect({ url: BROKERS[0].url, versions: [v] }));
    }
  });
});
