/**
 * The embedded broker driven by rhea as an independent AMQP 1.0 client: queues, competing
 * consumers, credit, drain, topics, dynamic reply-to, outcomes, dead letters, bounded queues,
 * settle modes, multi-frame messages, the anonymous relay and SASL PLAIN.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { startBroker, type BrokerOptions, type EmbeddedBroker } from '../../src/broker/index.js';
import { creditOf, rheaConnect, rheaSendAll, rheaSender, sleep, until, type RheaClient } from './helpers.js';

describe('broker: rhea client', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const clients: RheaClient[] = [];

  const start = async (opts: BrokerOptions = {}): Promise<EmbeddedBroker> => {
    broker = await startBroker({ amqpPort: 0, ...opts });
    return broker;
  };
  const client = async (opts: Parameters<typeof rheaConnect>[1] = {}): Promise<RheaClient> => {
    const c = await rheaConnect(broker.amqpPort, opts);
    clients.push(c);
    return c;
  };
  /** A receiver with manual credit and settlement; collects deliveries. */
  const receiver = (c: RheaClient, source: string | rhea.ReceiverOptions, credit: number, extra: Partial<rhea.ReceiverOptions> = {}) => {
    const got: rhea.EventContext[] = [];
    const opts: rhea.ReceiverOptions = typeof source === 'string'
      ? { source, credit_window: 0, autoaccept: false, ...extra }
      : { credit_window: 0, autoaccept: false, ...source, ...extra };
    const r = c.connection.open_receiver(opts);
    r.on('message', (ctx: rhea.EventContext) => { got.push(ctx); });
    const opened = new Promise<void>((res) => r.once('receiver_open', () => { if (credit > 0) r.add_credit(credit); res(); }));
    return { r, got, opened, bodies: () => got.map((x) => x.message?.body as unknown) };
  };

  beforeEach(() => start());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await broker.close();
  });

  it('round-trips messages through a queue in order, with accepted outcomes', async () => {
    const c = await client();
    const s = await rheaSender(c, 'orders');
    expect(await rheaSendAll(s, [{ body: 'a' }, { body: 'b' }, { body: 'c', application_properties: { k: 1 } }])).to.deep.equal(['accepted', 'accepted', 'accepted']);
    expect(broker.queue('orders')?.depth).to.equal(3);
    const rx = receiver(c, 'orders', 10);
    await until(() => rx.got.length === 3);
    expect(rx.bodies()).to.deep.equal(['a', 'b', 'c']);
    expect(rx.got[2].message?.application_properties).to.deep.equal({ k: 1 });
    for (const g of rx.got) g.delivery?.accept();
    await until(() => broker.queue('orders')?.depth === 0, 5_000, 'queue emptied');
  });

  it('survives a link the client attaches and detaches in one write, and keeps serving the connection', async () => {
    const c = await client();
    // rhea writes both frames in one flush: the broker sees the attach and the detach in one read.
    const gone = c.connection.open_sender('orders');
    gone.close();
    const closed = new Promise<void>((res) => gone.once('sender_close', () => res()));
    await closed;
    const s = await rheaSender(c, 'orders');
    expect(await rheaSendAll(s, [{ body: 'after' }])).to.deep.equal(['accepted']);
    expect(broker.queue('orders')?.depth).to.equal(1);
  });

  it('shares a queue between competing consumers, each message to one', async () => {
    const c = await client();
    const a = receiver(c, 'work', 100);
    const b = receiver(c, 'work', 100);
    await Promise.all([a.opened, b.opened]);
    const s = await rheaSender(c, 'work');
    await rheaSendAll(s, Array.from({ length: 20 }, (_, i) => ({ body: i })));
    await until(() => a.got.length + b.got.length === 20);
    expect(a.got.length).to.be.greaterThan(0);
    expect(b.got.length).to.be.greaterThan(0);
    const all = [...a.bodies(), ...b.bodies()].map(Number).sort((x, y) => x - y);
    expect(all).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
  });

  it('never sends a consumer more than its credit', async () => {
    const c = await client();
    const s = await rheaSender(c, 'credit');
    await rheaSendAll(s, [1, 2, 3, 4, 5].map((body) => ({ body })));
    const rx = receiver(c, 'credit', 2);
    await until(() => rx.got.length === 2);
    await sleep(200);
    expect(rx.got.length).to.equal(2);
    rx.r.add_credit(3);
    await until(() => rx.got.length === 5);
    expect(rx.bodies()).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('answers drain with a flow that consumes the remaining credit', async () => {
    const c = await client();
    const s = await rheaSender(c, 'drain-q');
    await rheaSendAll(s, [{ body: 'x' }, { body: 'y' }]);
    const rx = receiver(c, 'drain-q', 10);
    await until(() => rx.got.length === 2);
    const drained = new Promise<void>((res) => rx.r.once('receiver_drained', () => res()));
    rx.r.drain_credit();
    await drained;
    expect(creditOf(rx.r)).to.equal(0);
    // A drain on an empty queue with fresh credit is answered too.
    rx.r.add_credit(4);
    const again = new Promise<void>((res) => rx.r.once('receiver_drained', () => res()));
    rx.r.drain_credit();
    await again;
    expect(creditOf(rx.r)).to.equal(0);
  });

  it('fans a topic out to every subscriber (topic/NAME and the topic capability)', async () => {
    const c = await client();
    const a = receiver(c, 'topic/news', 10);
    const b = receiver(c, { source: { address: 'news', capabilities: ['topic'] } } as rhea.ReceiverOptions, 10);
    await Promise.all([a.opened, b.opened]);
    const s = await rheaSender(c, 'topic/news');
    await rheaSendAll(s, [{ body: 1 }, { body: 2 }, { body: 3 }]);
    await until(() => a.got.length === 3 && b.got.length === 3);
    expect(a.bodies()).to.deep.equal([1, 2, 3]);
    expect(b.bodies()).to.deep.equal([1, 2, 3]);
    expect(broker.queue('news')).to.equal(undefined);
    // Published with no subscribers: discarded and counted.
    a.r.close(); b.r.close();
    await sleep(100);
    await rheaSendAll(s, [{ body: 4 }]);
    expect(broker.stats().unrouted).to.equal(1);
  });

  it('creates a dynamic reply-to node for a receiver and removes it when the link closes', async () => {
    const c = await client();
    const other = await client();
    const replies = receiver(c, { source: { dynamic: true } } as rhea.ReceiverOptions, 5, { autoaccept: true });
    await replies.opened;
    const address = replies.r.source.address as string;
    expect(address).to.match(/^tmp\//);
    const s = await rheaSender(other, address);
    await rheaSendAll(s, [{ body: 'reply', correlation_id: 'c1' }]);
    await until(() => replies.got.length === 1);
    expect(replies.got[0].message?.correlation_id).to.equal('c1');
    const closed = new Promise<void>((res) => replies.r.once('receiver_close', () => res()));
    replies.r.close();
    await closed;
    await until(() => broker.queue(address) === undefined, 2_000, 'dynamic node removed');
  });

  it('requeues released messages, counts delivery-failed, and honours undeliverable-here', async () => {
    const c = await client();
    const s = await rheaSender(c, 'redo');
    await rheaSendAll(s, [{ body: 'm' }]);
    const first = receiver(c, 'redo', 1);
    await until(() => first.got.length === 1);
    first.got[0].delivery?.release();
    first.r.add_credit(1);
    await until(() => first.got.length === 2);
    expect(first.got[1].message?.body).to.equal('m');
    expect(first.got[1].message?.delivery_count ?? 0).to.equal(0);
    first.got[1].delivery?.modified({ delivery_failed: true });
    first.r.add_credit(1);
    await until(() => first.got.length === 3);
    expect(first.got[2].message?.delivery_count).to.equal(1);
    // Not here: the same consumer never sees it again, another one does.
    first.got[2].delivery?.modified({ delivery_failed: true, undeliverable_here: true });
    first.r.add_credit(1);
    await sleep(200);
    expect(first.got.length).to.equal(3);
    const second = receiver(c, 'redo', 1);
    await until(() => second.got.length === 1);
    expect(second.got[0].message?.delivery_count).to.equal(2);
  });

  it('drops rejected messages by default, counting them', async () => {
    const c = await client();
    const s = await rheaSender(c, 'rej');
    await rheaSendAll(s, [{ body: 'bad' }]);
    const rx = receiver(c, 'rej', 1);
    await until(() => rx.got.length === 1);
    rx.got[0].delivery?.reject({ condition: 'app:bad', description: 'no' });
    await until(() => broker.stats().dropped === 1);
    expect(broker.queue('rej')?.depth).to.equal(0);
  });

  it('moves rejected messages to the configured dead-letter address', async () => {
    await broker.close();
    await start({ deadLetterAddress: 'dead' });
    const c = await client();
    const s = await rheaSender(c, 'rej');
    await rheaSendAll(s, [{ body: 'poison' }]);
    const rx = receiver(c, 'rej', 1);
    await until(() => rx.got.length === 1);
    rx.got[0].delivery?.reject();
    const dead = receiver(c, 'dead', 1);
    await until(() => dead.got.length === 1);
    expect(dead.got[0].message?.body).to.equal('poison');
    expect(broker.stats()).to.include({ rejected: 1, deadLettered: 1, dropped: 0 });
  });

  it('withholds credit from producers while a bounded queue is full', async () => {
    await broker.close();
    await start({ maxQueueDepth: 3, producerCredit: 10 });
    const c = await client();
    const s = await rheaSender(c, 'small');
    expect(creditOf(s)).to.equal(3);
    const sent = rheaSendAll(s, [1, 2, 3, 4, 5].map((body) => ({ body })));
    await until(() => broker.queue('small')?.depth === 3);
    await sleep(200);
    expect(broker.queue('small')?.depth).to.equal(3);
    expect(creditOf(s)).to.equal(0);
    const rx = receiver(c, 'small', 10);
    await until(() => rx.got.length === 3);
    for (const g of rx.got.slice(0, 3)) g.delivery?.accept();
    await until(() => rx.got.length === 5);
    for (const g of rx.got.slice(3)) g.delivery?.accept();
    expect(await sent).to.deep.equal(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(rx.bodies()).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('sends pre-settled to consumers that ask for settled, and takes pre-settled sends', async () => {
    const c = await client();
    const s = await rheaSender(c, { target: { address: 'fast' }, snd_settle_mode: 1 } as rhea.SenderOptions);
    expect(await rheaSendAll(s, [{ body: 1 }, { body: 2 }])).to.deep.equal(['sent', 'sent']);
    await until(() => broker.queue('fast')?.depth === 2);
    const rx = receiver(c, 'fast', 5, { snd_settle_mode: 1 } as Partial<rhea.ReceiverOptions>);
    await until(() => rx.got.length === 2);
    expect(rx.got.every((g) => g.delivery?.remote_settled === true)).to.equal(true);
    expect(broker.queue('fast')?.depth).to.equal(0);
  });

  it('carries multi-frame messages intact (512 KiB over 4 KiB frames)', async () => {
    const c = await client({ maxFrameSize: 4096 });
    const big = Buffer.alloc(512 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const s = await rheaSender(c, 'big');
    expect(await rheaSendAll(s, [{ body: rhea.message.data_section(big) }])).to.deep.equal(['accepted']);
    const rx = receiver(c, 'big', 1);
    await until(() => rx.got.length === 1);
    const body = rx.got[0].message?.body as { content: Buffer };
    expect(Buffer.compare(body.content, big)).to.equal(0);
  });

  it('offers a message too large for a consumer\'s max-message-size to the others instead', async () => {
    const c = await client();
    const small = receiver(c, { source: 'sizes', max_message_size: 200 } as rhea.ReceiverOptions, 10);
    await small.opened;
    const s = await rheaSender(c, 'sizes');
    await rheaSendAll(s, [{ body: 'x'.repeat(1000) }, { body: 'tiny' }]);
    await until(() => small.got.length === 1);
    expect(small.bodies()).to.deep.equal(['tiny']);
    const big = receiver(c, 'sizes', 10);
    await until(() => big.got.length === 1);
    expect((big.got[0].message?.body as string).length).to.equal(1000);
  });

  it('routes through the anonymous relay by the message `to`', async () => {
    const c = await client();
    expect(c.connection.remote.open.offered_capabilities).to.include('ANONYMOUS-RELAY');
    const s = await rheaSender(c, { target: {} } as rhea.SenderOptions);
    expect(await rheaSendAll(s, [{ to: 'relay-q', body: 'via relay' }, { body: 'nowhere' }])).to.deep.equal(['accepted', 'rejected']);
    expect(broker.queue('relay-q')?.depth).to.equal(1);
  });

  it('checks SASL PLAIN against `users` and refuses bad credentials', async () => {
    await broker.close();
    await start({ users: { alice: 's3cret' } });
    const ok = await client({ username: 'alice', password: 's3cret' });
    expect(ok.connection.is_open()).to.equal(true);
    let failed: unknown;
    try {
      await client({ username: 'alice', password: 'wrong' });
    } catch (e) {
      failed = e;
    }
    expect(failed).to.be.instanceOf(Error);
    let anonymous: unknown;
    try {
      await client();
    } catch (e) {
      anonymous = e;
    }
    expect(anonymous).to.be.instanceOf(Error);
  });
});
