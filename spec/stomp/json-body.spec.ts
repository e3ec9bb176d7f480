/**
 * Objects as STOMP bodies (issue 22, item 10): `send({ body: order })` with an interface-typed
 * value travels as JSON labelled application/json, read back with `message.json<Order>()`, and
 * seen as such by an independent client (@stomp/stompjs). A value with no JSON form fails the
 * send with a TypeError and writes nothing.
 */
import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';
import type { Client } from '@stomp/stompjs';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { wireBody } from '../../src/stomp/rx/session.js';
import { collectReady, fresh, withSession } from '../support/stomp-session.js';
import { stompjs, type IMessage } from '../broker/stomp-helpers.js';

/** An interface, not a type with an index signature: what application code has. */
interface Order { readonly id: number; readonly lines: readonly { readonly sku: string; readonly qty: number }[]; readonly note?: string }

describe('stomp/rx JSON bodies', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  let js: Client | undefined;
  before(async () => { broker = await startBroker({ amqpPort: 0 }); });
  after(() => broker.close());
  afterEach(async () => { await js?.deactivate(); js = undefined; });

  it('sends an object as JSON with content-type application/json; json<Order>() and stompjs read it', async () => {
    const order: Order = { id: 7, lines: [{ sku: 'é-1', qty: 2 }] };
    const q = fresh('json');
    js = await stompjs(broker.stompPort as number);
    const seen = new Promise<IMessage>((resolve) => js?.subscribe(q, resolve));
    await new Promise((r) => setTimeout(r, 100)); // let stompjs's SUBSCRIBE land
    await withSession(broker.stompUrl as string, async (s) => {
      const results = await lastValueFrom(of({ body: order }).pipe(s.send(q, { receipt: true }), toArray()));
      expect(results.map((r) => r.state)).to.deep.equal(['receipted']);
    });
    const m = await seen;
    expect(m.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(m.body)).to.deep.equal(order);

    // And back through rx-mq's own subscriber.
    const q2 = fresh('json-back');
    await withSession(broker.stompUrl as string, async (s) => {
      const { messages } = await collectReady(s, q2, 1);
      await lastValueFrom(of({ body: order }).pipe(s.send(q2), toArray()));
      const [got] = await messages;
      expect(got.headers['content-type']).to.equal('application/json');
      const back = got.json<Order>();
      expect(back.lines[0].sku).to.equal('é-1');
      expect(back).to.deep.equal(order);
    });
  });

  it('keeps a content-type the caller chose, and sends text and bytes unchanged', () => {
    expect(wireBody({ a: 1 }, { 'Content-Type': 'application/vnd.order+json' })).to.deep.equal({ body: '{"a":1}', headers: { 'Content-Type': 'application/vnd.order+json' } });
    expect(wireBody([1, 2], undefined)).to.deep.equal({ body: '[1,2]', headers: { 'content-type': 'application/json' } });
    expect(wireBody(0, undefined).body).to.equal('0');
    expect(wireBody('text', undefined)).to.deep.equal({ body: 'text', headers: undefined });
    const bytes = Uint8Array.of(0, 1);
    expect(wireBody(bytes, { x: '1' }).body).to.equal(bytes);
  });

  it('a body with no JSON form fails the send with a TypeError and writes nothing', async () => {
    const q = fresh('json-bad');
    await withSession(broker.stompUrl as string, async (s) => {
      const err = await lastValueFrom(of({ body: { n: 1n } }).pipe(s.send(q))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TypeError);
      expect((err as Error).message).to.match(/cannot be sent as JSON/);
      const err2 = await lastValueFrom(of({ body: undefined as unknown as object }).pipe(s.send(q))).then(() => undefined, (e: unknown) => e);
      expect(err2).to.be.instanceOf(TypeError);
      // One good message after the bad ones: the queue holds exactly it.
      await lastValueFrom(of({ body: { ok: true } }).pipe(s.send(q, { receipt: true })));
    });
    expect(broker.queue(q.replace('/queue/', ''))?.depth).to.equal(1);
  });
});
