/**
 * The broker's STOMP side with @stomp/stompjs over TCP (@stomp/tcp-wrapper) as the independent
 * client: text and binary bodies with escaped headers, receipts, client-individual and client
 * acks with NACK redelivery, the prefetch bound, transactions, and heart-beats.
 */
import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../src/broker/index.js';
import { collect, withSession } from '../support/stomp-session.js';
import { sleep, until } from './helpers.js';
import { stompjs, type IMessage } from './stomp-helpers.js';
import type { Client } from '@stomp/stompjs';

describe('broker: STOMP with @stomp/stompjs', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const clients: Client[] = [];
  const start = async (opts: BrokerOptions = {}): Promise<void> => {
    await broker?.close();
    broker = await startBroker(opts);
  };
  const js = async (opts: Parameters<typeof stompjs>[1] = {}): Promise<Client> => {
    const c = await stompjs(broker.stompPort as number, opts);
    clients.push(c);
    return c;
  };
  /** publish with a receipt; resolves when the broker confirms. */
  const publishConfirmed = (c: Client, params: Parameters<Client['publish']>[0]): Promise<void> => {
    const receipt = `r-${Math.random().toString(36).slice(2)}`;
    const done = new Promise<void>((resolve) => c.watchForReceipt(receipt, () => resolve()));
    c.publish({ ...params, headers: { ...params.headers, receipt } });
    return done;
  };
  beforeEach(() => start());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.deactivate()));
    await broker.close();
  });

  it('exchanges text and binary bodies (NUL bytes) with escaped headers both ways, with receipts', async () => {
    const c = await js();
    await publishConfirmed(c, { destination: '/queue/from-js', body: 'from stompjs ✓', headers: { 'x-odd': 'a:b\nc\\d' } });
    await publishConfirmed(c, { destination: '/queue/from-js', binaryBody: new Uint8Array([9, 0, 9]) });
    expect(broker.queue('from-js')?.depth).to.equal(2);
    const ours = await withSession(broker.stompUrl as string, (s) => collect(s, '/queue/from-js', 2));
    expect(ours[0].text).to.equal('from stompjs ✓');
    expect(ours[0].headers['x-odd']).to.equal('a:b\nc\\d');
    expect([...ours[1].body]).to.deep.equal([9, 0, 9]);

    const got: IMessage[] = [];
    c.subscribe('/queue/to-js', (m) => got.push(m));
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of('to stompjs', { body: new Uint8Array([0, 255, 0]), headers: { 'x-odd': 'k:v\\' } })
      .pipe(s.send('/queue/to-js', { receipt: true }), toArray())));
    await until(() => got.length === 2, 5000, 'stompjs got both');
    expect(got[0].body).to.equal('to stompjs');
    expect([...got[1].binaryBody]).to.deep.equal([0, 255, 0]);
    expect(got[1].headers['x-odd']).to.equal('k:v\\');
  });

  it('client-individual: ack removes, nack redelivers with redelivered:true', async () => {
    const c = await js();
    await publishConfirmed(c, { destination: '/queue/js-ack', body: 'first' });
    await publishConfirmed(c, { destination: '/queue/js-ack', body: 'second' });
    const got: IMessage[] = [];
    c.subscribe('/queue/js-ack', (m) => {
      got.push(m);
      if (m.body === 'first' && m.headers.redelivered === undefined) m.nack();
      else m.ack();
    }, { ack: 'client-individual' });
    await until(() => got.length === 3, 5000, 'three deliveries');
    expect(got.map((m) => m.body)).to.deep.equal(['first', 'second', 'first']);
    expect(got[2].headers.redelivered).to.equal('true');
    await until(() => broker.queue('js-ack')?.depth === 0, 3000, 'all acked');
  });

  it('client: one ack covers every earlier message of the subscription', async () => {
    const c = await js();
    for (let i = 0; i < 5; i++) await publishConfirmed(c, { destination: '/queue/js-cum', body: String(i) });
    const got: IMessage[] = [];
    c.subscribe('/queue/js-cum', (m) => got.push(m), { ack: 'client' });
    await until(() => got.length === 5, 5000, 'five');
    got[3].ack();
    await until(() => broker.queue('js-cum')?.depth === 1, 3000, 'four acked at once');
    got[4].ack();
    await until(() => broker.queue('js-cum')?.depth === 0, 3000, 'last acked');
  });

  it('honours prefetch-count: never more unacknowledged messages than asked for', async () => {
    const c = await js();
    for (let i = 0; i < 20; i++) await publishConfirmed(c, { destination: '/queue/js-pf', body: String(i) });
    const unacked: IMessage[] = [];
    let max = 0;
    let total = 0;
    c.subscribe('/queue/js-pf', (m) => {
      unacked.push(m);
      total++;
      max = Math.max(max, unacked.length);
    }, { ack: 'client-individual', 'prefetch-count': '3' });
    while (total < 20) {
      await sleep(40);
      for (const m of unacked.splice(0)) m.ack();
    }
    expect(max).to.equal(3);
  });

  it('commits and aborts transactions: sends stored only on COMMIT, aborted ACKs undone', async () => {
    const c = await js();
    const tx = c.begin();
    c.publish({ destination: '/queue/js-tx', body: 'a', headers: { transaction: tx.id } });
    c.publish({ destination: '/queue/js-tx', body: 'b', headers: { transaction: tx.id } });
    await sleep(100);
    expect(broker.queue('js-tx')?.depth ?? 0).to.equal(0);
    tx.commit();
    await until(() => broker.queue('js-tx')?.depth === 2, 3000, 'committed');
    const aborted = c.begin();
    c.publish({ destination: '/queue/js-tx', body: 'never', headers: { transaction: aborted.id } });
    const got: IMessage[] = [];
    c.subscribe('/queue/js-tx', (m) => got.push(m), { ack: 'client-individual' });
    await until(() => got.length === 2, 3000, 'both');
    got[0].ack({ transaction: aborted.id });
    aborted.abort();
    await sleep(100);
    expect(broker.queue('js-tx')?.depth).to.equal(2);
    got[0].ack();
    got[1].ack();
    await until(() => broker.queue('js-tx')?.depth === 0, 3000, 'acked outside the transaction');
    expect(got.map((m) => m.body)).to.deep.equal(['a', 'b']);
  });

  it('keeps a heart-beating stompjs connected', async () => {
    await start({ stompHeartbeat: [100, 100] });
    let closed = 0;
    const c = await js({ heartbeat: 100 });
    c.onWebSocketClose = () => { closed++; };
    await sleep(1500);
    expect(closed).to.equal(0);
    expect(c.connected).to.equal(true);
    await publishConfirmed(c, { destination: '/queue/js-hb', body: 'alive' });
  });
});
