/**
 * Link handles, sender defaults and misuse errors, against the Qpid Proton Python peer (honours
 * drain, supports dynamic nodes) and RabbitMQ.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ReplaySubject, firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { IllegalStateError, connect, type AmqpConnection, type ReceiverHandle, type SenderHandle } from '../../../src/amqp/index.js';
import { freePort, startPythonPeer, type PythonPeer } from '../../support/python-peer.js';

const unique = (p: string): string => `${p}-${randomUUID()}`;
const RABBIT = { url: 'amqp://guest:guest@127.0.0.1:5672', hostname: 'localhost' };

function withConnection<T>(opts: Parameters<typeof connect>[0], f: (c: AmqpConnection) => Promise<T>): Promise<T> {
  return firstValueFrom(connect(opts).pipe(switchMap((c) => from(f(c))), take(1)));
}

describe('amqp/rx link handles, defaults and misuse', function () {
  this.timeout(30_000);
  let peer: PythonPeer;
  let url: string;
  before(async () => {
    const port = await freePort();
    peer = await startPythonPeer(fileURLToPath(new URL('../../interop/proton_peer.py', import.meta.url)), [String(port)]);
    url = `amqp://127.0.0.1:${port}`;
  });
  after(() => peer.stop());

  it('a receiver handle shows credit and delivery-count, adds credit and drains', async () => {
    const q = unique('handle');
    await withConnection({ url, sasl: {} }, async (c) => {
      await lastValueFrom(from([{ body: 1 }, { body: 2 }]).pipe(c.send(q), toArray()));
      // Keep the handle subscribed (unsubscribing detaches the link).
      const handle$ = new ReplaySubject<ReceiverHandle>(1);
      const keep = c.attachReceiver(q).subscribe(handle$);
      const h = await firstValueFrom(handle$);
      expect(h.state).to.equal('attached');
      expect(h.credit).to.equal(0);
      const got: unknown[] = [];
      h.messages$.subscribe((m) => { got.push(m.body); m.accept(); });
      h.addCredit(5);
      await new Promise((r) => setTimeout(r, 300));
      expect(got).to.deep.equal([1, 2]);
      expect(h.credit).to.equal(3);
      expect(h.deliveryCount).to.equal(2);
      await h.drain();
      expect(h.credit).to.equal(0);
      expect(h.deliveryCount).to.equal(5);
      keep.unsubscribe();
      expect(h.state).to.equal('detach-sent');
      expect(() => h.addCredit(1)).to.throw(IllegalStateError);
    });
  });

  it('a sender handle sends with credit and resolves outcomes; refuses once detached', async () => {
    await withConnection({ url, sasl: {} }, async (c) => {
      const handle$ = new ReplaySubject<SenderHandle>(1);
      const keep = c.attachSender(unique('sh')).subscribe(handle$);
      const h = await firstValueFrom(handle$);
      await new Promise((r) => setTimeout(r, 100));
      expect(h.sendable).to.equal(true);
      expect((await h.send({ body: 'ok' })).state).to.equal('accepted');
      expect((await h.send({ body: 'no', subject: 'reject-me' })).state).to.equal('rejected');
      keep.unsubscribe();
      // Sending on a detached link is a typed misuse error, not a silent drop.
      const err = await h.send({ body: 'late' }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(IllegalStateError);
    });
  });

  it('a handle taken with firstValueFrom is detached at once, and then refuses to be used', async () => {
    await withConnection({ url, sasl: {} }, async (c) => {
      const h = await firstValueFrom(c.attachReceiver(unique('gone')));
      expect(() => h.addCredit(1)).to.throw(IllegalStateError);
    });
  });

  it('applies sender defaults: generated message ids, durable, ttl, priority', async () => {
    const q = `/queue/${unique('defaults')}`;
    await withConnection(RABBIT, async (c) => {
      await lastValueFrom(from([{ body: 'a' }, { body: 'b', messageId: 'mine', priority: 9 }]).pipe(
        c.send(q, { durable: true, ttl: 60_000, priority: 3 }), toArray()));
      const ms = await lastValueFrom(c.fetch(q, { count: 2, timeout: 2000 }).pipe(toArray()));
      expect(ms[0].messageId).to.be.a('string').and.match(/^[0-9a-f-]{36}$/);
      expect(ms[0]).to.include({ durable: true, ttl: 60_000, priority: 3 });
      expect(ms[1]).to.include({ messageId: 'mine', priority: 9 });
    });
  });

  it('settling twice is a typed misuse error', async () => {
    const q = `/queue/${unique('twice')}`;
    await withConnection(RABBIT, async (c) => {
      await lastValueFrom(from([{ body: 'a' }]).pipe(c.send(q), toArray()));
      const [m] = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000, settle: 'manual' }).pipe(toArray()));
      m.accept();
      expect(() => m.accept()).to.throw(IllegalStateError, /already settled/);
      expect(() => m.release()).to.throw(IllegalStateError);
    });
  });
});
