/**
 * The shipped path: the public `connect()` (URL parsing, transport, driver, engine, operators)
 * against independent peers, not the engine test driver. amqps:// with a test CA, amqp+ws://,
 * an IPv6 literal, heartbeats for a peer with a 2 s idle-time-out, a silent peer, SASL PLAIN with
 * an authorization identity, source filters in the attach, and the operator's behaviour with a
 * receiver's max-message-size and settle mode.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import rhea from 'rhea';
import { firstValueFrom, from, lastValueFrom, NEVER, switchMap, take, timer, toArray } from 'rxjs';
import { WebSocketServer } from 'ws';
import {
  AmqpError, AuthenticationError, connect, described, IdleTimeoutError, map, string, symbol, TransportError,
  type AmqpConnectOptions, type AmqpConnection,
} from '../../src/amqp/index.js';
import { MessageSizeExceededError } from '../../src/amqp/engine/errors.js';
import { encodeFrame, protocolHeaderBytes } from '../../src/amqp/frames/index.js';
import { startRheaStore, type RheaStore } from '../support/rhea-store.js';

const CERTS = path.join(os.tmpdir(), `rx-mq-test-certs-${process.pid}`);
const SCRIPT = fileURLToPath(new URL('../../scripts/gen-test-certs.sh', import.meta.url));
const read = (f: string): string => readFileSync(path.join(CERTS, f), 'utf8');

/** Run `f` on an open connection; the connection closes when its promise settles. */
function withConnection<T>(opts: string | AmqpConnectOptions, f: (c: AmqpConnection) => Promise<T>): Promise<T> {
  return firstValueFrom(connect(opts).pipe(switchMap((c) => from(f(c))), take(1)));
}

const bodies = (peer: RheaStore, address: string): unknown[] => (peer.seen.get(address) ?? []).map((m) => m.body);

describe('connect() against independent peers', function () {
  this.timeout(30_000);
  const closers: (() => void)[] = [];
  afterEach(() => { while (closers.length > 0) closers.pop()?.(); });

  async function store(listenOptions: object = {}): Promise<RheaStore> {
    const s = await startRheaStore(listenOptions);
    closers.push(() => s.close());
    return s;
  }

  describe('transports and URLs', () => {
    before(() => { execFileSync('bash', [SCRIPT, CERTS]); });

    it('amqps:// to rhea over TLS, verifying its certificate against the test CA', async () => {
      const peer = await store({ transport: 'tls', key: read('server.key'), cert: read('server.pem') });
      peer.container.sasl_server_mechanisms.enable_anonymous();
      const outcomes = await withConnection({ url: `amqps://localhost:${peer.port}`, tls: { ca: read('ca.pem') } },
        (c) => lastValueFrom(from([{ body: 'over tls' }]).pipe(c.send('tls-q'), toArray())));
      expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted']);
      expect(bodies(peer, 'tls-q')).to.deep.equal(['over tls']);
    });

    it('amqps:// refuses a server certificate it cannot verify (no CA given)', async () => {
      const peer = await store({ transport: 'tls', key: read('server.key'), cert: read('server.pem') });
      const err = await firstValueFrom(connect(`amqps://localhost:${peer.port}`)).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransportError);
      expect((err as TransportError).code).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    });

    it("amqp+ws:// to rhea's WebSocket server with the amqp subprotocol", async () => {
      const peer = await store();
      let subprotocol: string | undefined;
      const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (ps) => (ps.has('amqp') ? 'amqp' : false) });
      closers.push(() => wss.close());
      await new Promise<void>((r) => wss.once('listening', () => r()));
      const accept = (peer.container as unknown as { websocket_accept(ws: unknown): void }).websocket_accept.bind(peer.container);
      wss.on('connection', (ws) => { subprotocol = ws.protocol; accept(ws); });
      const port = (wss.address() as AddressInfo).port;
      const outcomes = await withConnection({ url: `amqp+ws://127.0.0.1:${port}/`, sasl: false },
        (c) => lastValueFrom(from([{ body: 'over websocket' }]).pipe(c.send('ws-q'), toArray())));
      expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted']);
      expect(subprotocol).to.equal('amqp');
      expect(bodies(peer, 'ws-q')).to.deep.equal(['over websocket']);
    });

    it('amqp://[::1]:port connects over IPv6', async () => {
      const peer = await store({ host: '::1' });
      let remoteAddress: string | undefined;
      peer.container.on('connection_open', (ctx: rhea.EventContext) => {
        remoteAddress = (ctx.connection as unknown as { socket?: net.Socket }).socket?.remoteAddress;
      });
      const got = await withConnection({ url: `amqp://[::1]:${peer.port}`, sasl: false }, async (c) => {
        await lastValueFrom(from([{ body: 'six' }]).pipe(c.send('v6-q'), toArray()));
        return firstValueFrom(c.receive('v6-q'));
      });
      expect(got.body).to.equal('six');
      expect(remoteAddress).to.equal('::1');
    });
  });

  describe('liveness', () => {
    it('keeps a 4 s idle connection open to a peer with a 1 s idle-time-out', async function () {
      this.timeout(20_000);
      // rhea closes a connection it hears nothing on for twice its idle-time-out (2 s here).
      const peer = await store({ idle_time_out: 1000 });
      const dropped: string[] = [];
      peer.container.on('connection_close', () => dropped.push('close'));
      peer.container.on('disconnected', () => dropped.push('disconnected'));
      const result = await withConnection({ url: `amqp://127.0.0.1:${peer.port}`, sasl: false }, async (c) => {
        expect(c.remote.idleTimeOut).to.equal(1000);
        await firstValueFrom(timer(4000));
        expect(c.state$.value).to.equal('open');
        return lastValueFrom(from([{ body: 'still here' }]).pipe(c.send('idle-q'), toArray()));
      });
      expect(result.map((o) => o.state)).to.deep.equal(['accepted']);
      expect(dropped).to.deep.equal([]);
    });

    it('a remote close with an error ends connect() with that AmqpError, and our close answers it', async () => {
      const peer = await store();
      let answered: () => void = () => {};
      const closeAnswered = new Promise<void>((r) => { answered = r; });
      peer.container.on('connection_open', (ctx: rhea.EventContext) => {
        ctx.connection.close({ condition: 'amqp:connection:forced', description: 'closed by the administrator' });
      });
      // rhea reports the peer's close (our answer) as connection_close.
      peer.container.on('connection_close', () => answered());
      const err = await lastValueFrom(connect({ url: `amqp://127.0.0.1:${peer.port}`, sasl: false })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AmqpError);
      expect(err).to.include({ condition: 'amqp:connection:forced', description: 'closed by the administrator', scope: 'connection', local: false });
      await closeAnswered;
    });

    it('fails with IdleTimeoutError when the peer opens and then goes silent', async () => {
      // A raw peer: answers the header and open, then never sends another byte (no heartbeats).
      const server: Server = net.createServer((socket) => {
        let answered = false;
        socket.on('data', () => {
          if (answered) return;
          answered = true;
          socket.write(protocolHeaderBytes('amqp'));
          socket.write(encodeFrame(0, { kind: 'open', containerId: 'silent-peer' }));
        });
        socket.on('error', () => {});
      });
      closers.push(() => server.close());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as AddressInfo).port;
      let opened = false;
      const err = await lastValueFrom(connect({ url: `amqp://127.0.0.1:${port}`, sasl: false, idleTimeout: 500 }).pipe(
        switchMap(() => { opened = true; return NEVER; }),
      )).then(() => undefined, (e: unknown) => e);
      expect(opened).to.equal(true);
      expect(err).to.be.instanceOf(IdleTimeoutError);
      expect((err as IdleTimeoutError).condition).to.equal('amqp:resource-limit-exceeded');
    });
  });

  describe('SASL PLAIN with an authorization identity', () => {
    /** rhea with a PLAIN mechanism that records all three fields and admits guest acting as boss. */
    async function plainPeer(): Promise<{ peer: RheaStore; inits: { authzid: string; authcid: string; hostname: string | undefined }[] }> {
      const peer = await store();
      const inits: { authzid: string; authcid: string; hostname: string | undefined }[] = [];
      const mechanisms = peer.container.sasl_server_mechanisms as unknown as Record<string, () => object>;
      mechanisms.PLAIN = () => {
        const mech = {
          outcome: undefined as boolean | undefined,
          username: undefined as string | undefined,
          start(response: Buffer, hostname?: string): void {
            const [authzid, authcid, password] = response.toString('utf8').split('\0');
            inits.push({ authzid, authcid, hostname });
            mech.outcome = authcid === 'guest' && password === 'guest' && authzid === 'boss';
            mech.username = authcid;
          },
        };
        return mech;
      };
      return { peer, inits };
    }

    it('sends authzid, authcid and password in the initial response', async () => {
      const { peer, inits } = await plainPeer();
      const c = await withConnection({
        url: `amqp://127.0.0.1:${peer.port}/vh`, sasl: { username: 'guest', password: 'guest', authzid: 'boss' },
      }, async (x) => x.remote.containerId);
      expect(c).to.equal('rhea-store');
      expect(inits).to.deep.equal([{ authzid: 'boss', authcid: 'guest', hostname: 'vh' }]);
    });

    it('a refused authorization identity is an AuthenticationError that names no credential', async () => {
      const { peer, inits } = await plainPeer();
      const err = await firstValueFrom(connect({
        url: `amqp://127.0.0.1:${peer.port}`, sasl: { username: 'guest', password: 'guest-secret', authzid: 'root' },
      })).then(() => undefined, (e: unknown) => e);
      expect(inits.map((i) => i.authzid)).to.deep.equal(['root']);
      expect(err).to.be.instanceOf(AuthenticationError);
      expect((err as Error).message).to.not.match(/guest-secret|root/);
    });
  });

  describe('links through the operators', () => {
    it('receive() puts the source filter in the attach, as rhea decodes it', async () => {
      const peer = await store();
      let filter: unknown;
      peer.container.on('sender_open', (ctx: rhea.EventContext) => {
        filter = (ctx.sender as unknown as { remote: { attach: { source: { filter?: unknown } } } }).remote.attach.source.filter;
      });
      const selector = described(symbol('apache.org:selector-filter:string'), string("color = 'red'"));
      const got = await withConnection({ url: `amqp://127.0.0.1:${peer.port}`, sasl: false }, async (c) => {
        await lastValueFrom(from([{ body: 'red one' }]).pipe(c.send('filtered'), toArray()));
        return firstValueFrom(c.receive({ address: 'filtered', filter: map([[symbol('selector'), selector]]) }));
      });
      expect(got.body).to.equal('red one');
      // rhea keeps the AMQP types of what it decoded: a described string under a symbol descriptor.
      const sel = (filter as { selector: { descriptor: { value: string; type: { name: string } }; value: string; type: { name: string } } }).selector;
      expect(Object.keys(filter as object)).to.deep.equal(['selector']);
      expect(sel.descriptor.value).to.equal('apache.org:selector-filter:string');
      expect(sel.descriptor.type.name).to.match(/^Sym/);
      expect(sel.value).to.equal("color = 'red'");
      expect(sel.type.name).to.match(/^Str/);
    });

    it("send() gives a message over the receiver's max-message-size a local 'rejected' outcome and sends the rest", async () => {
      const peer = await store();
      peer.container.on('receiver_open', (ctx: rhea.EventContext) => {
        (ctx.receiver as unknown as { local: { attach: { max_message_size: number } } }).local.attach.max_message_size = 200;
      });
      const messages = [{ body: 'first' }, { body: 'x'.repeat(500) }, { body: 'third' }];
      const outcomes = await withConnection({ url: `amqp://127.0.0.1:${peer.port}`, sasl: false },
        (c) => lastValueFrom(from(messages).pipe(c.send('limited'), toArray())));
      // The refusal is known at once; the others' outcomes come when rhea settles them.
      expect(outcomes.map((o) => [o.state, o.message.body])).to.deep.equal([
        ['rejected', 'x'.repeat(500)], ['accepted', 'first'], ['accepted', 'third'],
      ]);
      const rejected = outcomes.find((o) => o.state === 'rejected');
      expect(rejected?.error).to.be.instanceOf(MessageSizeExceededError);
      expect(rejected?.error).to.include({ maxMessageSize: 200, local: true, condition: 'amqp:link:message-size-exceeded' });
      expect(bodies(peer, 'limited')).to.deep.equal(['first', 'third']);
    });

    it("send() follows a receiver that answers snd-settle-mode 'settled': messages go pre-settled ('sent')", async () => {
      const peer = await store();
      const settledAtPeer: boolean[] = [];
      peer.container.on('receiver_open', (ctx: rhea.EventContext) => {
        (ctx.receiver as unknown as { local: { attach: { snd_settle_mode: number } } }).local.attach.snd_settle_mode = 1;
      });
      let arrived: () => void = () => {};
      const both = new Promise<void>((r) => { arrived = r; });
      peer.container.on('message', (ctx: rhea.EventContext) => {
        settledAtPeer.push(ctx.delivery?.remote_settled === true);
        if (settledAtPeer.length === 2) arrived();
      });
      const outcomes = await withConnection({ url: `amqp://127.0.0.1:${peer.port}`, sasl: false }, async (c) => {
        const o = await lastValueFrom(from([{ body: 'a' }, { body: 'b' }]).pipe(c.send('presettled'), toArray()));
        // Pre-settled: the operator is done once they are written; wait for them to land.
        await both;
        return o;
      });
      expect(outcomes.map((o) => o.state)).to.deep.equal(['sent', 'sent']);
      expect(bodies(peer, 'presettled')).to.deep.equal(['a', 'b']);
      expect(settledAtPeer).to.deep.equal([true, true]);
    });
  });
});
