/**
 * No password in what rx-mq objects print: util.inspect (to any depth), JSON.stringify and
 * String() of both clients, live connections and sessions of both protocols, parsed URLs, the
 * Nest client and server, with credentials in URLs and in options.
 */
import { expect } from 'chai';
import { inspect } from 'node:util';
import type { Subscription } from 'rxjs';
import { amqpClient, connect, parseAmqpUrl, type AmqpConnection } from '../src/amqp/index.js';
import { connect as stompConnect, parseStompUrl, stompClient, type StompSession } from '../src/stomp/index.js';
import { startBroker, type EmbeddedBroker } from '../src/broker/index.js';
import { RxMqClient, RxMqServer } from '../src/nest/index.js';
import { createEnvironmentInjector, type EnvironmentInjector, Injector } from '@angular/core';
import { AMQP_CLIENT, provideRxMq, STOMP_CLIENT } from '../src/angular/index.js';
import { safeOptions } from '../src/redact.js';

const SECRET = 'S3cr3t-pa55';

/** Everything an object shows of itself. */
const rendered = (o: unknown): string =>
  inspect(o, { depth: Infinity }) + JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) + String(o);

describe('redact: no password in what objects print', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let amqpUrl: string;
  let stompUrl: string;
  const subs: Subscription[] = [];
  before(async () => {
    broker = await startBroker({ amqpPort: 0, stompPort: 0, users: { alice: SECRET } });
    amqpUrl = broker.amqpUrl.replace('//', `//alice:${SECRET}@`);
    stompUrl = (broker.stompUrl as string).replace('//', `//alice:${SECRET}@`);
  });
  after(async () => {
    for (const s of subs) s.unsubscribe();
    await broker.close();
  });

  it('clients (URL and option credentials), parsed URLs, Nest client and server', async () => {
    const clients = [
      amqpClient({ urls: amqpUrl }), amqpClient({ urls: broker.amqpUrl, username: 'alice', password: SECRET }),
      stompClient({ url: stompUrl }), stompClient({ url: broker.stompUrl as string, login: 'alice', passcode: SECRET }),
    ];
    const objects: [string, unknown][] = [
      ['amqpClient (URL)', clients[0]], ['amqpClient (options)', clients[1]],
      ['stompClient (URL)', clients[2]], ['stompClient (options)', clients[3]],
      ['parseAmqpUrl', parseAmqpUrl(amqpUrl)], ['parseStompUrl', parseStompUrl(stompUrl)],
      ['RxMqClient', new RxMqClient({ url: amqpUrl })], ['RxMqServer', new RxMqServer({ url: stompUrl })],
    ];
    for (const [name, o] of objects) expect(rendered(o), name).not.to.include(SECRET);
    expect(inspect(clients[0])).to.equal(`AmqpClient { urls: [ '${amqpUrl.replace(SECRET, '***')}' ], state: 'closed' }`);
    // The secrets are still there for the code that needs them.
    expect(parseAmqpUrl(amqpUrl).password).to.equal(SECRET);
    expect(parseStompUrl(stompUrl).passcode).to.equal(SECRET);
    for (const c of clients) await c.close();
  });

  it('live connections and sessions of both protocols', async () => {
    const conn = await new Promise<AmqpConnection>((resolve, reject) => { subs.push(connect(amqpUrl).subscribe({ next: resolve, error: reject })); });
    const conn2 = await new Promise<AmqpConnection>((resolve, reject) => {
      subs.push(connect({ url: broker.amqpUrl, username: 'alice', password: SECRET }).subscribe({ next: resolve, error: reject }));
    });
    const session = await new Promise<StompSession>((resolve, reject) => { subs.push(stompConnect(stompUrl).subscribe({ next: resolve, error: reject })); });
    for (const [name, o] of [['AmqpConnection (URL)', conn], ['AmqpConnection (options)', conn2], ['StompSession', session]] as const) {
      expect(rendered(o), name).not.to.include(SECRET);
    }
    expect(inspect(conn)).to.match(/^AmqpConnection \{ state: 'open', remoteContainerId: '.+' \}$/);
  });

  it('Angular: the providers and the clients they make', () => {
    const providers = provideRxMq({ amqp: { urls: amqpUrl, password: SECRET }, stomp: { url: stompUrl } });
    expect(rendered(providers), 'provideRxMq').not.to.include(SECRET);
    const injector = createEnvironmentInjector([providers], Injector.NULL as EnvironmentInjector);
    try {
      expect(rendered(injector.get(AMQP_CLIENT)), 'AMQP_CLIENT').not.to.include(SECRET);
      expect(rendered(injector.get(STOMP_CLIENT)), 'STOMP_CLIENT').not.to.include(SECRET);
    } finally {
      injector.destroy();
    }
  });

  it('safeOptions: secrets starred, URLs redacted, nested options alike', () => {
    expect(safeOptions({ url: `amqp://a:${SECRET}@h`, password: SECRET, sasl: { username: 'a', password: SECRET }, tls: { passphrase: SECRET, key: 'PEM' }, n: 1 }))
      .to.deep.equal({ url: 'amqp://a:***@h', password: '***', sasl: { username: 'a', password: '***' }, tls: { passphrase: '***', key: '***' }, n: 1 });
  });
});
