/**
 * `session.browse()` against real brokers. ActiveMQ 5.17 browses a queue (SUBSCRIBE browser:true):
 * the waiting messages in order, then its `browser:end`, the queue untouched; the embedded broker
 * was built to answer the same way (spec/broker/stomp-browse.spec.ts). RabbitMQ 3.10 ignores the
 * header and would consume the queue: browse() refuses it by its server header, subscribing nothing.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect, StompBrowseUnsupportedError, stompClient, type StompSendInput, type StompSession } from '../../../src/stomp/index.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';

/** Run `f` on one connection to `url`. */
function withSession<T>(url: string, f: (s: StompSession) => Promise<T>): Promise<T> {
  return firstValueFrom(connect(url).pipe(switchMap((s) => f(s))));
}
const fill = (s: StompSession, q: string, bodies: readonly StompSendInput[]): Promise<unknown> =>
  lastValueFrom(from(bodies).pipe(s.send(q, { receipt: true }), toArray()));

describe('stomp browse() against real brokers', function () {
  this.timeout(30_000);

  describe('ActiveMQ 5.17', () => {
    requirePeers(PEERS.activemqStomp);
    it('browses the waiting messages in order and completes; a selector selects; a consumer then gets them all', async () => {
      const q = `/queue/browse-${randomUUID()}`;
      const { all, red, consumed } = await withSession(ACTIVEMQ.stompUrl(), async (s) => {
        await fill(s, q, [{ body: 'a', headers: { color: 'red' } }, { body: 'b', headers: { color: 'blue' } }, { body: 'c', headers: { color: 'red' } }]);
        const all = await lastValueFrom(s.browse(q).pipe(toArray()));
        const red = await lastValueFrom(s.browse(q, { selector: "color = 'red'" }).pipe(toArray()));
        const consumed = await lastValueFrom(s.subscribe(q).pipe(take(3), toArray()));
        return { all, red, consumed };
      });
      expect(all.map((m) => m.text)).to.deep.equal(['a', 'b', 'c']);
      expect(red.map((m) => m.text)).to.deep.equal(['a', 'c']);
      expect(consumed.map((m) => m.text)).to.deep.equal(['a', 'b', 'c']);
    });

    it('stompClient.browse() does the same on the reconnecting client', async () => {
      const q = `/queue/browse-${randomUUID()}`;
      await withSession(ACTIVEMQ.stompUrl(), (s) => fill(s, q, ['one', 'two']));
      const client = stompClient({ url: ACTIVEMQ.stompUrl() });
      try {
        const got = await lastValueFrom(client.browse(q).pipe(toArray()));
        expect(got.map((m) => m.text)).to.deep.equal(['one', 'two']);
      } finally {
        await client.close();
      }
    });

    it('an empty queue completes at once', async () => {
      const got = await withSession(ACTIVEMQ.stompUrl(), (s) => lastValueFrom(s.browse(`/queue/browse-empty-${randomUUID()}`).pipe(toArray())));
      expect(got).to.deep.equal([]);
    });
  });

  describe('RabbitMQ 3.10', () => {
    requirePeers(PEERS.rabbitStomp);
    it('refuses with StompBrowseUnsupportedError before subscribing: the queue keeps its messages', async () => {
      const q = `/queue/browse-${randomUUID()}`;
      const { error, consumed } = await withSession(RABBITMQ.stompUrl(), async (s) => {
        await fill(s, q, ['a', 'b']);
        const error = await lastValueFrom(s.browse(q)).then(() => undefined, (e: unknown) => e);
        const consumed = await lastValueFrom(s.subscribe(q).pipe(take(2), toArray()));
        return { error, consumed };
      });
      expect(error).to.be.instanceOf(StompBrowseUnsupportedError);
      expect((error as StompBrowseUnsupportedError).server).to.match(/^RabbitMQ\//);
      expect(consumed.map((m) => m.text)).to.deep.equal(['a', 'b']);
    });
  });
});
