/**
 * rx-mq's AMQP and STOMP clients through real proxies (scripts/brokers.sh starts them on
 * loopback): microsocks as a SOCKS5 proxy without and with user/password, tinyproxy as an HTTP
 * CONNECT proxy with Basic auth, to RabbitMQ: AMQP over TCP, STOMP over TCP and over WebSocket
 * (Web-STOMP), and TLS inside the tunnel through a Node TLS terminator in front of RabbitMQ's
 * ports (RabbitMQ here has no TLS listener), whose SNI log shows TLS named the broker's host.
 * Then each real proxy's refusal of wrong credentials, as a typed ProxyError. RabbitMQ 3.10 has
 * no AMQP over WebSocket, so AMQP's WebSocket path is proved in the hermetic tier only.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, switchMap, take, type Observable } from 'rxjs';
import { amqpClient, connect as amqpConnect } from '../../../src/amqp/index.js';
import { connect as stompConnect, stompClient } from '../../../src/stomp/index.js';
import { ProxyError } from '../../../src/transport/proxy.js';
import { PEERS, PROXIES, RABBITMQ, requirePeers, type TcpPeer } from '../../support/peers.js';
import { startTlsTerminator, testCerts, type TlsTerminator } from '../../support/tls-terminator.js';

let seq = 0;
const unique = (what: string): string => `rxmq-proxy-${what}-${process.pid}-${Date.now()}-${++seq}`;
/** The peer's host as a name the proxy resolves (loopback by the name localhost). */
const hostOf = (p: TcpPeer): string => (p.host === '127.0.0.1' ? 'localhost' : p.host);
const account = `${encodeURIComponent(RABBITMQ.user)}:${encodeURIComponent(RABBITMQ.password)}`;

describe('interop: AMQP and STOMP through real proxies (microsocks, tinyproxy) to RabbitMQ', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp, PEERS.rabbitStomp, PEERS.rabbitWebStomp, PEERS.socks5Proxy, PEERS.socks5AuthProxy, PEERS.httpProxy);
  let amqpTls: TlsTerminator;
  let stompTls: TlsTerminator;
  let ca: string;

  before(async () => {
    ca = testCerts().ca;
    amqpTls = await startTlsTerminator(PEERS.rabbitAmqp.port, PEERS.rabbitAmqp.host);
    stompTls = await startTlsTerminator(PEERS.rabbitStomp.port, PEERS.rabbitStomp.host);
  });
  after(async () => { await Promise.all([amqpTls?.close(), stompTls?.close()]); });

  const proxies = [
    { name: 'microsocks SOCKS5 without authentication', url: () => PROXIES.socks5() },
    { name: 'microsocks SOCKS5 with user/password', url: () => PROXIES.socks5Auth() },
    { name: 'tinyproxy HTTP CONNECT with Basic auth', url: () => PROXIES.http() },
  ];

  const routes = [
    {
      name: 'AMQP over TCP',
      run: (proxy: string) => amqpTrip(`amqp://${account}@${hostOf(PEERS.rabbitAmqp)}:${PEERS.rabbitAmqp.port}`, proxy),
    },
    {
      name: 'AMQP over TLS inside the tunnel',
      run: async (proxy: string) => {
        const before = amqpTls.serverNames.length;
        const body = await amqpTrip(`amqps://${account}@localhost:${amqpTls.port}`, proxy, { ca });
        expect(amqpTls.serverNames.slice(before)).to.include('localhost');
        return body;
      },
    },
    {
      name: 'STOMP over TCP',
      run: (proxy: string) => stompTrip(`stomp://${account}@${hostOf(PEERS.rabbitStomp)}:${PEERS.rabbitStomp.port}/%2F`, proxy),
    },
    {
      name: 'STOMP over TLS inside the tunnel',
      run: async (proxy: string) => {
        const before = stompTls.serverNames.length;
        const body = await stompTrip(`stomp+ssl://${account}@localhost:${stompTls.port}/%2F`, proxy, { ca });
        expect(stompTls.serverNames.slice(before)).to.include('localhost');
        return body;
      },
    },
    {
      name: 'STOMP over WebSocket (Web-STOMP)',
      run: (proxy: string) => stompTrip(`ws://${account}@${hostOf(PEERS.rabbitWebStomp)}:${PEERS.rabbitWebStomp.port}/ws?vhost=%2F`, proxy),
    },
  ];

  function amqpTrip(url: string, proxy: string, tls?: { ca: string }): Promise<string> {
    const q = `/queue/${unique('amqp')}`;
    return firstValueFrom(amqpConnect({ url, proxy, tls, onWarning: () => {} }).pipe(
      switchMap(async (c) => {
        const got = firstValueFrom(c.receive<string>(q));
        await lastValueFrom(of({ body: 'through the proxy' }).pipe(c.send(q)));
        return String((await got).body);
      }),
      take(1),
    ));
  }

  function stompTrip(url: string, proxy: string, tls?: { ca: string }): Promise<string> {
    const q = `/queue/${unique('stomp')}`;
    return firstValueFrom(stompConnect({ url, proxy, tls }).pipe(
      switchMap(async (s) => {
        const got = firstValueFrom(s.subscribe(q, { receipt: true }));
        await lastValueFrom(of('through the proxy').pipe(s.send(q, { receipt: true })));
        return (await got).text;
      }),
      take(1),
    ));
  }

  for (const p of proxies) {
    for (const r of routes) {
      it(`${r.name} through ${p.name}`, async () => {
        expect(await r.run(p.url())).to.equal('through the proxy');
      });
    }
  }

  it('the reconnecting clients run through each proxy', async () => {
    for (const p of proxies) {
      const q = unique('client');
      const client = amqpClient({ urls: `amqp://${account}@${hostOf(PEERS.rabbitAmqp)}:${PEERS.rabbitAmqp.port}`, proxy: p.url() });
      const sclient = stompClient({ url: `stomp://${account}@${hostOf(PEERS.rabbitStomp)}:${PEERS.rabbitStomp.port}/%2F`, proxy: p.url() });
      try {
        const got = firstValueFrom(client.receive<string>(`/queue/${q}`));
        const sgot = firstValueFrom(sclient.subscribe(`/queue/s-${q}`));
        await lastValueFrom(of({ body: 'client' }).pipe(client.send(`/queue/${q}`)));
        await lastValueFrom(of('stomp client').pipe(sclient.send(`/queue/s-${q}`)));
        expect((await got).body).to.equal('client');
        expect((await sgot).text).to.equal('stomp client');
      } finally {
        await Promise.all([client.close(), sclient.close()]);
      }
    }
  });

  const refusals = [
    { name: 'microsocks refuses a wrong password', url: () => PROXIES.socks5Auth({ password: 'wrong-secret' }), check: (e: ProxyError) => expect(e.failure).to.equal('authentication') },
    { name: 'microsocks requires credentials', url: () => PROXIES.socks5Auth().replace(/\/\/[^@]*@/, '//'), check: (e: ProxyError) => expect(e.failure).to.equal('no-acceptable-method') },
    // tinyproxy 1.11 answers wrong credentials with 401 (no credentials: 407); both are 'authentication'.
    {
      name: 'tinyproxy refuses a wrong password (401)', url: () => PROXIES.http({ password: 'wrong-secret' }),
      check: (e: ProxyError) => { expect(e.statusCode).to.equal(401); expect(e.failure).to.equal('authentication'); },
    },
    { name: 'tinyproxy asks for credentials with 407', url: () => PROXIES.http().replace(/\/\/[^@]*@/, '//'), check: (e: ProxyError) => { expect(e.statusCode).to.equal(407); expect(e.failure).to.equal('authentication'); } },
  ];
  for (const r of refusals) {
    it(`${r.name}: a typed ProxyError without the password, for both protocols`, async () => {
      for (const conn$ of [
        amqpConnect({ url: `amqp://${account}@${hostOf(PEERS.rabbitAmqp)}:${PEERS.rabbitAmqp.port}`, proxy: r.url() }) as Observable<unknown>,
        stompConnect({ url: `stomp://${account}@${hostOf(PEERS.rabbitStomp)}:${PEERS.rabbitStomp.port}/%2F`, proxy: r.url() }) as Observable<unknown>,
      ]) {
        const err = await firstValueFrom(conn$).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(ProxyError);
        r.check(err as ProxyError);
        expect((err as Error).message).not.to.include('wrong-secret').and.not.include(PROXIES.password);
      }
    });
  }
});
