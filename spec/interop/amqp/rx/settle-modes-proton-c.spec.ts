/**
 * Settle modes and link details against the Qpid Proton C example broker, as it really behaves
 * (measured): asked for receive-and-delete it answers snd-settle-mode 'mixed' and then sends
 * every message pre-settled; asked for rcv-settle-mode 'second' it answers 'first'. Both answers
 * are adopted by default (the handle's settleModes says what is in use) and refused with
 * SettleModeError under requireSettleModes. It has no dynamic targets: its answer names no node.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { SettleModeError, type AmqpConnection } from '../../../../src/amqp/index.js';
import { unique, withConnection } from '../../../support/amqp-connection.js';
import { PEERS, PROTON_C, requirePeers } from '../../../support/peers.js';

describe('amqp/rx settle modes and link details (Qpid Proton C broker)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.protonC);
  const url = PROTON_C.url();
  const fill = (c: AmqpConnection, q: string, n: number): Promise<unknown> =>
    lastValueFrom(from(Array.from({ length: n }, (_, i) => ({ body: `m${i}` }))).pipe(c.send(q), toArray()));

  it("receive-and-delete: answered 'mixed', every message pre-settled, nothing sent back, the queue forgets them", async () => {
    const q = unique('rad');
    const trace: string[] = [];
    const r = await withConnection({ url, trace: (l) => trace.push(l) }, async (c) => {
      await fill(c, q, 2);
      const got = await firstValueFrom(c.attachReceiver(q, { sndSettleMode: 'settled' }).pipe(switchMap(async (h) => {
        const ms = firstValueFrom(h.messages$.pipe(take(2), toArray()));
        h.addCredit(2);
        return { modes: h.settleModes, presettled: (await ms).map((m) => m.presettled) };
      }), take(1)));
      const left = await firstValueFrom(c.fetch(q, { count: 1, timeout: 500, drain: 'never' }).pipe(toArray()));
      return { ...got, left: left.length };
    });
    expect(r).to.deep.equal({ modes: { snd: 'mixed', rcv: 'first' }, presettled: [true, true], left: 0 });
    expect(trace.filter((l) => l.includes('-> @disposition'))).to.deep.equal([]);
  });

  it("rcv-settle-mode 'second' is answered 'first': adopted by default, SettleModeError when required", async () => {
    const q = unique('second');
    const r = await withConnection({ url }, async (c) => {
      const preferred = await firstValueFrom(c.attachReceiver(q, { rcvSettleMode: 'second' })).then((h) => h.settleModes);
      const required = await firstValueFrom(c.attachReceiver(q, { rcvSettleMode: 'second', requireSettleModes: true })).catch((e: unknown) => e);
      const rad = await firstValueFrom(c.attachReceiver(q, { sndSettleMode: 'settled', requireSettleModes: true })).catch((e: unknown) => e);
      return { preferred, required, rad };
    });
    expect(r.preferred).to.deep.equal({ snd: 'mixed', rcv: 'first' });
    expect(r.required).to.be.instanceOf(SettleModeError).and.to.include({ mode: 'rcv-settle-mode', requested: 'second', answered: 'first' });
    expect(r.rad).to.be.instanceOf(SettleModeError).and.to.include({ mode: 'snd-settle-mode', requested: 'settled', answered: 'mixed' });
  });

  it('a dynamic target is not made: the answering target names no node', async () => {
    const t = await withConnection({ url }, (c) => firstValueFrom(c.attachSender({ dynamic: true })).then((h) => h.remoteTarget));
    expect(t?.address).to.equal(undefined);
    expect(t?.dynamic).to.equal(false);
  });
});
