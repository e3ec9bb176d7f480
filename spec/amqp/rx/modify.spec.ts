/**
 * `modify()` where the sending peer does not take the `modified` outcome (issue 22, item 6).
 * RabbitMQ 3.10 lists accepted/rejected/released in its source and ends the session on a
 * modified disposition; here rhea plays such a peer (its answering source lists the same
 * outcomes), and the pure mapping is checked case by case. spec/interop/amqp/rx/modify.spec.ts
 * shows the session surviving against RabbitMQ itself.
 */
import { expect } from 'chai';
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import { firstValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect, UnsupportedOutcomeError } from '../../../src/amqp/index.js';
import { modifiedState } from '../../../src/amqp/rx/modify.js';

const RABBIT_OUTCOMES = ['amqp:accepted:list', 'amqp:rejected:list', 'amqp:released:list'];

describe('amqp/rx modify() on a peer without the modified outcome', function () {
  this.timeout(15_000);

  describe('the mapping', () => {
    it('sends modified as asked where the peer lists it, or lists nothing', () => {
      const o = { deliveryFailed: true, undeliverableHere: true, messageAnnotations: { 'x-opt-reason': 'busy' } };
      for (const offered of [undefined, [...RABBIT_OUTCOMES, 'amqp:modified:list']]) {
        const s = modifiedState(o, offered);
        expect(s).to.deep.include({ kind: 'modified', deliveryFailed: true, undeliverableHere: true });
        expect(s.kind === 'modified' && s.messageAnnotations?.value.length).to.equal(1);
      }
    });

    it('sends released where that is what modified asks (no flags, deliveryFailed alone)', () => {
      for (const o of [{}, { deliveryFailed: true }, { deliveryFailed: false, undeliverableHere: false }, { messageAnnotations: {} }]) {
        expect(modifiedState(o, RABBIT_OUTCOMES), JSON.stringify(o)).to.deep.equal({ kind: 'released' });
      }
    });

    it('refuses undeliverableHere and annotations with UnsupportedOutcomeError naming what the peer offers', () => {
      for (const o of [{ undeliverableHere: true }, { deliveryFailed: true, undeliverableHere: true }, { messageAnnotations: { a: 1 } }]) {
        let err: unknown;
        try { modifiedState(o, RABBIT_OUTCOMES); } catch (e) { err = e; }
        expect(err, JSON.stringify(o)).to.be.instanceOf(UnsupportedOutcomeError);
        expect((err as UnsupportedOutcomeError).supported).to.deep.equal(RABBIT_OUTCOMES);
        expect((err as Error).message).to.match(/release\(\).*reject\(\)/);
      }
      expect(() => modifiedState({}, ['amqp:accepted:list'])).to.throw(UnsupportedOutcomeError, /nor released/);
    });
  });

  describe('against rhea answering with RabbitMQ\'s outcome list', () => {
    let server: Server;
    let port: number;
    /** The outcome of each disposition rhea received, in order. */
    const dispositions: string[] = [];
    let outcomes: string[] | undefined;
    before(async () => {
      const container = rhea.create_container({ id: 'modify-peer' });
      container.on('sender_open', (ctx: rhea.EventContext) => {
        const s = ctx.sender as rhea.Sender;
        s.set_source({ address: String(s.source?.address ?? ''), ...(outcomes === undefined ? {} : { outcomes }) });
      });
      container.on('sendable', (ctx: rhea.EventContext) => {
        const s = ctx.sender as rhea.Sender;
        const sent = (s as unknown as { sentCount?: number }).sentCount ?? 0;
        for (let i = sent; i < 3 && s.sendable(); i++) s.send({ body: `m${i}` });
        (s as unknown as { sentCount: number }).sentCount = 3;
      });
      container.on('settled', (ctx: rhea.EventContext) => {
        // rhea's outcome objects name their composite type on the prototype.
        const state = (ctx.delivery as unknown as { remote_state?: { composite_type?: string; constructor: { composite_type?: string } } }).remote_state;
        dispositions.push(state?.constructor.composite_type ?? 'none');
      });
      container.on('disconnected', () => {});
      server = (container.listen.bind(container) as unknown as (o: object) => Server)({ port: 0, host: '127.0.0.1' });
      await new Promise<void>((r) => server.once('listening', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    after(() => { server.close(); });
    beforeEach(() => { dispositions.length = 0; });

    it('modify() sends released, the session survives, a refused modify() leaves the message to settle otherwise', async () => {
      outcomes = RABBIT_OUTCOMES;
      const errors: unknown[] = [];
      const settledAfter: boolean[] = [];
      let bodies: string[] = [];
      await firstValueFrom(connect({ url: `amqp://127.0.0.1:${port}` }).pipe(
        switchMap((c) => c.receive('q', { settle: 'manual', credit: 10 })),
        take(3),
        toArray(),
        switchMap(async (ms) => {
          bodies = ms.map((m) => m.body as string);
          ms[0].modify({ deliveryFailed: true });
          try { ms[1].modify({ undeliverableHere: true }); } catch (e) { errors.push(e); }
          settledAfter.push(ms[1].settled);
          ms[1].release();
          ms[2].accept();
          await new Promise((r) => setTimeout(r, 200));
        }),
      ));
      expect(bodies).to.deep.equal(['m0', 'm1', 'm2']);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.be.instanceOf(UnsupportedOutcomeError);
      expect(settledAfter).to.deep.equal([false]);
      expect(dispositions).to.deep.equal(['released', 'released', 'accepted']);
    });

    it('a peer that lists no outcomes gets modified as asked', async () => {
      outcomes = undefined;
      await firstValueFrom(connect({ url: `amqp://127.0.0.1:${port}` }).pipe(
        switchMap((c) => c.receive('q2', { settle: 'manual', credit: 10 })),
        take(1),
        switchMap(async (m) => { m.modify({ deliveryFailed: true, undeliverableHere: true }); await new Promise((r) => setTimeout(r, 200)); }),
      ));
      expect(dispositions).to.deep.equal(['modified']);
    });
  });
});
