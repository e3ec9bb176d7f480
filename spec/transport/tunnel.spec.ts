/**
 * rx-mq's AMQP and STOMP clients (connect() and the reconnecting clients) through proxies of our
 * own (spec/support/proxy-server.ts: SOCKS5 and HTTP CONNECT, with and without credentials) to
 * the embedded broker: TCP, TLS inside the tunnel (a TLS terminator in front of the broker checks
 * the SNI names the broker's host) and WebSocket (ws and wss). Then what proxies do wrong: refused
 * targets, refused credentials, answers split over reads, the target's bytes in the same read as
 * the proxy's answer, a proxy that never answers, no proxy at all, and browsers, which cannot.
 */
import { expect } from 'chai';
import net from 'node:net';
import { firstValueFrom, lastValueFrom, of, Subject, type Observable, switchMap, take, toArray, filter, timeout } from 'rxjs';
import { amqpClient, connect as amqpConnect, type AmqpConnection } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { TimeoutError } from '../../src/errors.js';
import { connect as stompConnect, stompClient } from '../../src/stomp/index.js';
import { openBrowserTransport } from '../../src/transport/browser.js';
import { openTransport } from '../../src/transport/node.js';
import { ProxyError } from '../../src/transport/proxy.js';
import { startTestProxy, type ProxyScript, type TestProxy } from '../support/proxy-server.js';
import { startTlsTerminator, testCerts, type TlsTerminator } from '../support/tls-terminator.js';

const CREDS = { username: 'tunnel-user', password: 'tunnel-secret' };
let seq = 0;
const unique = (what: string): string => `proxy-${what}-${process.pid}-${++seq}`;

describe('transport: proxies (SOCKS5, HTTP CONNECT) to the embedded broker', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let amqpTls: TlsTerminator;
  let stompTls: TlsTerminator;
  let wss: TlsTerminator;
  let ca: string;
  const proxies: TestProxy[] = [];

  before(async () => {
    broker = await startBroker({ wsPort: 0 });
    ca = testCerts().ca;
    amqpTls = await startTlsTerminator(broker.amqpPort);
    stompTls = await startTlsTerminator(broker.stompPort as number);
    wss = await startTlsTerminator(broker.wsPort as number);
  });
  after(async () => {
    await Promise.all([amqpTls.close(), stompTls.close(), wss.close()]);
    await broker.close();
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  async function proxy(kind: 'socks5' | 'http', script: ProxyScript = {}): Promise<TestProxy> {
    const p = await startTestProxy(kind, script);
    proxies.push(p);
    return p;
  }

  /** The broker's endpoints by the name `localhost`, which only the proxy resolves. */
  const endpoints = {
    amqp: {
      tcp: () => ({ url: `amqp://localhost:${broker.amqpPort}`, port: broker.amqpPort }),
      tls: () => ({ url: `amqps://localhost:${amqpTls.port}`, port: amqpTls.port, tls: { ca } }),
      ws: () => ({ url: `amqp+ws://localhost:${broker.wsPort}/`, port: broker.wsPort as number }),
      wss: () => ({ url: `amqp+wss://localhost:${wss.port}/`, port: wss.port, tls: { ca } }),
    },
    stomp: {
      tcp: () => ({ url: `stomp://localhost:${broker.stompPort}`, port: broker.stompPort as number }),
      tls: () => ({ url: `stomp+ssl://localhost:${stompTls.port}`, port: stompTls.port, tls: { ca } }),
      ws: () => ({ url: `ws://localhost:${broker.wsPort}/`, port: broker.wsPort as number }),
      wss: () => ({ url: `wss://localhost:${wss.port}/`, port: wss.port, tls: { ca } }),
    },
  } as const;

  type Endpoint = { url: string; port: number; tls?: { ca: string } };

  /** AMQP through `proxyUrl`: send one message to a fresh queue and take it back. */
  async function amqpRoundTrip(ep: Endpoint, proxyUrl: string): Promise<string> {
    const q = unique('amqp');
    return firstValueFrom(amqpConnect({ url: ep.url, tls: ep.tls, proxy: proxyUrl }).pipe(
      switchMap(async (c: AmqpConnection) => {
        await lastValueFrom(of({ body: `via ${proxyUrl.split(':')[0]}` }).pipe(c.send(q)));
        return firstValueFrom(c.receive<string>(q));
      }),
      switchMap((m) => of(String(m.body))),
      take(1),
    ));
  }

  /** STOMP through `proxyUrl`: subscribe, send with a receipt, take the message back. */
  async function stompRoundTrip(ep: Endpoint, proxyUrl: string): Promise<string> {
    const q = `/queue/${unique('stomp')}`;
    return firstValueFrom(stompConnect({ url: ep.url, tls: ep.tls, proxy: proxyUrl }).pipe(
      switchMap(async (s) => {
        const got = firstValueFrom(s.subscribe(q));
        await lastValueFrom(of(`via ${proxyUrl.split(':')[0]}`).pipe(s.send(q, { receipt: true })));
        return (await got).text;
      }),
      take(1),
    ));
  }

  for (const kind of ['socks5', 'http'] as const) {
    for (const withAuth of [false, true]) {
      for (const via of ['tcp', 'tls', 'ws', 'wss'] as const) {
        for (const protocol of ['amqp', 'stomp'] as const) {
          it(`${protocol.toUpperCase()} over ${via} through ${kind}${withAuth ? ' with user/password' : ''}`, async () => {
            const p = await proxy(kind, withAuth ? { auth: CREDS } : {});
            const ep: Endpoint = endpoints[protocol][via]();
            const proxyUrl = p.url(withAuth ? CREDS : undefined);
            const body = await (protocol === 'amqp' ? amqpRoundTrip(ep, proxyUrl) : stompRoundTrip(ep, proxyUrl));
            expect(body).to.equal(`via ${kind}`);
            // The proxy was asked for the host name (it resolves it) and opened the tunnel.
            expect(p.requests).to.deep.include(kind === 'socks5' ? { host: 'localhost', port: ep.port, atyp: 3 } : { host: 'localhost', port: ep.port });
            expect(p.tunnels).to.be.greaterThan(0);
            if (via === 'tls' || via === 'wss') {
              const term = via === 'wss' ? wss : protocol === 'amqp' ? amqpTls : stompTls;
              // TLS ran inside the tunnel, naming the broker's host, not the proxy.
              expect(term.serverNames).to.include('localhost');
            }
            if (kind === 'http' && withAuth) expect(p.heads.at(-1)).to.match(/\r\nProxy-Authorization: Basic /);
          });
        }
      }
    }
  }

  it('works when every answer of either proxy arrives one byte per read', async () => {
    for (const kind of ['socks5', 'http'] as const) {
      const p = await proxy(kind, { auth: CREDS, dribble: true });
      expect(await amqpRoundTrip(endpoints.amqp.tcp(), p.url(CREDS))).to.equal(`via ${kind}`);
      expect(await stompRoundTrip(endpoints.stomp.tcp(), p.url(CREDS))).to.equal(`via ${kind}`);
    }
  });

  it('keeps the target\'s bytes that arrive in the same read as the proxy\'s answer', async () => {
    // A target that speaks first: its greeting reaches the proxy before the proxy answers us, and
    // the scripted proxy sends both in one write.
    const greeter = net.createServer((s) => { s.write('HELLO-FROM-TARGET\n'); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
    await new Promise<void>((r) => greeter.listen(0, '127.0.0.1', r));
    const port = (greeter.address() as net.AddressInfo).port;
    try {
      for (const kind of ['socks5', 'http'] as const) {
        const p = await proxy(kind, { coalesce: true });
        const chunks: Buffer[] = [];
        const more = new Subject<void>();
        const t = await openTransport({ kind: 'tcp', host: '127.0.0.1', port }, {
          onData: (c) => { chunks.push(Buffer.from(c)); more.next(); },
          onClose: () => {},
        }, { proxy: { kind, host: '127.0.0.1', port: p.port } });
        const text = (): string => Buffer.concat(chunks).toString();
        await firstValueFrom(more.pipe(filter(() => text().includes('\n')), timeout(5000)));
        expect(text()).to.equal('HELLO-FROM-TARGET\n');
        t.write(Buffer.from('echo\n'));
        await firstValueFrom(more.pipe(filter(() => text().endsWith('echo\n')), timeout(5000)));
        t.destroy();
      }
    } finally {
      greeter.close();
    }
  });

  const refusals: readonly { name: string; kind: 'socks5' | 'http'; script: ProxyScript; creds?: typeof CREDS; failure: string; replyCode?: number; statusCode?: number }[] = [
    { name: 'SOCKS5 wrong password', kind: 'socks5', script: { auth: CREDS }, creds: { ...CREDS, password: 'wrong-secret' }, failure: 'authentication', replyCode: 1 },
    { name: 'SOCKS5 credentials required, none given', kind: 'socks5', script: { auth: CREDS }, failure: 'no-acceptable-method' },
    { name: 'SOCKS5 connection refused', kind: 'socks5', script: { refuse: 5 }, failure: 'refused', replyCode: 5 },
    { name: 'SOCKS5 not allowed by ruleset', kind: 'socks5', script: { refuse: 2 }, failure: 'refused', replyCode: 2 },
    { name: 'HTTP wrong password (407)', kind: 'http', script: { auth: CREDS }, creds: { ...CREDS, password: 'wrong-secret' }, failure: 'authentication', statusCode: 407 },
    { name: 'HTTP forbidden (403)', kind: 'http', script: { refuse: 403 }, failure: 'refused', statusCode: 403 },
    { name: 'HTTP bad gateway (502), split over reads', kind: 'http', script: { refuse: 502, dribble: true }, failure: 'refused', statusCode: 502 },
  ];
  for (const r of refusals) {
    for (const protocol of ['amqp', 'stomp'] as const) {
      it(`${protocol.toUpperCase()}: ${r.name} is a ProxyError with the proxy's answer and no password`, async () => {
        const p = await proxy(r.kind, r.script);
        const ep = endpoints[protocol].tcp();
        const conn$: Observable<unknown> = protocol === 'amqp'
          ? amqpConnect({ url: ep.url, proxy: p.url(r.creds) })
          : stompConnect({ url: ep.url, proxy: p.url(r.creds) });
        const err = await firstValueFrom(conn$).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(ProxyError);
        const e = err as ProxyError;
        expect(e.failure).to.equal(r.failure);
        expect(e.proxyKind).to.equal(r.kind);
        expect(e.replyCode).to.equal(r.replyCode);
        expect(e.statusCode).to.equal(r.statusCode);
        expect(`${e.message} ${String(e.stack)}`).not.to.include('secret');
      });
    }
  }

  it('a proxy that never answers is bounded by the connect timeout (both protocols)', async () => {
    const p = await proxy('socks5', { silent: true });
    const started = Date.now();
    const errs = await Promise.all([
      firstValueFrom(amqpConnect({ url: endpoints.amqp.tcp().url, proxy: p.url(), connectTimeout: 400 })).then(() => undefined, (e: unknown) => e),
      firstValueFrom(stompConnect({ url: endpoints.stomp.tcp().url, proxy: p.url(), connectTimeoutMs: 400 })).then(() => undefined, (e: unknown) => e),
    ]);
    expect(Date.now() - started).to.be.below(5000);
    for (const e of errs) expect(e instanceof TimeoutError || (e instanceof ProxyError && e.failure === 'timeout'), String(e)).to.equal(true);
  });

  it('a proxy that hangs up during the handshake is a ProxyError (protocol), for either kind', async () => {
    for (const kind of ['socks5', 'http'] as const) {
      const p = await proxy(kind, { hangup: true });
      const err = await firstValueFrom(stompConnect({ url: endpoints.stomp.tcp().url, proxy: p.url() })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ProxyError);
      expect((err as ProxyError).failure).to.equal('protocol');
      expect((err as Error).message).to.match(/closed the connection during the handshake/);
    }
  });

  it('a proxy that is not there is a ProxyError (unreachable)', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await firstValueFrom(amqpConnect({ url: endpoints.amqp.tcp().url, proxy: `http://u:secretpw@127.0.0.1:${port}` })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ProxyError);
    expect((err as ProxyError).failure).to.equal('unreachable');
    expect((err as Error).message).to.include(`http://u@127.0.0.1:${port}`).and.not.include('secretpw');
  });

  it('a bad proxy URL is a UrlError from connect(), before anything is opened', async () => {
    const err = await firstValueFrom(stompConnect({ url: endpoints.stomp.tcp().url, proxy: 'ftp://u:secretpw@proxy:21' })).then(() => undefined, (e: unknown) => e);
    expect((err as Error).name).to.equal('UrlError');
    expect((err as Error).message).not.to.include('secretpw');
  });

  it('browsers refuse the option with a ProxyError (unsupported)', async () => {
    const err = await openBrowserTransport({ kind: 'websocket', url: 'ws://localhost:1/', protocols: ['amqp'] }, { onData: () => {}, onClose: () => {} },
      { proxy: { kind: 'http', host: 'p', port: 3128 } }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ProxyError);
    expect((err as ProxyError).failure).to.equal('unsupported');
  });

  it('the reconnecting clients tunnel every connection, and reconnect through the proxy', async () => {
    const p = await proxy('socks5', { auth: CREDS });
    const q = unique('client');
    const fast = { initialDelayMs: 20, maxDelayMs: 100 };
    const client = amqpClient({ urls: endpoints.amqp.tcp().url, proxy: p.url(CREDS), reconnect: fast });
    const sclient = stompClient({ url: endpoints.stomp.ws().url, proxy: p.url(CREDS), reconnect: fast });
    try {
      const got = firstValueFrom(client.receive<string>(q).pipe(take(2), toArray()));
      const sgot = firstValueFrom(sclient.subscribe(`/queue/s-${q}`).pipe(take(2), toArray()));
      const opened = (c: { state$: typeof client.state$ }): Promise<unknown> => firstValueFrom(c.state$.pipe(filter((s) => s.state === 'open')));
      await Promise.all([opened(client), opened(sclient)]);
      await lastValueFrom(of({ body: 'one' }).pipe(client.send(q)));
      await lastValueFrom(of('s-one').pipe(sclient.send(`/queue/s-${q}`)));
      const before = p.tunnels;
      // Cut every tunnel: both clients must come back, through the proxy again.
      const reconnecting = Promise.all([client, sclient].map((c) => firstValueFrom(c.state$.pipe(filter((s) => s.state === 'reconnecting')))));
      p.cut();
      await reconnecting;
      await Promise.all([opened(client), opened(sclient)]);
      await lastValueFrom(of({ body: 'two' }).pipe(client.send(q)));
      await lastValueFrom(of('s-two').pipe(sclient.send(`/queue/s-${q}`)));
      expect((await got).map((m) => m.body)).to.deep.equal(['one', 'two']);
      expect((await sgot).map((m) => m.text)).to.deep.equal(['s-one', 's-two']);
      expect(p.tunnels).to.be.at.least(before + 2);
    } finally {
      await Promise.all([client.close(), sclient.close()]);
    }
  });

  it('the reconnecting clients end on refused proxy credentials instead of retrying', async () => {
    const p = await proxy('http', { auth: CREDS });
    const bad = { ...CREDS, password: 'wrong-secret' };
    const client = amqpClient({ urls: endpoints.amqp.tcp().url, proxy: p.url(bad), reconnect: { initialDelayMs: 20 } });
    const sclient = stompClient({ url: endpoints.stomp.tcp().url, proxy: p.url(bad), reconnect: { initialDelayMs: 20 } });
    const errs = await Promise.all([
      firstValueFrom(client.receive('x')).then(() => undefined, (e: unknown) => e),
      firstValueFrom(sclient.subscribe('/queue/x')).then(() => undefined, (e: unknown) => e),
    ]);
    for (const e of errs) {
      expect(e).to.be.instanceOf(ProxyError);
      expect((e as ProxyError).statusCode).to.equal(407);
    }
    expect(p.heads.length).to.equal(2);
    expect(client.state.state).to.equal('closed');
  });
});
