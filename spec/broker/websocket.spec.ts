/**
 * The embedded broker's WebSocket port (`wsPort`): one port for both protocols, the subprotocol
 * picks which. Independent clients over it (rhea over `ws`, @stomp/stompjs over `ws`) and
 * rx-mq's own, across protocols, and a handshake offering neither protocol refused.
 */
import { Client, type IMessage } from '@stomp/stompjs';
import { expect } from 'chai';
import rhea from 'rhea';
import { firstValueFrom, from, lastValueFrom, of, switchMap, take, toArray } from 'rxjs';
import WebSocket from 'ws';
import { connect as amqpConnect } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect as stompConnect } from '../../src/stomp/index.js';
import { withSession } from '../support/stomp-session.js';
import { until } from './helpers.js';

describe('broker: WebSocket port for AMQP and STOMP', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: 0, wsPort: 0 }); });
  after(() => broker.close());

  it('reports its URLs, one port for both protocols', () => {
    expect(broker.wsPort).to.be.a('number');
    expect(broker.amqpWsUrl).to.equal(`amqp+ws://127.0.0.1:${broker.wsPort}`);
    expect(broker.stompWsUrl).to.equal(`ws://127.0.0.1:${broker.wsPort}`);
  });

  it('has no WebSocket listener unless asked', async () => {
    const plain = await startBroker({ amqpPort: 0, stompPort: false });
    try {
      expect([plain.wsPort, plain.amqpWsUrl, plain.stompWsUrl]).to.deep.equal([undefined, undefined, undefined]);
    } finally {
      await plain.close();
    }
  });

  it('AMQP over WebSocket: rx-mq sends, rhea (over ws) receives the same bodies', async () => {
    const q = `ws-amqp-${Date.now()}`;
    const outcomes = await firstValueFrom(amqpConnect(broker.amqpWsUrl as string).pipe(
      switchMap((c) => from([{ body: 'text' }, { body: new Uint8Array([0, 1, 255]) }]).pipe(c.send(q), toArray())),
    ));
    expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted']);
    const container = rhea.create_container({ id: 'rhea-ws' });
    const ws = (container as unknown as { websocket_connect(c: unknown): (url: string, protocols: string[], opts: unknown) => unknown }).websocket_connect(WebSocket);
    const conn = container.connect({ connection_details: ws(broker.amqpWsUrl?.replace('amqp+ws:', 'ws:') as string, ['amqp'], {}), reconnect: false } as rhea.ConnectionOptions);
    const got: unknown[] = [];
    conn.open_receiver(q).on('message', (ctx: rhea.EventContext) => { got.push(ctx.message?.body); });
    try {
      await until(() => got.length === 2, 5000, 'two messages at rhea');
      expect(got[0]).to.equal('text');
      const bin = got[1] as { content?: Buffer } | Buffer;
      expect([...(Buffer.isBuffer(bin) ? bin : (bin.content as Buffer))]).to.deep.equal([0, 1, 255]);
    } finally {
      conn.close();
    }
  });

  it('STOMP over WebSocket: @stomp/stompjs (over ws) sends, rx-mq receives over WebSocket; then AMQP over WebSocket reads a STOMP send', async () => {
    const q = `/queue/ws-stomp-${Date.now()}`;
    const js = new Client({
      webSocketFactory: () => new WebSocket(broker.stompWsUrl as string, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
      reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0,
    });
    await new Promise<void>((resolve, reject) => { js.onConnect = () => resolve(); js.onStompError = (f) => reject(new Error(f.headers.message)); js.activate(); });
    try {
      await new Promise<void>((resolve) => {
        js.watchForReceipt('r1', () => resolve());
        js.publish({ destination: q, body: 'from stompjs', headers: { receipt: 'r1', k: 'v' } });
      });
      const [m] = await withSession(broker.stompWsUrl as string, (s) => firstValueFrom(s.subscribe(q).pipe(take(1), toArray())));
      expect(m.text).to.equal('from stompjs');
      expect(m.headers.k).to.equal('v');
      // The other way: rx-mq STOMP over WebSocket sends, stompjs receives.
      const back: IMessage[] = [];
      js.subscribe(`${q}-back`, (msg) => back.push(msg));
      await withSession(broker.stompWsUrl as string, (s) => lastValueFrom(of('to stompjs').pipe(s.send(`${q}-back`, { receipt: true }))));
      await until(() => back.length === 1, 5000, 'a message at stompjs');
      expect(back[0].body).to.equal('to stompjs');
    } finally {
      await js.deactivate();
    }
    // Across protocols on the one port: STOMP over WebSocket to AMQP over WebSocket.
    await withSession(broker.stompWsUrl as string, (s) => lastValueFrom(of('cross').pipe(s.send(`${q}-x`, { receipt: true }))));
    const [x] = await firstValueFrom(amqpConnect(broker.amqpWsUrl as string).pipe(switchMap((c) => c.receive(q.replace('/queue/', '') + '-x').pipe(take(1), toArray()))));
    expect(new TextDecoder().decode(x.body as Uint8Array)).to.equal('cross');
  });

  it('refuses a handshake that offers neither protocol', async () => {
    const err = await new Promise<Error>((resolve) => {
      const ws = new WebSocket(broker.stompWsUrl as string, ['mqtt']);
      ws.on('error', resolve);
      ws.on('open', () => resolve(new Error('opened')));
    });
    expect(err.message).to.match(/Unexpected server response|protocol/i);
  });

  it('closes its WebSocket connections on close()', async () => {
    const b = await startBroker({ amqpPort: 0, stompPort: false, wsPort: 0 });
    const ended = firstValueFrom(stompConnect({ url: b.stompWsUrl as string, heartbeat: [0, 0] }).pipe(
      switchMap((s) => s.subscribe('/queue/held')),
    )).then(() => 'completed', (e: unknown) => e);
    await until(() => b.queue('held')?.consumers === 1, 5000, 'the subscription');
    await b.close();
    // The broker's shutdown is an ERROR frame for STOMP: the subscription ends with it.
    expect(await ended).to.be.instanceOf(Error);
  });
});
