/**
 * Settle modes from the user's side: receive-and-delete (snd-settle-mode settled: pre-settled
 * deliveries, no dispositions from us), rcv-settle-mode second (our outcome unsettled, the
 * sender's settlement, then ours), the negotiated modes on handles, and a peer answering other
 * modes: adopted by default, SettleModeError with `requireSettleModes`. Against the embedded
 * broker and rhea (an independent AMQP 1.0 implementation) in the server role; the wire is read
 * from the frame trace.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray, type Observable } from 'rxjs';
import type rhea from 'rhea';
import { connect, SettleModeError, type AmqpConnection } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { startRheaServer, type RheaServer } from './rhea-server.js';
import { until } from '../../support/wait.js';

const unique = (p: string): string => `${p}-${Math.random().toString(36).slice(2, 8)}`;

function withConnection<T>(url: string, f: (c: AmqpConnection) => Observable<T> | Promise<T>, trace?: string[]): Promise<T> {
  return firstValueFrom(connect({ url, sasl: false, trace: trace === undefined ? undefined : (l) => trace.push(l) }).pipe(
    switchMap((c) => from(f(c))), take(1)));
}

describe('settle modes', function () {
  this.timeout(20_000);

  describe('against the embedded broker', () => {
    let broker: EmbeddedBroker;
    before(async () => { broker = await startBroker({ stompPort: false }); });
    after(() => broker.close());
    const fill = (q: string, n: number): Promise<unknown> => withConnection(broker.amqpUrl, (c) =>
      lastValueFrom(from(Array.from({ length: n }, (_, i) => ({ body: `m${i}` }))).pipe(c.send(q), toArray())));

    it("receive-and-delete (sndSettleMode 'settled'): pre-settled deliveries, no disposition sent, the queue forgets them", async () => {
      const q = unique('rad');
      await fill(q, 3);
      const trace: string[] = [];
      const got = await withConnection(broker.amqpUrl, (c) => c.receive<string>(q, { sndSettleMode: 'settled', settle: 'manual' }).pipe(take(3), toArray()), trace);
      expect(got.map((m) => m.body)).to.deep.equal(['m0', 'm1', 'm2']);
      expect(got.every((m) => m.presettled)).to.equal(true);
      // Settling sends nothing (the sender has forgotten them) but marks them processed.
      for (const m of got) m.release();
      expect(got.every((m) => m.settled)).to.equal(true);
      expect(trace.filter((l) => l.includes('-> @disposition'))).to.deep.equal([]);
      expect(trace.find((l) => l.includes('-> @attach'))).to.match(/snd-settle-mode=settled/);
      expect(broker.queue(q)?.depth).to.equal(0);
    });

    it("the handle tells the negotiated modes: receive-and-delete, 'second' where the peer agrees, 'first' where it does not", async () => {
      const q = unique('modes');
      const modes = await withConnection(broker.amqpUrl, async (c) => [
        (await firstValueFrom(c.attachReceiver(q, { sndSettleMode: 'settled' }))).settleModes,
        (await firstValueFrom(c.attachReceiver(q, { rcvSettleMode: 'second', requireSettleModes: true }))).settleModes,
        (await firstValueFrom(c.attachSender(q, { rcvSettleMode: 'second' }))).settleModes,
      ]);
      // The broker's consumers settle second on request; its producers' receiving ends always settle first.
      expect(modes).to.deep.equal([{ snd: 'settled', rcv: 'first' }, { snd: 'mixed', rcv: 'second' }, { snd: 'mixed', rcv: 'first' }]);
    });

    it("rcv-settle-mode 'second': our outcome goes unsettled, the broker settles, then we settle", async () => {
      const q = unique('second');
      await fill(q, 2);
      const trace: string[] = [];
      await withConnection(broker.amqpUrl, async (c) => {
        // The stream stays open until our last settlement is out (a detach would end the exchange).
        const sub = c.receive(q, { rcvSettleMode: 'second', requireSettleModes: true, settle: 'manual' }).subscribe((m) => m.accept());
        await until(() => trace.filter((l) => l.includes('-> @disposition') && /settled=true/.test(l)).length > 0, 'our final settlement');
        sub.unsubscribe();
        return undefined;
      }, trace);
      const dispositions = trace.filter((l) => l.includes('@disposition'));
      const ours = dispositions.filter((l) => l.includes('->'));
      const theirs = dispositions.filter((l) => l.includes('<-'));
      expect(ours[0], dispositions.join('\n')).to.match(/settled=false/).and.to.match(/accepted/);
      expect(theirs[0], dispositions.join('\n')).to.match(/settled=true/);
      expect(ours.at(-1), dispositions.join('\n')).to.match(/settled=true/);
      expect(dispositions.indexOf(ours.at(-1) as string)).to.be.greaterThan(dispositions.indexOf(theirs[0]));
      expect(broker.queue(q)?.depth).to.equal(0);
    });
  });

  describe('against rhea', () => {
    let server: RheaServer;
    /** What rhea's sender answers for rcv-settle-mode (undefined: rhea's default, first). */
    let answerRcv: number | undefined;
    /** Dispositions rhea's sender saw from us: settled flag and outcome. */
    let seen: { settled: boolean; state: string }[];
    before(async () => {
      server = await startRheaServer('rhea-settle-modes', { autoaccept: false });
      server.container.on('sender_open', (ctx: rhea.EventContext) => {
        const s = ctx.sender as rhea.Sender & { local: { attach: { rcv_settle_mode: number } } };
        s.set_source({ address: String((s.source as { address?: string } | undefined)?.address ?? '') });
        if (answerRcv !== undefined) s.local.attach.rcv_settle_mode = answerRcv;
      });
      server.container.on('sendable', (ctx: rhea.EventContext) => {
        const s = ctx.sender as rhea.Sender & { sent?: boolean };
        if (s.sent) return;
        s.sent = true;
        s.send({ body: 'from-rhea' });
      });
      server.container.on('accepted', (ctx: rhea.EventContext) => {
        const d = ctx.delivery as unknown as { remote_settled: boolean; update(settled: boolean): void };
        seen.push({ settled: d.remote_settled, state: 'accepted' });
        // rhea leaves the sender's settlement to the application (it settles by itself only
        // once the receiver has): in mode second, settle on the outcome.
        if (!d.remote_settled) d.update(true);
      });
    });
    after(() => server.close());
    beforeEach(() => { answerRcv = undefined; seen = []; });

    it("a sender answering 'first' to 'second' is adopted by default (settleModes says so)", async () => {
      const modes = await withConnection(server.url, async (c) => (await firstValueFrom(c.attachReceiver('q1', { rcvSettleMode: 'second' }))).settleModes);
      expect(modes.rcv).to.equal('first');
    });

    it('with requireSettleModes a different answer fails the link with SettleModeError', async () => {
      const err = await withConnection(server.url, (c) => firstValueFrom(c.attachReceiver('q2', { rcvSettleMode: 'second', requireSettleModes: true })).catch((e: unknown) => e));
      expect(err).to.be.instanceOf(SettleModeError);
      expect(err).to.include({ mode: 'rcv-settle-mode', requested: 'second', answered: 'first' });
    });

    it("rhea agreeing to 'second': it sees our accepted outcome unsettled, settles, and we settle after it", async () => {
      answerRcv = 1;
      const trace: string[] = [];
      await withConnection(server.url, async (c) => {
        const bodies: unknown[] = [];
        const sub = c.receive<string>('q3', { rcvSettleMode: 'second', settle: 'manual' }).subscribe((m) => { bodies.push(m.body); m.accept(); });
        await until(() => trace.some((l) => l.includes('-> @disposition') && /settled=true/.test(l)), 'our final settlement');
        // Written is not yet read: wait for rhea to report it before the connection closes.
        await until(() => seen.length >= 2, 'rhea seeing our final settlement');
        sub.unsubscribe();
        expect(bodies).to.deep.equal(['from-rhea']);
        return undefined;
      }, trace);
      // rhea reports the outcome twice: unsettled first, then with our final settlement.
      expect(seen).to.deep.equal([{ settled: false, state: 'accepted' }, { settled: true, state: 'accepted' }]);
      const d = trace.filter((l) => l.includes('@disposition'));
      expect(d.map((l) => (l.includes('->') ? 'us' : 'rhea') + (/settled=true/.test(l) ? ':settled' : ':unsettled'))).to.deep.equal(['us:unsettled', 'rhea:settled', 'us:settled']);
    });
  });
});
