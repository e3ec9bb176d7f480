/**
 * The `selector` header of STOMP SUBSCRIBE, with @stomp/stompjs (an independent client), a raw
 * socket for the ERROR a bad selector gets, and a cross-protocol run: AMQP properties selected by
 * a STOMP subscriber and STOMP headers (application properties) by an AMQP one.
 */
import { expect } from 'chai';
import { lastValueFrom, from, toArray, firstValueFrom, switchMap, take } from 'rxjs';
import { connect, described, map, string, symbol } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { rawClient } from './stomp-helpers.js';
import { stompjs, type IMessage } from './stomp-helpers.js';
import { sleep, until } from './helpers.js';
import type { Client } from '@stomp/stompjs';

describe('broker: STOMP selector header', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  const clients: Client[] = [];
  beforeEach(async () => { broker = await startBroker(); });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.deactivate()));
    await broker.close();
  });
  const js = async (): Promise<Client> => {
    const c = await stompjs(broker.stompPort as number);
    clients.push(c);
    return c;
  };
  const sendConfirmed = (c: Client, destination: string, body: string, headers: Record<string, string>): Promise<void> => {
    const receipt = `r-${Math.random().toString(36).slice(2)}`;
    const done = new Promise<void>((resolve) => c.watchForReceipt(receipt, () => resolve()));
    c.publish({ destination, body, headers: { ...headers, receipt } });
    return done;
  };

  it('stompjs: a subscription gets only what its selector selects; the rest stays for others', async () => {
    const c = await js();
    for (const [i, color] of ['red', 'blue', 'red', 'green'].entries()) await sendConfirmed(c, '/queue/st-sel', `${color}-${i}`, { color });
    const red: IMessage[] = [];
    c.subscribe('/queue/st-sel', (m) => { red.push(m); m.ack(); }, { ack: 'client-individual', selector: "color = 'red'" });
    await until(() => red.length === 2);
    await sleep(100);
    expect(red.map((m) => m.body)).to.deep.equal(['red-0', 'red-2']);
    await until(() => broker.queue('st-sel')?.depth === 2, 5_000, 'red ones acknowledged');
    const rest: IMessage[] = [];
    c.subscribe('/queue/st-sel', (m) => { rest.push(m); });
    await until(() => rest.length === 2);
    expect(rest.map((m) => m.body)).to.deep.equal(['blue-1', 'green-3']);
  });

  it('stompjs: JMSPriority from the priority header, on a topic', async () => {
    const c = await js();
    const urgent: IMessage[] = [];
    const receipt = 'sub-1';
    const subscribed = new Promise<void>((resolve) => c.watchForReceipt(receipt, () => resolve()));
    c.subscribe('/topic/st-prio', (m) => { urgent.push(m); }, { selector: 'JMSPriority >= 7', receipt });
    await subscribed;
    for (const p of [1, 9, 5, 7]) await sendConfirmed(c, '/topic/st-prio', `p${p}`, { priority: String(p) });
    await until(() => urgent.length === 2);
    expect(urgent.map((m) => m.body)).to.deep.equal(['p9', 'p7']);
  });

  it('raw: a bad selector gets an ERROR (with the receipt-id asked for), then the connection is closed', async () => {
    const raw = await rawClient(broker.stompPort as number);
    raw.write('CONNECT\naccept-version:1.2\nhost:/\n\n\0');
    await raw.frame((f) => f.command === 'CONNECTED');
    raw.write("SUBSCRIBE\nid:0\ndestination:/queue/st-bad\nselector:color = 'red\nreceipt:r-1\n\n\0");
    const err = await raw.frame((f) => f.command === 'ERROR');
    expect(err.headers.find(([k]) => k === 'message')?.[1]).to.match(/invalid selector: unterminated string literal/);
    expect(err.headers.find(([k]) => k === 'receipt-id')?.[1]).to.equal('r-1');
    await raw.closed;
    expect(broker.queue('st-bad')).to.equal(undefined); // nothing was created for it
  });

  it('across protocols: AMQP properties selected over STOMP, STOMP headers selected over AMQP', async () => {
    const c = await js();
    const fromAmqp: IMessage[] = [];
    const receipt = 'sub-x';
    const subscribed = new Promise<void>((resolve) => c.watchForReceipt(receipt, () => resolve()));
    c.subscribe('/topic/st-x', (m) => { fromAmqp.push(m); }, { selector: "JMSCorrelationID = 'c-2' OR region LIKE 'eu-%'", receipt });
    await subscribed;
    await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((conn) => lastValueFrom(from([
      { body: 'one', correlationId: 'c-1', applicationProperties: { region: 'us-east' } },
      { body: 'two', correlationId: 'c-2' },
      { body: 'three', applicationProperties: { region: 'eu-west' } },
    ]).pipe(conn.send('topic/st-x'), toArray()))), take(1)));
    await until(() => fromAmqp.length === 2);
    expect(fromAmqp.map((m) => m.body)).to.deep.equal(['two', 'three']);

    for (const tier of ['gold', 'silver']) await sendConfirmed(c, '/queue/st-y', tier, { tier });
    const sel = map([[symbol('selector'), described(symbol('apache.org:selector-filter:string'), string("tier = 'silver'"))]]);
    const got = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((conn) => conn.receive({ address: '/queue/st-y', filter: sel })), take(1)));
    expect(got.body).to.deep.equal(new TextEncoder().encode('silver'));
  });
});
