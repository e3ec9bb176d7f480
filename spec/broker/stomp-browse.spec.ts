/**
 * Queue browsing over STOMP (SUBSCRIBE `browser:true`, ActiveMQ's header) in the embedded broker:
 * a copy of each waiting message, in order, none taken away and none to ACK, then one MESSAGE with
 * `browser:end`; with a selector only what it selects; an empty queue ends at once; a topic has
 * nothing to browse and is subscribed as usual. From a raw socket (the frames exactly), from
 * @stomp/stompjs (an independent client), and through rx-mq's `session.browse()`, which refuses
 * brokers that would consume the queue instead.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, switchMap, toArray } from 'rxjs';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect as stompConnect, StompBrowseUnsupportedError, StompConnectionClosedError, stompClient, type StompSendInput } from '../../src/stomp/index.js';
import { rawClient, stompjs, type IMessage } from './stomp-helpers.js';
import { sleep, until } from './helpers.js';
import { scriptedStompServer } from '../support/hostile-stomp-server.js';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:/\nheart-beat:0,0\n\n\0';
const header = (f: { headers: readonly (readonly [string, string])[] }, k: string): string | undefined => f.headers.find(([h]) => h === k)?.[1];

describe('broker: STOMP queue browsing (browser:true)', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  beforeEach(async () => { broker = await startBroker(); });
  afterEach(() => broker.close());

  /** Send `bodies` to `destination` with rx-mq, each with the header color of the same index. */
  async function fill(destination: string, bodies: readonly string[], colors: readonly string[] = []): Promise<void> {
    await firstValueFrom(stompConnect(`stomp://127.0.0.1:${broker.stompPort as number}`).pipe(switchMap((s) =>
      from(bodies.map((body, i): StompSendInput => ({ body, headers: colors[i] === undefined ? {} : { color: colors[i] } }))).pipe(s.send(destination, { receipt: true }), toArray()))));
  }

  it('raw: a copy of each waiting message in order, then MESSAGE browser:end; the queue keeps them all', async () => {
    await fill('/queue/br-raw', ['a', 'b', 'c']);
    const raw = await rawClient(broker.stompPort as number);
    raw.write(CONNECT);
    await raw.frame((f) => f.command === 'CONNECTED');
    raw.write('SUBSCRIBE\nid:b1\ndestination:/queue/br-raw\nbrowser:true\nack:client-individual\n\n\0');
    const end = await raw.frame((f) => f.command === 'MESSAGE' && header(f, 'browser') === 'end');
    const messages = raw.frames.filter((f) => f.command === 'MESSAGE');
    expect(messages.map((f) => new TextDecoder().decode(f.body))).to.deep.equal(['a', 'b', 'c', '']);
    expect(header(end, 'subscription')).to.equal('b1');
    expect(end.body.length).to.equal(0);
    // Nothing was taken, nothing awaits an ACK: the next consumer gets all three.
    await sleep(100);
    expect(broker.queue('br-raw')?.depth).to.equal(3);
    raw.write('SUBSCRIBE\nid:c1\ndestination:/queue/br-raw\n\n\0');
    await until(() => raw.frames.filter((f) => f.command === 'MESSAGE' && header(f, 'subscription') === 'c1').length === 3);
    // And a browser gets nothing after its end, even as messages arrive.
    await fill('/queue/br-raw', ['d']);
    await sleep(100);
    expect(raw.frames.filter((f) => header(f, 'subscription') === 'b1')).to.have.length(4);
    raw.socket.destroy();
  });

  it('stompjs: browser:true with a selector browses only what it selects; an empty queue ends at once', async () => {
    await fill('/queue/br-sel', ['r1', 'g1', 'r2'], ['red', 'green', 'red']);
    const c = await stompjs(broker.stompPort as number);
    try {
      const got: IMessage[] = [];
      c.subscribe('/queue/br-sel', (m) => got.push(m), { browser: 'true', selector: "color = 'red'" });
      await until(() => got.some((m) => m.headers.browser === 'end'));
      expect(got.map((m) => m.body)).to.deep.equal(['r1', 'r2', '']);
      const empty: IMessage[] = [];
      c.subscribe('/queue/br-empty', (m) => empty.push(m), { browser: 'true' });
      await until(() => empty.length === 1);
      expect(empty[0].headers.browser).to.equal('end');
      expect(broker.queue('br-sel')?.depth).to.equal(3);
    } finally {
      await c.deactivate();
    }
  });

  it('rx-mq session.browse(): emits the waiting messages and completes at browser:end; the queue is untouched', async () => {
    await fill('/queue/br-rx', ['x', 'y'], ['red', 'blue']);
    const { all, red } = await firstValueFrom(stompConnect(`stomp://127.0.0.1:${broker.stompPort as number}`).pipe(switchMap(async (s) => ({
      all: await lastValueFrom(s.browse('/queue/br-rx').pipe(toArray())),
      red: await lastValueFrom(s.browse('/queue/br-rx', { selector: "color = 'red'" }).pipe(toArray())),
    }))));
    expect(all.map((m) => m.text)).to.deep.equal(['x', 'y']);
    expect(red.map((m) => m.text)).to.deep.equal(['x']);
    expect(broker.queue('br-rx')?.depth).to.equal(2);
  });

  it('rx-mq stompClient.browse(): the same on the reconnecting client; a refusal ends the browse, not retried', async () => {
    await fill('/queue/br-client', ['p', 'q']);
    const client = stompClient({ url: `stomp://127.0.0.1:${broker.stompPort as number}` });
    try {
      const got = await lastValueFrom(client.browse('/queue/br-client').pipe(toArray()));
      expect(got.map((m) => m.text)).to.deep.equal(['p', 'q']);
      const again = await lastValueFrom(client.browse('/queue/br-client', { selector: "body = 'none'" }).pipe(toArray()));
      expect(again).to.deep.equal([]);
      expect(broker.queue('br-client')?.depth).to.equal(2);
    } finally {
      await client.close();
    }
    const server = await scriptedStompServer({ server: 'RabbitMQ/3.10.8' });
    const refusing = stompClient({ url: server.url });
    try {
      const error = await lastValueFrom(refusing.browse('/queue/q')).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(StompBrowseUnsupportedError);
      // Not retried on another connection, and nothing subscribed.
      expect(server.connections).to.have.length(1);
      expect(server.connections[0].frames.map((f) => f.command)).to.not.include('SUBSCRIBE');
    } finally {
      await refusing.close();
      await server.close();
    }
  });

  it('rx-mq stompClient.browse(): a connection lost during the browse errors it (StompConnectionClosedError), not resumed', async () => {
    // An ActiveMQ look-alike that sends one browsed message, then drops the connection.
    const server = await scriptedStompServer({
      server: 'ActiveMQ/5.17.6',
      script: (f, conn) => {
        if (f.command !== 'SUBSCRIBE') return false;
        const id = f.headers.find(([k]) => k === 'id')?.[1] ?? '';
        conn.write(`MESSAGE\ndestination:/queue/q\nmessage-id:m1\nsubscription:${id}\n\nfirst\0`);
        setTimeout(() => conn.socket.destroy(), 20);
        return true;
      },
    });
    const client = stompClient({ url: server.url, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    try {
      const got: string[] = [];
      const error = await lastValueFrom(client.browse('/queue/q').pipe(map((m) => { got.push(m.text); return m; }))).then(() => undefined, (e: unknown) => e);
      expect(got).to.deep.equal(['first']);
      expect(error).to.be.instanceOf(StompConnectionClosedError);
      await sleep(100);
      // No second SUBSCRIBE on a later connection.
      expect(server.connections.flatMap((c) => c.frames).filter((f) => f.command === 'SUBSCRIBE')).to.have.length(1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('rx-mq session.browse() on a broker not known to browse (RabbitMQ by its server header): StompBrowseUnsupportedError, nothing subscribed', async () => {
    const server = await scriptedStompServer({ server: 'RabbitMQ/3.10.8' });
    try {
      const error = await firstValueFrom(stompConnect(server.url).pipe(switchMap((s) => s.browse('/queue/q')))).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(StompBrowseUnsupportedError);
      expect((error as StompBrowseUnsupportedError).server).to.equal('RabbitMQ/3.10.8');
      expect(server.connections[0].frames.map((f) => f.command)).to.not.include('SUBSCRIBE');
    } finally {
      await server.close();
    }
  });
});
