/**
 * Selectors and browsing on AMQP links, driven by rhea (an independent client) and rx-mq's own:
 * a JMS selector (`apache.org:selector-filter:string`) delivers only what it selects and leaves
 * the rest for other consumers, is echoed in the attach answer only because it is applied, and a
 * bad one is refused (null source, detach with amqp:invalid-field); `distribution-mode copy`
 * browses: copies go out, the queue keeps its messages.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { firstValueFrom, lastValueFrom, map as rxMap, switchMap, take, toArray, from, timer, takeUntil } from 'rxjs';
import { connect, described, map, string, symbol, type AmqpConnection } from '../../src/amqp/index.js';
import { AmqpError } from '../../src/amqp/engine/errors.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { rheaConnect, rheaSendAll, rheaSender, sleep, until, type RheaClient } from './helpers.js';

type Terminus = Record<string, unknown>;
const answered = (l: rhea.Receiver): Terminus | null =>
  (l as unknown as { remote: { attach: { source: Terminus | null } } }).remote.attach.source;

describe('broker: selectors and browsing over AMQP', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let c: RheaClient;
  beforeEach(async () => {
    broker = await startBroker({ amqpPort: 0, stompPort: false });
    c = await rheaConnect(broker.amqpPort);
  });
  afterEach(async () => { await c.close(); await broker.close(); });

  /** A rhea receiver with manual settlement that collects bodies; resolves once attached. */
  const receiver = (source: rhea.Source, credit = 100) => new Promise<{ r: rhea.Receiver; got: rhea.EventContext[] }>((resolve, reject) => {
    const got: rhea.EventContext[] = [];
    const r = c.connection.open_receiver({ source, credit_window: 0, autoaccept: false });
    r.on('message', (ctx: rhea.EventContext) => { got.push(ctx); });
    r.once('receiver_open', () => { r.add_credit(credit); resolve({ r, got }); });
    r.once('receiver_error', () => reject(r.error));
  });
  const publish = async (address: string, colors: readonly string[]): Promise<void> => {
    const s = await rheaSender(c, address);
    await rheaSendAll(s, colors.map((color, i) => ({ body: `${color}-${i}`, application_properties: { color, n: i } })));
  };
  const bodies = (got: readonly rhea.EventContext[]): unknown[] => got.map((g) => g.message?.body);

  it('rhea: delivers only what the selector selects; the rest waits for other consumers', async () => {
    await publish('sel-q', ['red', 'blue', 'red', 'green', 'blue', 'red']);
    const red = await receiver({ address: 'sel-q', filter: rhea.filter.selector("color = 'red' AND n >= 0") } as rhea.Source);
    await until(() => red.got.length === 3);
    await sleep(100);
    expect(bodies(red.got)).to.deep.equal(['red-0', 'red-2', 'red-5']);
    for (const g of red.got) g.delivery?.accept();
    await until(() => broker.queue('sel-q')?.depth === 3, 5_000, 'the red ones gone');
    // The answer carries the filter, under the key the client used, because it is applied.
    const f = answered(red.r)?.filter as Record<string, { value: string }>;
    expect(Object.keys(f)).to.deep.equal(['jms-selector']);
    expect(f['jms-selector'].value).to.equal("color = 'red' AND n >= 0");
    const rest = await receiver({ address: 'sel-q' } as rhea.Source);
    await until(() => rest.got.length === 3);
    expect(bodies(rest.got)).to.deep.equal(['blue-1', 'green-3', 'blue-4']);
    // Later messages go the same way: red to the selector, the others to the plain consumer.
    await publish('sel-q', ['red', 'blue']);
    await until(() => red.got.length === 4 && rest.got.length === 4);
    expect(bodies(red.got)[3]).to.equal('red-0');
    expect(bodies(rest.got)[3]).to.equal('blue-1');
  });

  it('rhea: a selector that does not parse is refused: null source, detach with amqp:invalid-field', async () => {
    const r = c.connection.open_receiver({ source: { address: 'sel-bad', filter: rhea.filter.selector("color = 'red") } as rhea.Source });
    const error = await new Promise<{ condition: string; description: string }>((resolve) => r.once('receiver_error', () => resolve(r.error as { condition: string; description: string })));
    expect(error.condition).to.equal('amqp:invalid-field');
    expect(error.description).to.match(/unterminated string literal/);
    // rhea shows the null source as a typed null.
    const src = answered(r) as { type?: { name?: string }; value?: unknown } | null;
    expect(src === null || (src.type?.name === 'Null' && src.value === null), String(src)).to.equal(true);
    // The connection goes on.
    await publish('sel-bad', ['red']);
    expect(broker.queue('sel-bad')?.depth).to.equal(1);
  });

  it('rhea: a topic subscription with a selector is sent only what it selects', async () => {
    const red = await receiver({ address: 'topic/sel-t', filter: rhea.filter.selector("color IN ('red', 'pink')") } as rhea.Source);
    const all = await receiver({ address: 'topic/sel-t' } as rhea.Source);
    await publish('topic/sel-t', ['red', 'blue', 'pink']);
    await until(() => all.got.length === 3 && red.got.length === 2);
    expect(bodies(red.got)).to.deep.equal(['red-0', 'pink-2']);
  });

  it('rhea: distribution-mode copy browses: copies out, the queue keeps everything, new arrivals too', async () => {
    await publish('browse-q', ['a', 'b', 'c']);
    const browser = await receiver({ address: 'browse-q', distribution_mode: 'copy' } as rhea.Source);
    await until(() => browser.got.length === 3);
    for (const g of browser.got) g.delivery?.accept(); // settling a copy takes nothing away
    expect(String(answered(browser.r)?.distribution_mode)).to.equal('copy');
    await sleep(50);
    expect(broker.queue('browse-q')).to.deep.include({ depth: 3, ready: 3 });
    await publish('browse-q', ['d']);
    await until(() => browser.got.length === 4);
    expect(bodies(browser.got)).to.deep.equal(['a-0', 'b-1', 'c-2', 'd-0']);
    // A browser with a selector, limited by its credit.
    const picky = await receiver({ address: 'browse-q', distribution_mode: 'copy', filter: rhea.filter.selector("color <> 'b'") } as rhea.Source, 2);
    await until(() => picky.got.length === 2);
    await sleep(100);
    expect(bodies(picky.got)).to.deep.equal(['a-0', 'c-2']);
    picky.r.add_credit(5);
    await until(() => picky.got.length === 3);
    expect(bodies(picky.got)[2]).to.equal('d-0');
    // A consumer still takes every message.
    const taker = await receiver({ address: 'browse-q' } as rhea.Source);
    await until(() => taker.got.length === 4);
    for (const g of taker.got) g.delivery?.accept();
    await until(() => broker.queue('browse-q')?.depth === 0, 5_000, 'queue emptied');
  });

  describe('rx-mq client', () => {
    const withConn = <T>(f: (conn: AmqpConnection) => Promise<T>): Promise<T> =>
      firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((conn) => from(f(conn))), take(1)));
    const selector = (text: string) => map([[symbol('selector'), described(symbol('apache.org:selector-filter:string'), string(text))]]);

    it('receives only what its selector selects, over JMS header fields too', async () => {
      await withConn(async (conn) => {
        const msgs = [{ body: 'lo', priority: 1, applicationProperties: { kind: 'x' } }, { body: 'hi', priority: 9, applicationProperties: { kind: 'x' } }, { body: 'hi2', priority: 8, subject: 'urgent' }];
        await lastValueFrom(from(msgs).pipe(conn.send('rx-sel'), toArray()));
        const got = await lastValueFrom(conn.receive({ address: 'rx-sel', filter: selector("JMSPriority > 4 AND (kind = 'x' OR JMSType = 'urgent')") }).pipe(
          rxMap((m) => m.body), take(2), toArray()));
        expect(got).to.deep.equal(['hi', 'hi2']);
        await until(() => broker.queue('rx-sel')?.depth === 1, 5_000, 'two taken');
      });
    });

    it('sees its receive refused with AmqpError amqp:invalid-field for a bad selector', async () => {
      await withConn(async (conn) => {
        const err = await firstValueFrom(conn.receive({ address: 'rx-sel-bad', filter: selector('a BETWEEN 1') })).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(AmqpError);
        expect((err as AmqpError).condition).to.equal('amqp:invalid-field');
      });
    });

    it('browses with distributionMode copy, leaving the queue as it was', async () => {
      await withConn(async (conn) => {
        await lastValueFrom(from(['x', 'y']).pipe(rxMap((body) => ({ body })), conn.send('rx-browse'), toArray()));
        const got = await lastValueFrom(conn.receive({ address: 'rx-browse', distributionMode: 'copy' }).pipe(
          takeUntil(timer(300)), rxMap((m) => m.body), toArray()));
        expect(got).to.deep.equal(['x', 'y']);
        expect(broker.queue('rx-browse')?.depth).to.equal(2);
      });
    });
  });
});
