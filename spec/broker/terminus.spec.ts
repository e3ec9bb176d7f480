/**
 * What the broker answers in an attach, read by rhea (an independent AMQP 1.0 client): the
 * address exactly as requested, durability and expiry as the broker keeps them (nothing outlives
 * a link), and only what it applies.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { rheaConnect, rheaSendAll, rheaSender, until, type RheaClient } from './helpers.js';

/** The source or target the broker answered, as rhea decoded it. */
type Terminus = Record<string, unknown>;
const answered = (l: rhea.Sender | rhea.Receiver, which: 'source' | 'target'): Terminus =>
  (l as unknown as { remote: { attach: Record<string, Terminus> } }).remote.attach[which];

describe('broker: the answering terminus', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let c: RheaClient;
  beforeEach(async () => {
    broker = await startBroker({ amqpPort: 0, stompPort: false });
    c = await rheaConnect(broker.amqpPort);
  });
  afterEach(async () => { await c.close(); await broker.close(); });

  const openReceiver = (opts: rhea.ReceiverOptions): Promise<rhea.Receiver> => new Promise((resolve, reject) => {
    const r = c.connection.open_receiver({ credit_window: 0, autoaccept: false, ...opts });
    r.once('receiver_open', () => resolve(r));
    r.once('receiver_error', () => reject(new Error(String(r.error))));
  });
  const openSender = (opts: rhea.SenderOptions): Promise<rhea.Sender> => new Promise((resolve) => {
    const s = c.connection.open_sender(opts);
    s.once('sender_open', () => resolve(s));
  });

  it('answers the source address as requested (/queue/X stays /queue/X), durable none, expiring with the link', async () => {
    const r = await openReceiver({ source: { address: '/queue/t-answer', durable: 2, expiry_policy: 'never', timeout: 600 } as rhea.Source });
    const src = answered(r, 'source');
    expect(src.address).to.equal('/queue/t-answer');
    expect(src.durable).to.equal(0); // none: nothing survives a detach here
    expect(String(src.expiry_policy)).to.equal('link-detach');
    expect(src.timeout).to.equal(0);
    expect(String(src.distribution_mode)).to.equal('move');
    expect((src.outcomes as unknown[]).map(String)).to.deep.equal(['amqp:accepted:list', 'amqp:rejected:list', 'amqp:released:list', 'amqp:modified:list']);
    // It is still the queue every other spelling names.
    const s = await rheaSender(c, 'queue/t-answer');
    await rheaSendAll(s, [{ body: 'one' }]);
    r.add_credit(1);
    const got: unknown[] = [];
    r.on('message', (ctx: rhea.EventContext) => { got.push(ctx.message?.body); ctx.delivery?.accept(); });
    await until(() => got.length === 1);
    expect(got).to.deep.equal(['one']);
  });

  it('leaves out filters it does not apply, and capabilities that do not hold', async () => {
    const r = await openReceiver({
      source: {
        address: 'topic/t-caps', capabilities: ['queue', 'shared'],
        filter: { 'no-local': rhea.types.wrap_described(null, 'apache.org:no-local-filter:list') },
      } as unknown as rhea.Source,
    });
    const src = answered(r, 'source');
    expect(src.address).to.equal('topic/t-caps');
    expect(src.filter ?? undefined).to.equal(undefined);
    expect(src.capabilities ?? undefined).to.equal(undefined); // it is a topic, not a queue
    const r2 = await openReceiver({ source: { address: 't-caps2', capabilities: ['topic'] } as unknown as rhea.Source });
    expect(answered(r2, 'source').capabilities).to.deep.equal(['topic']);
  });

  it('answers a dynamic source with the address it made', async () => {
    const r = await openReceiver({ source: { dynamic: true } as rhea.Source });
    const src = answered(r, 'source');
    expect(src.dynamic).to.equal(true);
    expect(String(src.address)).to.match(/^tmp\//);
    expect(src.durable).to.equal(0);
  });

  it('answers the target as requested, durable none, and the anonymous relay with a null address', async () => {
    const s = await openSender({ target: { address: '/topic/t-target', durable: 2, expiry_policy: 'never' } as rhea.TerminusOptions });
    const tgt = answered(s, 'target');
    expect(tgt.address).to.equal('/topic/t-target');
    expect(tgt.durable).to.equal(0);
    expect(String(tgt.expiry_policy)).to.equal('link-detach');
    const relay = await openSender({ target: {} as rhea.TerminusOptions });
    expect(answered(relay, 'target').address ?? undefined).to.equal(undefined);
  });
});
