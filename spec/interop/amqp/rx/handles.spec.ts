/**
 * Link handles and misuse errors against the Qpid Proton Python peer (honours drain, supports
 * dynamic nodes), and the shared sender-defaults cases against RabbitMQ.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { ReplaySubject, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { IllegalStateError, type ReceiverHandle, type SenderHandle } from '../../../../src/amqp/index.js';
import { freePort, startPythonPeer, type PythonPeer } from '../../support/python-peer.js';
import { unique, withConnection } from '../../../support/amqp-connection.js';
import { amqpDefaultsCases } from '../../../support/amqp-defaults-cases.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('amqp/rx link handles and misuse (Qpid Proton Python peer)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.protonPython);
  let peer: PythonPeer;
  let url: string;
  before(async () => {
    const port = await freePort();
    peer = await startPythonPeer(fileURLToPath(new URL('../../support/proton_peer.py', import.meta.url)), [String(port)]);
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
});

describe('amqp/rx sender defaults and settlement misuse (RabbitMQ)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);
  amqpDefaultsCases(() => ({ url: RABBITMQ.amqpUrl(), hostname: 'localhost' }));
});
