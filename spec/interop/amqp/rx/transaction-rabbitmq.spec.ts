/**
 * Transactions against a peer without a coordinator: RabbitMQ 3.10's AMQP 1.0 plugin refuses an
 * attach to a coordinator by ending the whole session (amqp:not-implemented). `transaction()`
 * knows it (peer-quirks.ts) and errors with TransactionsUnsupportedError at once, without an
 * attach, so the links already on the session (the default one included) go on working.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, map, Subject, switchMap, take, toArray } from 'rxjs';
import { connect, TransactionsUnsupportedError, type AmqpConnection, type ReceivedMessage } from '../../../../src/amqp/index.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('amqp rx: transactions on RabbitMQ 3.10 (no coordinator)', function () {
  this.timeout(20_000);
  requirePeers(PEERS.rabbitAmqp);

  const withConn = <T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> =>
    firstValueFrom(connect(RABBITMQ.amqpUrl()).pipe(switchMap((c) => from(f(c))), take(1)));

  it('the peer refuses a coordinator attach by ending the session with amqp:not-implemented (the measured fact)', async () => {
    await withConn(async (c) => {
      const ended = await firstValueFrom(c.session().pipe(switchMap((s) => {
        // The engine's attach, as transaction() would write it without the quirk.
        s.context.session.attachSender({ name: `coordinator-probe-${randomUUID()}`, source: { kind: 'source' }, target: { kind: 'coordinator', capabilities: ['amqp:local-transactions'] } });
        s.context.driver.flushSoon();
        return new Subject<never>();
      }))).then(() => undefined, (e: unknown) => e as { condition?: string; scope?: string });
      expect(ended?.condition).to.equal('amqp:not-implemented');
      expect(ended?.scope).to.equal('session');
    });
  });

  it('transaction() errors with TransactionsUnsupportedError at once; a receiver on the default session is untouched', async () => {
    await withConn(async (c) => {
      const q = `/queue/rx-mq-txn-${randomUUID()}`;
      const got: ReceivedMessage[] = [];
      const errors: unknown[] = [];
      const sub = c.receive(q).subscribe({ next: (m) => got.push(m), error: (e: unknown) => errors.push(e) });
      try {
        await new Promise((r) => setTimeout(r, 100)); // the receiver is attached
        const started = Date.now();
        const err = await firstValueFrom(c.transaction()).then(() => undefined, (e: unknown) => e);
        expect(Date.now() - started).to.be.below(1000);
        expect(err).to.be.instanceOf(TransactionsUnsupportedError);
        const e = err as TransactionsUnsupportedError;
        expect(e.condition).to.equal('amqp:not-implemented');
        expect(e.message).to.match(/transactions are not supported by the peer.*RabbitMQ 3\./);
        // The receiver on the default session still gets what is sent.
        const outcomes = await lastValueFrom(from([{ body: 'after' }]).pipe(c.send(q), map((o) => o.state), toArray()));
        expect(outcomes).to.deep.equal(['accepted']);
        const end = Date.now() + 5000;
        while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
        expect(got.map((m) => m.body)).to.deep.equal(['after']);
        expect(errors).to.deep.equal([]);
      } finally {
        sub.unsubscribe();
      }
    });
  });
});
