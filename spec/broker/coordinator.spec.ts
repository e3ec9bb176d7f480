/**
 * The embedded broker's transaction coordinator (src/broker/coordinator.ts): its answers to every
 * kind of control message, table-driven on the coordinator itself, and through the broker with
 * rx-mq's client: the bounds (open transactions, work per transaction), a connection closed with
 * open transactions, work naming an unknown transaction, and a control link asking for what the
 * coordinator does not offer.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, range, switchMap, take, toArray } from 'rxjs';
import { binary, list, nullValue, string, symbol, ulong, described, boolean } from '../../src/amqp/codec/values.js';
import type { AmqpValue } from '../../src/amqp/codec/types.js';
import { encodeSections } from '../../src/amqp/frames/sections.js';
import type { DeliveryState } from '../../src/amqp/frames/definitions.generated.js';
import type { IncomingDelivery, ReceiverLink } from '../../src/amqp/engine/link.js';
import {
  connect, TransactionError, TransactionsUnsupportedError, type AmqpConnection, type AmqpTransaction, type ReceivedMessage,
} from '../../src/amqp/index.js';
import { TransactionCoordinator, resolveTransactionLimits } from '../../src/broker/coordinator.js';
import { NodeRegistry } from '../../src/broker/nodes.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { cutProxy } from '../support/cut-proxy.js';

/** A control link and deliveries as far as the coordinator uses them: what it settles them with. */
function fakeControl(): { link: ReceiverLink; settled: DeliveryState[] } {
  const settled: DeliveryState[] = [];
  const link = { settle: (_d: IncomingDelivery, s: DeliveryState) => { settled.push(s); } } as unknown as ReceiverLink;
  return { link, settled };
}
const delivery = (body: AmqpValue | Uint8Array): IncomingDelivery =>
  ({ payload: body instanceof Uint8Array ? body : encodeSections({ body: { kind: 'value', value: body } }), settled: false }) as unknown as IncomingDelivery;
const declare = described(ulong(0x31), list([]));
const discharge = (id: AmqpValue, fail: boolean): AmqpValue => described(ulong(0x32), list([id, boolean(fail)]));

describe('broker: transaction coordinator', function () {
  this.timeout(20_000);

  describe('control messages, one by one', () => {
    const make = (): { c: TransactionCoordinator; link: ReceiverLink; settled: DeliveryState[] } => {
      const registry = new NodeRegistry();
      const c = new TransactionCoordinator({ registry, producerCredit: 10, engine: { flushDispositions: () => {} }, flushSoon: () => {} }, resolveTransactionLimits({ maxTransactions: 2 }));
      return { c, ...fakeControl() };
    };
    const conditionOf = (s: DeliveryState | undefined): string | undefined => (s?.kind === 'rejected' ? s.error?.condition : s?.kind);

    // [what, body, expected state kind or rejection condition]
    const cases: readonly [string, AmqpValue | Uint8Array, string][] = [
      ['declare (ulong descriptor)', declare, 'declared'],
      ['declare (symbol descriptor, as Qpid Proton writes it, with a null global-id)', described(symbol('amqp:declare:list'), list([nullValue])), 'declared'],
      ['declare with a global-id', described(ulong(0x31), list([binary(new Uint8Array([1]))])), 'amqp:not-implemented'],
      ['discharge of an unknown transaction', discharge(binary(new Uint8Array([9, 9])), false), 'amqp:transaction:unknown-id'],
      ['discharge whose txn-id is not binary', discharge(string('x'), false), 'amqp:transaction:unknown-id'],
      ['a string instead of a control composite', string('declare'), 'amqp:not-implemented'],
      ['another composite (accepted)', described(ulong(0x24), list([])), 'amqp:not-implemented'],
      ['bytes that are not a message', new Uint8Array([0x00, 0x53, 0x77, 0xa1, 0x05]), 'amqp:decode-error'],
    ];
    for (const [what, body, expected] of cases) {
      it(`answers ${what}: ${expected}`, () => {
        const { c, link, settled } = make();
        c.control(link, delivery(body));
        expect(conditionOf(settled[0])).to.equal(expected);
      });
    }

    it('declares distinct ids, refuses a declare past maxTransactions, discharges each once', () => {
      const { c, link, settled } = make();
      c.control(link, delivery(declare));
      c.control(link, delivery(declare));
      c.control(link, delivery(declare));
      expect(settled.map(conditionOf)).to.deep.equal(['declared', 'declared', 'amqp:resource-limit-exceeded']);
      const ids = settled.slice(0, 2).map((s) => (s.kind === 'declared' ? s.txnId : undefined) as AmqpValue);
      expect(ids[0]).to.not.deep.equal(ids[1]);
      c.control(link, delivery(discharge(ids[0], false)));
      c.control(link, delivery(discharge(ids[0], false)));
      c.control(link, delivery(discharge(ids[1], true)));
      expect(settled.slice(3).map(conditionOf)).to.deep.equal(['accepted', 'amqp:transaction:unknown-id', 'accepted']);
      expect(c.openCount).to.equal(0);
    });
  });

  describe('through the broker', () => {
    let broker: EmbeddedBroker;
    afterEach(() => broker.close());
    const subs: (() => void)[] = [];
    afterEach(() => { for (const f of subs.splice(0)) f(); });

    const open = async (): Promise<AmqpConnection> => new Promise<AmqpConnection>((resolve, reject) => {
      const sub = connect(broker.amqpUrl).subscribe({ next: resolve, error: reject });
      subs.push(() => sub.unsubscribe());
    });
    const openTx = (c: AmqpConnection): Promise<AmqpTransaction> => new Promise<AmqpTransaction>((resolve, reject) => {
      const sub = c.transaction().subscribe({ next: resolve, error: reject });
      subs.push(() => sub.unsubscribe());
    });
    const until = async (what: string, f: () => boolean): Promise<void> => {
      const end = Date.now() + 5000;
      while (!f()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    it('refuses a declare past limits.maxTransactions with TransactionError (amqp:resource-limit-exceeded)', async () => {
      broker = await startBroker({ amqpPort: 0, stompPort: false, limits: { maxTransactions: 2 } });
      const c = await open();
      await openTx(c);
      await openTx(c);
      const err = await openTx(c).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransactionError);
      expect(err).to.deep.include({ condition: 'amqp:resource-limit-exceeded', operation: 'declare', txnId: undefined });
      // Another connection has its own allowance.
      await openTx(await open());
    });

    it('past limits.maxTransactionWork the message is rejected and the commit rolls everything back', async () => {
      broker = await startBroker({ amqpPort: 0, stompPort: false, limits: { maxTransactionWork: 3 } });
      const c = await open();
      const tx = await openTx(c);
      const outcomes = await lastValueFrom(range(0, 4).pipe(map((i) => ({ body: i })), c.send('work-q', { transaction: tx }), toArray()));
      expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted', 'accepted', 'rejected']);
      const last = outcomes[3];
      expect(last.state === 'rejected' ? last.error?.condition : undefined).to.equal('amqp:resource-limit-exceeded');
      const err = await tx.commit().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransactionError);
      expect((err as TransactionError).condition).to.equal('amqp:transaction:rollback');
      expect((err as TransactionError).description).to.match(/maxTransactionWork/);
      expect(broker.queue('work-q')?.depth ?? 0).to.equal(0);
    });

    it('rejects startBroker limits that are not positive integers', async () => {
      for (const limits of [{ maxTransactions: 0 }, { maxTransactionWork: -1 }, { maxTransactions: 1.5 }]) {
        const err = await startBroker({ amqpPort: 0, stompPort: false, limits }).then((b) => b.close(), (e: unknown) => e);
        expect(err).to.be.instanceOf(RangeError);
      }
      broker = await startBroker({ amqpPort: 0, stompPort: false });
    });

    it('a connection lost with open transactions rolls them back: posts dropped, accepts undone', async () => {
      broker = await startBroker({ amqpPort: 0, stompPort: false });
      // Through a proxy whose cut ends the connection without a word from the client (no
      // rollback, no detach, no close): only the broker's end of the connection can roll back.
      const proxy = await cutProxy(broker.amqpPort);
      subs.push(() => void proxy.close());
      const c = await new Promise<AmqpConnection>((resolve, reject) => {
        const sub = connect(`amqp://127.0.0.1:${proxy.port}`).subscribe({ next: resolve, error: () => {} });
        subs.push(() => sub.unsubscribe());
        setTimeout(() => reject(new Error('no connection')), 5000);
      });
      await lastValueFrom(range(0, 2).pipe(map((i) => ({ body: `held-${i}` })), c.send('close-q'), toArray()));
      const tx = await openTx(c);
      await lastValueFrom(from([{ body: 'posted' }]).pipe(c.send('close-q', { transaction: tx }), toArray()));
      const got: ReceivedMessage[] = [];
      const sub = c.receive('close-q', { credit: 2, settle: 'manual' }).subscribe({ next: (m) => { got.push(m); m.accept({ transaction: tx }); }, error: () => {} });
      subs.push(() => sub.unsubscribe());
      await until('both messages accepted in the transaction', () => got.length === 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(broker.queue('close-q')?.depth).to.equal(2); // held in flight by the transaction
      proxy.cut();
      await until('the accepts to be undone', () => broker.queue('close-q')?.ready === 2);
      const c2 = await open();
      const bodies = await lastValueFrom(c2.fetch('close-q', { count: 3, timeout: 300 }).pipe(map((m) => m.body), toArray()));
      expect(bodies).to.deep.equal(['held-0', 'held-1']);
      expect(broker.stats().received).to.equal(2); // 'posted' never was
      expect(tx.state).to.equal('lost');
    });

    it('refuses a control link asking for distributed transactions (null target, amqp:not-implemented)', async () => {
      broker = await startBroker({ amqpPort: 0, stompPort: false });
      const c = await open();
      const err = await firstValueFrom(c.transaction({ capabilities: ['amqp:distributed-transactions'] })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransactionsUnsupportedError);
      expect(err).to.deep.include({ condition: 'amqp:not-implemented', scope: 'link' });
      // The session is unharmed: a transaction with the default capabilities works on it.
      const tx = await openTx(c);
      await tx.commit();
    });

    it('rejects a transfer naming an unknown transaction (amqp:transaction:unknown-id), and stores nothing', async () => {
      broker = await startBroker({ amqpPort: 0, stompPort: false });
      const c = await open();
      const tx = await openTx(c);
      await tx.rollback();
      // A transaction the coordinator forgot: only a handle made before its end could still name
      // it, and the client refuses that itself, so the engine writes this one directly.
      const outcome = await firstValueFrom(c.session().pipe(switchMap((s) => new Promise<DeliveryState | undefined>((resolve) => {
        const link = s.context.session.attachSender({ name: 'forged', source: { kind: 'source' }, target: { kind: 'target', address: string('unknown-q') } });
        const off = s.context.driver.onLink(link, (e) => {
          if (e.type === 'link-flow' && link.sendable) {
            link.send(encodeSections({ body: { kind: 'value', value: string('x') } }), { state: { kind: 'transactional-state', txnId: binary(tx.id) } });
            s.context.driver.flushSoon();
          }
          if (e.type === 'delivery-update' && e.delivery.settled) { off(); resolve(e.delivery.remoteState); }
        });
        s.context.driver.flushSoon();
      })), take(1)));
      expect(outcome?.kind).to.equal('rejected');
      expect(outcome?.kind === 'rejected' ? outcome.error?.condition : undefined).to.equal('amqp:transaction:unknown-id');
      expect(broker.queue('unknown-q')?.depth ?? 0).to.equal(0);
    });
  });
});
