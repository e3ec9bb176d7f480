/**
 * The link skeleton when a peer attaches and refuses in one breath: rhea answers the attach and
 * detaches with an error in the same write (Qpid Proton does the same when it refuses a link after
 * answering it). A relay between us and rhea hands over what rhea writes in 40 ms batches, so
 * that both frames arrive in one read and the engine has closed the link by the time the attach is
 * reported. Every kind of link-backed stream must end with the peer's error, and nothing may throw
 * out of the socket callback (which mocha would report as an uncaught error).
 */
import { expect } from 'chai';
import net from 'node:net';
import { firstValueFrom, lastValueFrom, mergeMap, of, ReplaySubject, take, toArray, type Observable } from 'rxjs';
import rhea from 'rhea';
import { AttachTimeoutError, connect, type AmqpConnection, type ConnectionState } from '../../../src/amqp/index.js';
import { AmqpError } from '../../../src/amqp/engine/errors.js';
import { startRheaServer, type RheaServer } from './rhea-server.js';
import type { Attach } from '../../../src/amqp/frames/definitions.generated.js';
import { answerAttach, frames, payloadOf, scriptedAmqpServer, transfers, type ScriptedAmqpServer } from '../../support/hostile-amqp-server.js';

describe('amqp/rx link skeleton: an attach and its refusal in one read', function () {
  this.timeout(10_000);
  let server: RheaServer;
  let relay: net.Server;
  let url: string;

  before(async () => {
    server = await startRheaServer('rhea-attach-detach');
    // Client bytes go through at once; the server's are collected and written every 40 ms.
    relay = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: server.port });
      let held: Buffer[] = [];
      const timer = setInterval(() => {
        if (held.length > 0 && !client.destroyed) client.write(Buffer.concat(held));
        held = [];
      }, 40);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d: Buffer) => held.push(d));
      const end = (): void => { clearInterval(timer); client.destroy(); upstream.destroy(); };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    url = `amqp://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const refuse = (l: rhea.Sender | rhea.Receiver, terminus: 'source' | 'target'): void => {
      const address = (l as unknown as { remote: { attach?: Record<string, { address?: string } | undefined> } }).remote.attach?.[terminus]?.address ?? '';
      if (terminus === 'source') (l as rhea.Sender).set_source({ address });
      else (l as rhea.Receiver).set_target({ address });
      l.close({ condition: 'amqp:unauthorized-access', description: 'refused right after the attach' });
    };
    server.container.on('sender_open', (ctx: rhea.EventContext) => refuse(ctx.sender as rhea.Sender, 'source'));
    server.container.on('receiver_open', (ctx: rhea.EventContext) => refuse(ctx.receiver as rhea.Receiver, 'target'));
  });
  after(async () => {
    relay.close();
    await server.close();
  });

  const streams: readonly [string, (c: AmqpConnection) => Observable<unknown>][] = [
    ['receive', (c) => c.receive('refused')],
    ['fetch', (c) => c.fetch('refused', { count: 1, timeout: 5000 })],
    ['attachReceiver', (c) => c.attachReceiver('refused').pipe(mergeMap((h) => h.messages$))],
    ['send', (c) => of({ body: 'x' }).pipe(c.send('refused'))],
    ['request', (c) => c.request('refused', { body: 'x' }, { replyTo: 'refused-replies', timeout: 5000 })],
  ];
  for (const [name, stream] of streams) {
    it(`${name} errors with the peer's condition`, async () => {
      const err = await firstValueFrom(connect(url).pipe(mergeMap(stream))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AmqpError);
      expect((err as AmqpError).condition).to.equal('amqp:unauthorized-access');
    });
  }
});

/** The address a link attaches to: its source's (a receiver) or its target's (a sender). */
function addressOf(a: Attach): unknown {
  const t = (a.role === 'receiver' ? a.source : a.target) as { address?: { value?: unknown } | string } | undefined;
  const address = t?.address;
  return typeof address === 'object' ? address.value : address;
}

describe('amqp/rx link skeleton: an attach the peer never answers', function () {
  this.timeout(10_000);
  let server: ScriptedAmqpServer;
  let sub: { unsubscribe(): void } | undefined;
  afterEach(async () => {
    sub?.unsubscribe();
    sub = undefined;
    await server.close();
  });

  /**
   * A server that answers every attach but those to 'ignored', and feeds the receiver of 'busy' a
   * message every 50 ms for as long as it has credit: the connection goes on working.
   */
  async function ignoringServer(): Promise<void> {
    server = await scriptedAmqpServer({
      script: (p, ch, conn) => {
        if (p.kind === 'attach') {
          if (addressOf(p) === 'ignored') return true;
          conn.write(frames([ch, answerAttach(p, p.handle)]));
          return true;
        }
        if (p.kind === 'flow' && p.handle !== undefined && (p.linkCredit ?? 0) > 0) {
          const handle = p.handle;
          let id = 0;
          const tick = setInterval(() => {
            if (conn.socket.destroyed) return clearInterval(tick);
            conn.write(transfers(ch, handle, id, 1, payloadOf(`tick ${id}`)));
            id++;
          }, 50);
          return true;
        }
        return p.kind === 'disposition' || p.kind === 'detach';
      },
    });
  }

  async function open(responseTimeout: number): Promise<{ c: AmqpConnection; states: ConnectionState[] }> {
    const subject = new ReplaySubject<AmqpConnection>(1);
    sub = connect({ url: server.url, sasl: false, responseTimeout }).subscribe(subject);
    const c = await firstValueFrom(subject);
    const states: ConnectionState[] = [];
    c.state$.subscribe((s) => states.push(s));
    return { c, states };
  }

  for (const [name, op] of [
    ['receive', (c: AmqpConnection) => c.receive('ignored')],
    ['send', (c: AmqpConnection) => of({ body: 'x' }).pipe(c.send('ignored'))],
  ] as const) {
    it(`${name}: AttachTimeoutError after responseTimeout, the link detached, the connection and its other link untouched`, async () => {
      await ignoringServer();
      const { c, states } = await open(400);
      const busy: unknown[] = [];
      const busySub = c.receive('busy').subscribe((m) => busy.push(m.body));
      const t0 = Date.now();
      const error = await lastValueFrom((op(c) as Observable<unknown>)).then(() => undefined, (e: unknown) => e);
      const ms = Date.now() - t0;
      expect(error).to.be.instanceOf(AttachTimeoutError);
      expect((error as AttachTimeoutError).timeoutMs).to.equal(400);
      expect(ms, 'ms to the error').to.be.within(350, 2000);
      // The link was given up with a detach; the busy receiver kept receiving after it.
      const conn = server.connections[0];
      const attach = conn.received.find((r) => r.performative.kind === 'attach' && addressOf(r.performative) === 'ignored');
      const handle = attach?.performative.kind === 'attach' ? attach.performative.handle : -1;
      const before = busy.length;
      await new Promise((r) => setTimeout(r, 200));
      expect(conn.received.some((r) => r.performative.kind === 'detach' && r.performative.handle === handle)).to.equal(true);
      expect(busy.length).to.be.greaterThan(before);
      expect(states).to.deep.equal(['open']);
      busySub.unsubscribe();
    });
  }

  it('an attach answered in time is not affected: a receive on a working link runs past responseTimeout', async () => {
    await ignoringServer();
    const { c } = await open(200);
    const bodies = await lastValueFrom(c.receive('busy').pipe(take(10), toArray()));
    expect(bodies).to.have.length(10);
  });
});
