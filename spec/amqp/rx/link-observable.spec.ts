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
import { firstValueFrom, mergeMap, of, type Observable } from 'rxjs';
import rhea from 'rhea';
import { connect, type AmqpConnection } from '../../../src/amqp/index.js';
import { AmqpError } from '../../../src/amqp/engine/errors.js';
import { startRheaServer, type RheaServer } from './rhea-server.js';

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
