/**
 * A receiving stream that ends (an error downstream, unsubscribe, take(n)) releases what it took
 * and did not settle, before its detach (issue 22, item 4). The peer is rhea scripted like
 * RabbitMQ 3.10 (rhea-queue.ts), which keeps a detached link's unsettled messages for as long as
 * the session lives: without the release they are stranded and a retried pipeline stalls.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, switchMap, take, toArray, type Observable } from 'rxjs';
import {
  amqpClient, connect, SettleError, type AmqpConnection, type ReceivedMessage, type ReceiveOptions,
} from '../../../src/amqp/index.js';
import { startRheaQueue, type RheaQueue } from './rhea-queue.js';
import { batchesFailingOnce } from '../../support/amqp-stranded-pipeline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx receivers release what they hold when their stream ends', function () {
  this.timeout(10_000);
  let peer: RheaQueue;
  beforeEach(async () => { peer = await startRheaQueue(); });
  afterEach(() => peer.close());

  /** Run `f` on a plain connection that stays open until it settles. */
  const onConnection = <T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> =>
    firstValueFrom(connect({ url: peer.url, sasl: false }).pipe(switchMap((c) => f(c))));

  /** The measured pipeline (spec/support/amqp-stranded-pipeline.ts). */
  const pipeline = (receive: (o: ReceiveOptions) => Observable<ReceivedMessage>): Promise<number[]> => lastValueFrom(batchesFailingOnce(receive));

  const settledAll = async (q: string): Promise<void> => {
    for (let i = 0; i < 50 && peer.info(q).accepted < 50; i++) await sleep(10);
    expect(peer.info(q)).to.include({ ready: 0, unacked: 0, accepted: 50 });
  };

  it('receive + bufferCount + concatMap throwing in batch 3 + retry(2) completes with each message processed once, nothing left unacknowledged', async () => {
    peer.put('work', Array.from({ length: 50 }, (_, i) => i));
    const processed = await onConnection((c) => pipeline((o) => c.receive('work', o)));
    expect([...processed].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(peer.info('work').released).to.be.at.least(10); // batch 3, and what was buffered behind it
    await settledAll('work');
  });

  it('the same pipeline on amqpClient', async () => {
    peer.put('work', Array.from({ length: 50 }, (_, i) => i));
    const client = amqpClient({ urls: peer.url, sasl: false });
    try {
      const processed = await pipeline((o) => client.receive('work', o));
      expect([...processed].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
      await settledAll('work');
    } finally {
      await client.close();
    }
  });

  it('manual receive with take(3): all five is released before the detach; a late accept throws SettleError link-closed', async () => {
    peer.put('late', [1, 2, 3, 4, 5]);
    await onConnection(async (c) => {
      const all: ReceivedMessage[] = [];
      const first = await firstValueFrom(c.receive('late', { settle: 'manual', credit: 5 }).pipe(take(3), toArray()));
      all.push(...first);
      for (let i = 0; i < 50 && peer.info('late').released < 5; i++) await sleep(10);
      expect(peer.info('late')).to.include({ unacked: 0, released: 5, ready: 5 });
      const err = (() => { try { all[0].accept(); return undefined; } catch (e) { return e; } })();
      expect(err).to.be.instanceOf(SettleError);
      expect((err as SettleError).reason).to.equal('link-closed');
      expect(all[0].settled).to.equal(false);
    });
  });

  it('auto receive with take(2): the two taken are accepted, the rest released', async () => {
    peer.put('auto', [1, 2, 3, 4, 5]);
    await onConnection(async (c) => {
      const got = await firstValueFrom(c.receive('auto').pipe(take(2), toArray()));
      expect(got.map((m) => m.body)).to.deep.equal([1, 2]);
      for (let i = 0; i < 50 && peer.info('auto').released < 3; i++) await sleep(10);
      expect(peer.info('auto')).to.include({ unacked: 0, accepted: 2, released: 3, ready: 3 });
    });
  });

  it('fetch unsubscribed before it completed releases what it delivered; a completed manual fetch keeps its messages settleable', async () => {
    peer.put('fetch', [1, 2, 3]);
    await onConnection(async (c) => {
      const two = await firstValueFrom(c.fetch('fetch', { count: 3, settle: 'manual', timeout: 2000 }).pipe(take(2), toArray()));
      for (let i = 0; i < 50 && peer.info('fetch').released < 3; i++) await sleep(10);
      expect(peer.info('fetch')).to.include({ unacked: 0, released: 3, ready: 3 });
      expect(() => two[0].accept()).to.throw(SettleError);
      const all = await lastValueFrom(c.fetch('fetch', { count: 3, settle: 'manual', timeout: 2000 }).pipe(toArray()));
      expect(all.map((m) => m.body).sort()).to.deep.equal([1, 2, 3]);
      for (const m of all) m.accept();
      for (let i = 0; i < 50 && peer.info('fetch').accepted < 3; i++) await sleep(10);
      expect(peer.info('fetch')).to.include({ unacked: 0, accepted: 3, ready: 0 });
    });
  });

  it('attachReceiver: unsubscribing the handle releases its unsettled messages', async () => {
    peer.put('handle', [1, 2]);
    await onConnection(async (c) => {
      const got: ReceivedMessage[] = [];
      const sub = c.attachReceiver('handle').subscribe((h) => {
        h.messages$.subscribe((m) => got.push(m));
        h.addCredit(2);
      });
      for (let i = 0; i < 50 && got.length < 2; i++) await sleep(10);
      got[0].accept();
      sub.unsubscribe();
      for (let i = 0; i < 50 && peer.info('handle').released < 1; i++) await sleep(10);
      expect(peer.info('handle')).to.include({ unacked: 0, accepted: 1, released: 1, ready: 1 });
      expect(() => got[1].accept()).to.throw(SettleError);
    });
  });
});
