/**
 * Transactions from the client's side (`conn.transaction()`, `send(q, { transaction })`,
 * `m.accept({ transaction })`) against the embedded broker's coordinator: commit, rollback,
 * unsubscribe rolls back, transactional and plain sends mixed, settlement in a transaction,
 * the connection lost mid-transaction (plain and reconnecting client), and the declare,
 * discharge, transfer and disposition bytes on the wire.
 */
import { expect } from 'chai';
import {
  bufferCount, concatMap, defer, firstValueFrom, from, lastValueFrom, map, range, Subject, switchMap, take, toArray,
} from 'rxjs';
import {
  amqpClient, connect, TransactionEndedError, TransactionError, TransactionLostError,
  type AmqpConnection, type AmqpTransaction, type ReceivedMessage,
} from '../../../src/amqp/index.js';
import { FrameParser } from '../../../src/amqp/frames/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { cutProxy } from '../../support/cut-proxy.js';

const until = async (what: string, f: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('amqp rx: transactions against the embedded broker', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  beforeEach(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  afterEach(() => broker.close());

  const depth = (q: string): number => broker.queue(q)?.depth ?? 0;
  /** Run `f` on a fresh connection, closing it once the promise settles. */
  const withConn = <T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> =>
    firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((c) => from(f(c))), take(1)));
  const fill = (c: AmqpConnection, q: string, n: number): Promise<unknown> =>
    lastValueFrom(range(0, n).pipe(map((i) => ({ body: `m${i}` })), c.send(q), toArray()));

  it('commit: messages sent in the transaction are stored only when it commits', async () => {
    await withConn(async (c) => {
      const done = await lastValueFrom(c.transaction().pipe(
        switchMap((tx) => range(0, 5).pipe(
          map((i) => ({ body: i })),
          c.send('tx-commit-q', { transaction: tx }),
          toArray(),
          switchMap(async (outcomes) => {
            // Every message is accepted within the transaction, and none is in the queue yet.
            expect(outcomes.map((o) => o.state)).to.deep.equal(Array(5).fill('accepted'));
            expect(depth('tx-commit-q')).to.equal(0);
            expect(tx.state).to.equal('active');
            await tx.commit();
            expect(tx.state).to.equal('committed');
            return tx;
          }),
        )),
        toArray(),
      ));
      expect(done).to.have.length(1); // the transaction Observable completed after the commit
      expect(done[0].id).to.be.instanceOf(Uint8Array);
      await until('the commit to reach the queue', () => depth('tx-commit-q') === 5);
      const bodies = await lastValueFrom(c.fetch('tx-commit-q', { count: 5, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal([0, 1, 2, 3, 4]);
    });
  });

  it('rollback: messages sent in the transaction are discarded', async () => {
    await withConn(async (c) => {
      const tx = await firstValueFrom(c.transaction());
      // firstValueFrom unsubscribed: that rolled the transaction back at once.
      expect(tx.state).to.equal('rolled-back');
      const tx2 = await new Promise<AmqpTransaction>((resolve, reject) => {
        const sub = c.transaction().subscribe({ next: resolve, error: reject });
        after.push(() => sub.unsubscribe());
      });
      const outcomes = await lastValueFrom(from([{ body: 'x' }, { body: 'y' }]).pipe(c.send('tx-rollback-q', { transaction: tx2 }), toArray()));
      expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted']);
      await tx2.rollback();
      expect(tx2.state).to.equal('rolled-back');
      await new Promise((r) => setTimeout(r, 50));
      expect(depth('tx-rollback-q')).to.equal(0);
      expect(broker.stats().received).to.equal(0);
    });
  });
  const after: (() => void)[] = [];
  afterEach(() => { for (const f of after.splice(0)) f(); });

  it('unsubscribing an undischarged transaction rolls it back', async () => {
    await withConn(async (c) => {
      let seen: AmqpTransaction | undefined;
      // The inner send finishes, then take(1) ends the whole pipeline: nothing committed it.
      await lastValueFrom(c.transaction().pipe(
        switchMap((tx) => { seen = tx; return from([{ body: 1 }, { body: 2 }]).pipe(c.send('tx-unsub-q', { transaction: tx }), toArray()); }),
        take(1),
      ));
      expect(seen?.state).to.equal('rolled-back');
      await expectRejection(seen!.commit(), TransactionEndedError);
      // A plain message after it: the only one the queue ever holds.
      await lastValueFrom(from([{ body: 'plain' }]).pipe(c.send('tx-unsub-q')));
      const bodies = await lastValueFrom(c.fetch('tx-unsub-q', { count: 3, timeout: 300 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal(['plain']);
    });
  });

  it('unsubscribed while its declare is on the way, the transaction is rolled back as soon as it is declared', async () => {
    await broker.close();
    broker = await startBroker({ amqpPort: 0, stompPort: false, limits: { maxTransactions: 1 } });
    await withConn(async (c) => {
      // The default session and its coordinator link in place, so that the declare below is
      // written at once on subscribe.
      await (await openTransaction(c)).rollback();
      c.transaction().subscribe().unsubscribe(); // the declare is written; nobody waits for it
      // With room for one open transaction, the next declare succeeds only once that one is
      // discharged: the coordinator answers in order, so the rollback precedes this declare's answer.
      await new Promise((r) => setTimeout(r, 50));
      const tx = await openTransaction(c);
      expect(tx.state).to.equal('active');
      await tx.rollback();
    });
  });

  it('works on a session of its own, with work on another session of the connection', async () => {
    await withConn(async (c) => {
      const moved = await lastValueFrom(c.session().pipe(
        switchMap((s) => s.transaction()),
        switchMap((tx) => from([{ body: 's1' }, { body: 's2' }]).pipe(
          c.send('tx-session-q', { transaction: tx }), // on the default session
          toArray(),
          switchMap(async (outcomes) => { await tx.commit(); return outcomes.length; }),
        )),
        take(1),
      ));
      expect(moved).to.equal(2);
      await until('the commit', () => depth('tx-session-q') === 2);
    });
  });

  it('reuses one coordinator link per session for every transaction', async () => {
    const lines: string[] = [];
    await firstValueFrom(connect({ url: broker.amqpUrl, trace: (l) => lines.push(l) }).pipe(switchMap((c) => from((async () => {
      for (let i = 0; i < 3; i++) await (await openTransaction(c)).commit();
      const concurrent = await Promise.all([openTransaction(c), openTransaction(c)]);
      expect(concurrent[0].id).to.not.deep.equal(concurrent[1].id);
      for (const t of concurrent) await t.rollback();
    })())), take(1)));
    const attaches = lines.filter((l) => l.includes('-> @attach') && l.includes('@coordinator'));
    expect(attaches).to.have.length(1);
    expect(lines.filter((l) => l.includes('-> @transfer')).length).to.equal(10); // 5 declares, 5 discharges
  });

  it('mixes transactional and plain sends: the plain ones are stored at once', async () => {
    await withConn(async (c) => {
      await lastValueFrom(c.transaction().pipe(switchMap((tx) => defer(async () => {
        await lastValueFrom(from([{ body: 't1' }, { body: 't2' }]).pipe(c.send('tx-mixed-q', { transaction: tx }), toArray()));
        await lastValueFrom(from([{ body: 'p1' }]).pipe(c.send('tx-mixed-q'), toArray()));
        expect(depth('tx-mixed-q')).to.equal(1);
        await tx.commit();
      }))));
      const bodies = await lastValueFrom(c.fetch('tx-mixed-q', { count: 3, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal(['p1', 't1', 't2']);
    });
  });

  it('settles in a transaction: accepts are undone by rollback and take effect on commit', async () => {
    await withConn(async (c) => {
      await fill(c, 'tx-settle-q', 3);
      const take3 = (): Promise<ReceivedMessage[]> => holdMessages(c, 'tx-settle-q', 3);

      // Accepted in a transaction, then rolled back: the messages are available again. (The
      // receiver goes first: with the credit the accepts gave back, it would take them again.)
      const first = await take3();
      const tx1 = await openTransaction(c);
      for (const m of first) m.accept({ transaction: tx1 });
      stopHeld();
      await tx1.rollback();
      await until('the rolled-back messages to be back', () => broker.queue('tx-settle-q')?.ready === 3);
      const again = await take3();
      expect(again.map((m) => m.body)).to.deep.equal(['m0', 'm1', 'm2']);
      expect(again.every((m) => (m.deliveryCount ?? 0) === 0)).to.equal(true);

      // Accepted in a transaction and committed: gone for good. Until the commit the queue still holds them.
      const tx2 = await openTransaction(c);
      for (const m of again) m.accept({ transaction: tx2 });
      await new Promise((r) => setTimeout(r, 50));
      expect(depth('tx-settle-q')).to.equal(3);
      await tx2.commit();
      await until('the committed accepts to empty the queue', () => depth('tx-settle-q') === 0);
    });
  });

  it('reject, release and modify in a transaction take effect on commit, each as its outcome says', async () => {
    await broker.close();
    broker = await startBroker({ amqpPort: 0, stompPort: false, deadLetterAddress: 'tx-dlq' });
    await withConn(async (c) => {
      await fill(c, 'tx-outcomes-q', 3);
      const [rejected, released, modified] = await holdMessages(c, 'tx-outcomes-q', 3);
      const tx = await openTransaction(c);
      rejected.reject({ condition: 'app:bad-order', description: 'no such product' }, { transaction: tx });
      released.release({ transaction: tx });
      modified.modify({ deliveryFailed: true, transaction: tx });
      await new Promise((r) => setTimeout(r, 50));
      // Nothing has happened yet: all three are still in flight, none dead-lettered.
      expect(broker.queue('tx-outcomes-q')).to.deep.include({ depth: 3, ready: 0 });
      expect(depth('tx-dlq')).to.equal(0);
      stopHeld();
      await tx.commit();
      await until('the outcomes to apply', () => depth('tx-dlq') === 1 && broker.queue('tx-outcomes-q')?.ready === 2);
      const back = await lastValueFrom(c.fetch('tx-outcomes-q', { count: 2, timeout: 2000 }).pipe(map((m) => [m.body, m.deliveryCount ?? 0]), toArray()));
      // Released: as it was; modified with deliveryFailed: one failed delivery more.
      expect(back).to.deep.equal([['m1', 0], ['m2', 1]]);
      const dead = await lastValueFrom(c.fetch('tx-dlq', { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
      expect(dead).to.deep.equal(['m0']);
    });
  });

  it('moves messages exactly once: consume from one queue and produce to another in one transaction', async () => {
    await withConn(async (c) => {
      await fill(c, 'tx-in-q', 4);
      const moved = await lastValueFrom(c.transaction().pipe(switchMap((tx) => c.receive('tx-in-q', { credit: 4, settle: 'manual' }).pipe(
        bufferCount(4),
        switchMap((ms) => from(ms.map((m) => ({ body: `out-${String(m.body)}` }))).pipe(
          c.send('tx-out-q', { transaction: tx }),
          toArray(),
          switchMap(async () => {
            for (const m of ms) m.accept({ transaction: tx });
            await tx.commit();
            return ms.length;
          }),
        )),
        take(1),
      ))));
      expect(moved).to.equal(4);
      await until('the move to complete', () => depth('tx-in-q') === 0 && depth('tx-out-q') === 4);
    });
  });

  it('one transaction per batch, as the README composes it: consumed input and produced output commit together', async () => {
    await withConn(async (c) => {
      await fill(c, 'tx-batch-in-q', 6);
      const committed = await lastValueFrom(c.receive('tx-batch-in-q', { settle: 'manual', credit: 3 }).pipe(
        bufferCount(3),
        concatMap((batch) => c.transaction().pipe(
          switchMap((tx) => from(batch.map((m) => ({ body: `out-${String(m.body)}` }))).pipe(
            c.send('tx-batch-out-q', { transaction: tx }),
            toArray(),
            switchMap(() => {
              for (const m of batch) m.accept({ transaction: tx });
              return tx.commit();
            }),
          )),
          map(() => batch.length),
        )),
        take(2),
        toArray(),
      ));
      expect(committed).to.deep.equal([3, 3]);
      await until('both batches to be moved', () => depth('tx-batch-in-q') === 0 && depth('tx-batch-out-q') === 6);
      const bodies = await lastValueFrom(c.fetch('tx-batch-out-q', { count: 6, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal(['out-m0', 'out-m1', 'out-m2', 'out-m3', 'out-m4', 'out-m5']);
    });
  });

  it('refuses work for a transaction that is over or of another connection, typed', async () => {
    await withConn(async (c) => {
      const tx = await openTransaction(c);
      await tx.commit();
      await expectRejection(tx.commit(), TransactionEndedError);
      await expectRejection(tx.rollback(), TransactionEndedError);
      const failed = await lastValueFrom(from([{ body: 1 }]).pipe(c.send('tx-ended-q', { transaction: tx }))).then(() => undefined, (e: unknown) => e);
      expect(failed).to.be.instanceOf(TransactionEndedError);
      await fill(c, 'tx-ended-q', 1);
      const [m] = await holdMessages(c, 'tx-ended-q', 1);
      expect(() => m.accept({ transaction: tx })).to.throw(TransactionEndedError);
      expect(m.settled).to.equal(false);
      // A transaction of another connection is unknown on this one: refused before anything is written.
      const c2 = await new Promise<AmqpConnection>((resolve, reject) => {
        const sub = connect(broker.amqpUrl).subscribe({ next: resolve, error: reject });
        after.push(() => sub.unsubscribe());
      });
      const foreign = await openTransaction(c2);
      expect(() => m.accept({ transaction: foreign })).to.throw(TransactionEndedError, /another connection/);
      const refused = await lastValueFrom(from([{ body: 2 }]).pipe(c.send('tx-ended-q', { transaction: foreign }))).then(() => undefined, (e: unknown) => e);
      expect(refused).to.be.instanceOf(TransactionEndedError);
      expect(foreign.state).to.equal('active');
      m.accept();
      await until('the plain accept', () => depth('tx-ended-q') === 0);
    });
  });

  it('a commit the coordinator refuses rejects with TransactionError (amqp:transaction:rollback) and completes the Observable', async () => {
    await broker.close();
    broker = await startBroker({ amqpPort: 0, stompPort: false, maxQueueDepth: 2 });
    await withConn(async (c) => {
      const events: string[] = [];
      const tx = await new Promise<AmqpTransaction>((resolve, reject) => {
        const sub = c.transaction().subscribe({ next: resolve, error: reject, complete: () => events.push('complete') });
        after.push(() => sub.unsubscribe());
      });
      // Posted in the transaction: 3 messages for a queue that holds 2 (credit is not the bound
      // here, the queue is empty when they are sent).
      await lastValueFrom(range(0, 3).pipe(map((i) => ({ body: i })), c.send('tx-full-q', { transaction: tx }), toArray()));
      const err = await tx.commit().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransactionError);
      expect((err as TransactionError).condition).to.equal('amqp:transaction:rollback');
      expect((err as TransactionError).operation).to.equal('commit');
      expect((err as TransactionError).txnId).to.deep.equal(tx.id);
      expect(tx.state).to.equal('failed');
      expect(events).to.deep.equal(['complete']);
      expect(depth('tx-full-q')).to.equal(0);
    });
  });

  it('the connection lost mid-transaction: the Observable errors with TransactionLostError, the broker rolls back', async () => {
    const proxy = await cutProxy(broker.amqpPort);
    try {
      const errors: unknown[] = [];
      const c = await new Promise<AmqpConnection>((resolve, reject) => {
        const sub = connect(`amqp://127.0.0.1:${proxy.port}`).subscribe({ next: resolve, error: reject });
        after.push(() => sub.unsubscribe());
      });
      const tx = await new Promise<AmqpTransaction>((resolve, reject) => {
        const sub = c.transaction().pipe(
          switchMap((t) => from([{ body: 'lost' }]).pipe(c.send('tx-lost-q', { transaction: t }), map(() => t))),
        ).subscribe({ next: resolve, error: (e: unknown) => { errors.push(e); reject(e); } });
        after.push(() => sub.unsubscribe());
      });
      proxy.cut();
      await until('the loss to be reported', () => errors.length > 0);
      expect(errors[0]).to.be.instanceOf(TransactionLostError);
      expect((errors[0] as TransactionLostError).inDoubt).to.equal(false);
      expect(tx.state).to.equal('lost');
      await expectRejection(tx.commit(), TransactionLostError);
      await new Promise((r) => setTimeout(r, 50));
      expect(depth('tx-lost-q')).to.equal(0);
    } finally {
      await proxy.close();
    }
  });

  it('a commit written and not answered when the connection is lost rejects with TransactionLostError, inDoubt', async () => {
    const proxy = await cutProxy(broker.amqpPort);
    try {
      const c = await new Promise<AmqpConnection>((resolve, reject) => {
        const sub = connect(`amqp://127.0.0.1:${proxy.port}`).subscribe({ next: resolve, error: () => {} });
        after.push(() => sub.unsubscribe());
        setTimeout(() => reject(new Error('no connection')), 5000);
      });
      const tx = await new Promise<AmqpTransaction>((resolve) => {
        const sub = c.transaction().subscribe({ next: resolve, error: () => {} });
        after.push(() => sub.unsubscribe());
      });
      await lastValueFrom(from([{ body: 'doubt' }]).pipe(c.send('tx-doubt-q', { transaction: tx }), toArray()));
      proxy.freeze(); // the discharge is written, never answered
      const commit = tx.commit().then(() => undefined, (e: unknown) => e);
      expect(tx.state).to.equal('committing');
      await new Promise((r) => setTimeout(r, 50));
      proxy.cut();
      const err = await commit;
      expect(err).to.be.instanceOf(TransactionLostError);
      expect((err as TransactionLostError).inDoubt).to.equal(true);
      expect((err as TransactionLostError).txnId).to.deep.equal(tx.id);
      expect(tx.state).to.equal('lost');
      // Here the broker never saw the discharge: it rolled the transaction back with the connection.
      await new Promise((r) => setTimeout(r, 50));
      expect(depth('tx-doubt-q')).to.equal(0);
    } finally {
      await proxy.close();
    }
  });

  it('amqpClient: a transaction does not survive a reconnect (TransactionLostError), the client goes on', async () => {
    const proxy = await cutProxy(broker.amqpPort);
    const client = amqpClient({ urls: `amqp://127.0.0.1:${proxy.port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    try {
      const errors: unknown[] = [];
      const sends = new Subject<{ body: string }>();
      const outcomes: string[] = [];
      const tx = await new Promise<AmqpTransaction>((resolve, reject) => {
        const sub = client.transaction().subscribe({ next: resolve, error: (e: unknown) => { errors.push(e); reject(e); } });
        after.push(() => sub.unsubscribe());
      });
      const sendSub = sends.pipe(client.send('tx-client-q', { transaction: tx })).subscribe({
        next: (o) => outcomes.push(o.state), error: (e: unknown) => errors.push(e),
      });
      after.push(() => sendSub.unsubscribe());
      sends.next({ body: 'before' });
      await until('the transactional outcome', () => outcomes.length === 1);
      proxy.cut();
      await until('both streams to fail', () => errors.length === 2);
      expect(errors.every((e) => e instanceof TransactionLostError)).to.equal(true);
      // The client reconnects for what it still does; a new transaction works on the new connection.
      const committed = await firstValueFrom(client.transaction().pipe(switchMap((t) => from([{ body: 'after' }]).pipe(
        client.send('tx-client-q', { transaction: t }), toArray(), switchMap(() => t.commit()),
      ))).pipe(toArray()));
      expect(committed).to.have.length(1);
      await until('the second transaction to commit', () => depth('tx-client-q') === 1);
      const bodies = await lastValueFrom(client.fetch('tx-client-q', { count: 2, timeout: 300 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal(['after']);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('writes declare, discharge and the transactional states byte for byte', async () => {
    const proxy = await cutProxy(broker.amqpPort);
    try {
      let id: Uint8Array | undefined;
      await firstValueFrom(connect(`amqp://127.0.0.1:${proxy.port}`).pipe(switchMap((c) => from((async () => {
        await fill(c, 'tx-bytes-q', 1);
        const tx = await openTransaction(c);
        id = tx.id;
        await lastValueFrom(from([{ body: 'b' }]).pipe(c.send('tx-bytes-in-q', { transaction: tx })));
        const [m] = await holdMessages(c, 'tx-bytes-q', 1);
        m.accept({ transaction: tx });
        await tx.commit();
      })())), take(1)));
      const frames = parseWritten(proxy.written[0]);
      const txn = id as Uint8Array;
      expect(txn.length).to.be.within(1, 32);
      const attach = frames.find((f) => f.performative.kind === 'attach' && (f.performative.target as { kind?: string } | undefined)?.kind === 'coordinator');
      expect(attach?.performative).to.deep.include({ role: 'sender', sndSettleMode: 'unsettled', rcvSettleMode: 'first' });
      expect(attach?.performative.target).to.deep.equal({ kind: 'coordinator', capabilities: ['amqp:local-transactions'] });
      const transfers = frames.filter((f) => f.performative.kind === 'transfer');
      // declare: an amqp-value section (0x77) holding the described declare (0x31) as list0.
      const declare = transfers.find((f) => hex(f.payload).startsWith('005377005331'));
      expect(hex(declare!.payload)).to.equal('005377005331' + '45');
      // discharge(txn-id, fail=false): list8 of a binary8 and false.
      const discharge = transfers.find((f) => hex(f.payload).startsWith('005377005332'));
      expect(hex(discharge!.payload)).to.equal(`005377005332c0${byte(3 + txn.length + 1)}02a0${byte(txn.length)}${hex(txn)}42`);
      // The transactional transfer carries transactional-state(txn-id) (0x34) as its state.
      const posted = transfers.find((f) => (f.performative as { state?: { kind: string } }).state?.kind === 'transactional-state');
      expect(posted!.performative.state).to.deep.equal({ kind: 'transactional-state', txnId: { type: 'binary', value: txn } });
      expect(hex(posted!.raw)).to.include(`005334c0${byte(3 + txn.length)}01a0${byte(txn.length)}${hex(txn)}`);
      // The accept in the transaction: a settled disposition with transactional-state(txn-id, accepted).
      const disposition = frames.find((f) => f.performative.kind === 'disposition' && (f.performative as { state?: { kind: string } }).state?.kind === 'transactional-state');
      expect(disposition?.performative).to.deep.include({ role: 'receiver', settled: true });
      expect(hex(disposition!.raw)).to.include(`005334c0${byte(3 + txn.length + 4)}02a0${byte(txn.length)}${hex(txn)}00532445`);
    } finally {
      await proxy.close();
    }
  });
});

/** `n` messages received with manual settlement from a stream kept open until the tests end (settling needs it open). */
function holdMessages(c: AmqpConnection, q: string, n: number): Promise<ReceivedMessage[]> {
  return new Promise<ReceivedMessage[]>((resolve, reject) => {
    const got: ReceivedMessage[] = [];
    const sub = c.receive(q, { credit: n, settle: 'manual' }).subscribe({
      next: (m) => { got.push(m); if (got.length === n) resolve(got); },
      error: reject,
    });
    heldReceivers.push(() => sub.unsubscribe());
  });
}

function stopHeld(): void {
  for (const f of heldReceivers.splice(0)) f();
}
const heldReceivers: (() => void)[] = [];
after(() => stopHeld());

/** A transaction held open until the test ends (unsubscribed then, which rolls back only if still open). */
const held: (() => void)[] = [];
after(() => { for (const f of held.splice(0)) f(); });
function openTransaction(c: AmqpConnection): Promise<AmqpTransaction> {
  return new Promise<AmqpTransaction>((resolve, reject) => {
    const sub = c.transaction().subscribe({ next: resolve, error: reject });
    held.push(() => sub.unsubscribe());
  });
}

async function expectRejection(p: Promise<unknown>, type: new (...a: never[]) => Error): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).to.be.instanceOf(type);
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const byte = (n: number): string => n.toString(16).padStart(2, '0');

interface WrittenFrame { readonly performative: { readonly kind: string } & Record<string, unknown>; readonly payload: Uint8Array; readonly raw: Uint8Array }

/** The AMQP frames in what a client wrote (after its SASL exchange), with each frame's bytes. */
function parseWritten(chunks: readonly Buffer[]): WrittenFrame[] {
  const all = new Uint8Array(Buffer.concat(chunks));
  const parser = new FrameParser();
  const out: WrittenFrame[] = [];
  let at = 0;
  for (const e of parser.feed(all)) {
    if (e.type !== 'amqp') continue;
    // Each frame's bytes: find them by the size in its header, in order.
    while (at < all.length && !(all[at + 4] === 2 && all[at + 5] === 0)) at += frameLength(all, at);
    const n = frameLength(all, at);
    out.push({ performative: e.performative as WrittenFrame['performative'], payload: e.payload, raw: all.subarray(at, at + n) });
    at += n;
  }
  return out;
}

/** The length of the frame (or 8-byte protocol header) at `at`. */
function frameLength(b: Uint8Array, at: number): number {
  if (b[at] === 0x41 && b[at + 1] === 0x4d && b[at + 2] === 0x51 && b[at + 3] === 0x50) return 8; // 'AMQP'
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

