/**
 * The broker's TLS listeners (amqps, stomp+ssl, wss) with certificates made by openssl for the
 * test: rx-mq's and rhea's TLS clients, client certificates as logins (SASL EXTERNAL over AMQP, a
 * STOMP CONNECT without login) with the user's permissions, and clients refused during the
 * handshake when a certificate is required and they have none (or one nobody vouches for).
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { firstValueFrom, from, lastValueFrom, map, switchMap, take, toArray } from 'rxjs';
import { connect, SaslError } from '../../src/amqp/index.js';
import { AmqpError } from '../../src/amqp/engine/errors.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect as stompConnect, StompError } from '../../src/stomp/index.js';
import { TransportError } from '../../src/transport/types.js';
import { makeCertificates, type TestCertificates } from '../support/tls-certs.js';
import { until } from './helpers.js';

describe('broker: TLS listeners', function () {
  this.timeout(30_000);
  let certs: TestCertificates;
  let broker: EmbeddedBroker | undefined;
  before(() => { certs = makeCertificates(['alice', 'bob']); });
  afterEach(async () => { await broker?.close(); broker = undefined; });

  /** Round trip one message through `queue` with rx-mq's AMQP client on `url`. */
  const amqpRoundTrip = (url: string, queue: string, opts: Record<string, unknown>): Promise<unknown> =>
    firstValueFrom(connect({ url, ...opts }).pipe(switchMap(async (c) => {
      await lastValueFrom(from(['over tls']).pipe(map((body) => ({ body })), c.send(queue), toArray()));
      return firstValueFrom(c.receive(queue).pipe(map((m) => m.body)));
    }), take(1)));

  const rheaTls = (port: number, opts: Record<string, unknown>): Promise<rhea.Connection> => new Promise((resolve, reject) => {
    const c = rhea.create_container({ id: 'rhea-tls' }).connect({ host: '127.0.0.1', port, transport: 'tls', reconnect: false, ...opts } as rhea.ConnectionOptions);
    c.once('connection_open', () => resolve(c));
    c.once('connection_error', () => reject(new Error(`connection error: ${JSON.stringify(c.error)}`)));
    c.once('disconnected', (ctx: rhea.EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
  const closeRhea = (c: rhea.Connection): Promise<void> => new Promise((resolve) => { c.once('connection_close', () => resolve()); c.close(); });

  it('serves amqps, stomp+ssl and wss for both protocols to rx-mq, and amqps to rhea', async () => {
    broker = await startBroker({ tls: { key: certs.server.key, cert: certs.server.cert } });
    expect(broker.amqpsUrl).to.match(/^amqps:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.stompSslUrl).to.match(/^stomp\+ssl:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.amqpWssUrl).to.match(/^amqp\+wss:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.stompWssUrl).to.match(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const tls = { ca: certs.ca };
    expect(await amqpRoundTrip(broker.amqpsUrl as string, 'tls-q', { tls })).to.equal('over tls');
    expect(await amqpRoundTrip(broker.amqpWssUrl as string, 'wss-q', { tls })).to.equal('over tls');
    for (const url of [broker.stompSslUrl as string, broker.stompWssUrl as string]) {
      const text = await firstValueFrom(stompConnect({ url, tls }).pipe(switchMap(async (s) => {
        await lastValueFrom(from(['stomp over tls']).pipe(s.send('/queue/tls-s', { receipt: true }), toArray()));
        return firstValueFrom(s.subscribe('/queue/tls-s').pipe(map((m) => m.text)));
      }), take(1)));
      expect(text, url).to.equal('stomp over tls');
    }
    // rhea, verifying the server against the CA, through the same queues.
    const c = await rheaTls(broker.amqpsPort as number, { ca: certs.ca, servername: 'localhost' });
    const got = await new Promise<unknown>((resolve) => {
      const s = c.open_sender('rhea-tls-q');
      s.once('sendable', () => s.send({ body: 'rhea over tls' }));
      c.open_receiver('rhea-tls-q').once('message', (ctx: rhea.EventContext) => resolve(ctx.message?.body));
    });
    expect(got).to.equal('rhea over tls');
    await closeRhea(c);
    // Plain listeners are still there.
    expect(broker.amqpUrl).to.match(/^amqp:\/\//);
  });

  describe('with client certificates required', () => {
    const tlsErrors: Error[] = [];
    beforeEach(async () => {
      tlsErrors.length = 0;
      broker = await startBroker({
        tls: { key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true },
        users: {
          alice: { permissions: { read: '^alice\\.', write: '^alice\\.', create: '^alice\\.' }, actAs: ['bob'] }, // certificate only
          bob: { password: 'b' },
        },
        onError: (e) => { tlsErrors.push(e); },
      });
    });

    it('rx-mq: SASL EXTERNAL with a client certificate logs in as its CN, with that user\'s rights', async () => {
      const tls = { ca: certs.ca, ...certs.clients.alice };
      expect(await amqpRoundTrip(broker?.amqpsUrl as string, 'alice.inbox', { tls, sasl: { external: true } })).to.equal('over tls');
      const denied = await firstValueFrom(connect({ url: broker?.amqpsUrl as string, tls, sasl: { external: true } }).pipe(switchMap((c) => c.receive('bob.inbox'))))
        .then(() => undefined, (e: unknown) => e);
      expect((denied as AmqpError).condition).to.equal('amqp:unauthorized-access');
      expect((denied as AmqpError).description).to.equal('user "alice" may not read from "bob.inbox"');
      // EXTERNAL with an authzid the account allows: bob's rights (everything).
      expect(await amqpRoundTrip(broker?.amqpsUrl as string, 'anything', { tls, sasl: { external: true, mechanism: 'EXTERNAL', authzid: 'bob' } })).to.equal('over tls');
    });

    it('rhea: SASL EXTERNAL with a client certificate', async () => {
      const c = await rheaTls(broker?.amqpsPort as number, { ca: certs.ca, servername: 'localhost', ...certs.clients.alice, enable_sasl_external: true });
      const e = await new Promise<{ condition: string }>((resolve) => {
        const r = c.open_receiver('secrets');
        r.once('receiver_error', () => resolve(r.error as { condition: string }));
      });
      expect(e.condition).to.equal('amqp:unauthorized-access');
      const ok = await new Promise<boolean>((resolve) => { c.open_receiver('alice.x').once('receiver_open', () => resolve(true)); });
      expect(ok).to.equal(true);
      await closeRhea(c);
    });

    it('STOMP over TLS: a CONNECT without login is the certificate\'s user', async () => {
      const tls = { ca: certs.ca, ...certs.clients.alice };
      const text = await firstValueFrom(stompConnect({ url: broker?.stompSslUrl as string, tls }).pipe(switchMap(async (s) => {
        await lastValueFrom(from(['mine']).pipe(s.send('/queue/alice.stomp', { receipt: true }), toArray()));
        return firstValueFrom(s.subscribe('/queue/alice.stomp').pipe(map((m) => m.text)));
      }), take(1)));
      expect(text).to.equal('mine');
      const denied = await firstValueFrom(stompConnect({ url: broker?.stompSslUrl as string, tls }).pipe(switchMap((s) => s.subscribe('/queue/bob.x'))))
        .then(() => undefined, (e: unknown) => e);
      expect((denied as StompError).brokerMessage).to.equal('access refused: user "alice" may not read from "bob.x"');
    });

    it('refuses, during the handshake, a client without a certificate or with an untrusted one', async () => {
      for (const tls of [{ ca: certs.ca }, { ca: certs.ca, ...certs.untrusted }]) {
        for (const url of [broker?.amqpsUrl as string, broker?.amqpWssUrl as string]) {
          const e = await firstValueFrom(connect({ url, tls, username: 'bob', password: 'b', connectTimeout: 5_000 })).then(() => undefined, (x: unknown) => x);
          expect(e, url).to.be.instanceOf(TransportError);
        }
        const s = await firstValueFrom(stompConnect({ url: broker?.stompSslUrl as string, tls, login: 'bob', passcode: 'b', connectTimeoutMs: 5_000 })).then(() => undefined, (x: unknown) => x);
        expect(s).to.be.instanceOf(Error);
      }
      // The broker reports the refused handshakes and goes on serving.
      await until(() => tlsErrors.length >= 4, 5_000, 'handshake errors reported');
      const tls = { ca: certs.ca, ...certs.clients.bob };
      expect(await amqpRoundTrip(broker?.amqpsUrl as string, 'after', { tls, username: 'bob', password: 'b' })).to.equal('over tls');
    });
  });

  it('with optional client certificates: a client without one logs in with a password, EXTERNAL is not offered to it', async () => {
    broker = await startBroker({
      tls: { key: certs.server.key, cert: certs.server.cert, ca: certs.ca, requestCert: true, rejectUnauthorized: false },
      users: { alice: {}, bob: 'b' },
    });
    const url = broker.amqpsUrl as string;
    expect(await amqpRoundTrip(url, 'opt-q', { tls: { ca: certs.ca }, username: 'bob', password: 'b' })).to.equal('over tls');
    const e = await firstValueFrom(connect({ url, tls: { ca: certs.ca }, sasl: { mechanism: 'EXTERNAL' } })).then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(SaslError);
    expect((e as Error).message).to.match(/does not offer SASL EXTERNAL/);
    // An untrusted certificate is let in too, but is no identity.
    const u = await firstValueFrom(connect({ url, tls: { ca: certs.ca, ...certs.untrusted }, sasl: { mechanism: 'EXTERNAL' } })).then(() => undefined, (x: unknown) => x);
    expect(u).to.be.instanceOf(SaslError);
    expect(await amqpRoundTrip(url, 'opt-q2', { tls: { ca: certs.ca, ...certs.clients.alice }, sasl: { external: true } })).to.equal('over tls');
  });
});
