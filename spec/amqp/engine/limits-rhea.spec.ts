/**
 * Limits one end sets and the other must keep, with rhea in the server role: the handle-max in
 * rhea's begin bounds the handles our engine uses, and our receiver's max-message-size refuses a
 * larger message from rhea with message-size-exceeded (rhea sees the detach and its error).
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { string } from '../../../src/amqp/codec/index.js';
import { HandleMaxError } from '../../../src/amqp/engine/errors.js';
import { encodeSections } from '../../../src/amqp/frames/index.js';
import { EngineDriver } from '../../support/engine-driver.js';
import { useRheaStoreWithEngine } from '../../support/rhea-store.js';

describe('interop: limits against rhea (server role)', function () {
  this.timeout(30_000);
  const store = useRheaStoreWithEngine('rx-mq-limits');
  const open = (): Promise<EngineDriver> => store.open();

  it("uses no handle beyond the handle-max of rhea's begin", async () => {
    store.peer().container.on('session_open', (ctx: rhea.EventContext) => {
      // rhea writes its answering begin after this handler.
      (ctx.session as unknown as { local: { begin: { handle_max: number } } }).local.begin.handle_max = 1;
    });
    const attachedAtPeer: string[] = [];
    store.peer().container.on('receiver_open', (ctx: rhea.EventContext) => { attachedAtPeer.push(String(ctx.receiver?.name)); });
    const d = await open();
    const s = d.conn.session();
    d.flush();
    await d.next('session-begin');
    expect(s.remote?.handleMax).to.equal(1);
    const links = ['a', 'b'].map((n) => s.attachSender({ name: n, target: { kind: 'target', address: string(n) } }));
    expect(links.map((l) => l.handle)).to.deep.equal([0, 1]);
    expect(() => s.attachSender({ name: 'c', target: { kind: 'target', address: string('c') } })).to.throw(HandleMaxError);
    d.flush();
    await d.next('link-attach', (e) => e.link === links[0]);
    await d.next('link-attach', (e) => e.link === links[1]);
    expect(attachedAtPeer).to.deep.equal(['a', 'b']);
    // The connection is healthy: rhea saw no handle out of range.
    const big = links[1];
    await d.next('link-flow', (e) => e.link === big && big.credit.credit > 0);
    big.send(encodeSections({ body: { kind: 'value', value: string('fits') } }));
    d.flush();
    expect((await d.next('delivery-update')).delivery.remoteState?.kind).to.equal('accepted');
  });

  it('refuses a message from rhea larger than our max-message-size, and rhea learns why', async () => {
    const atPeer = new Promise<{ condition?: string } | undefined>((resolve) => {
      store.peer().container.on('sender_close', (ctx: rhea.EventContext) => {
        resolve((ctx.sender as unknown as { remote: { detach?: { error?: { condition?: string } } } }).remote.detach?.error);
      });
    });
    const d = await open();
    // Put one large message in rhea's store, then receive with a smaller limit.
    const s = d.conn.session();
    const snd = s.attachSender({ name: 'fill', target: { kind: 'target', address: string('big') } });
    d.flush();
    await d.next('link-flow', (e) => e.link === snd && snd.credit.credit > 0);
    snd.send(encodeSections({ body: { kind: 'value', value: string('B'.repeat(2000)) } }));
    d.flush();
    await d.next('delivery-update');
    const rcv = s.attachReceiver({ name: 'small', source: { kind: 'source', address: string('big') }, maxMessageSize: 1000 });
    d.flush();
    await d.next('link-attach', (e) => e.link === rcv);
    rcv.flow(1);
    d.flush();
    const det = await d.next('link-detach', (e) => e.link === rcv);
    expect(det.error?.condition).to.equal('amqp:link:message-size-exceeded');
    expect(det.error?.local).to.equal(true);
    expect(d.events.filter((e) => e.type === 'delivery')).to.deep.equal([]);
    expect((await atPeer)?.condition).to.equal('amqp:link:message-size-exceeded');
  });
});
