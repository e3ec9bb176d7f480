/**
 * The send pump's generated message-ids (send-pump.ts): made when a message is first written, not
 * when it is queued, and kept for any re-send. What goes on the wire, what the outcome carries and
 * what a re-send after a lost connection writes are the same id; the application's objects are
 * never changed; `messageIds: false` and an application's own id are left alone.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { amqpClient, connect, type Message } from '../../../src/amqp/index.js';
import { decodeMessage } from '../../../src/amqp/rx/message.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { unique } from '../../support/amqp-connection.js';
import { answerAttach, frames, scriptedAmqpServer, honestLinks, type ScriptedAmqpServer } from '../../support/hostile-amqp-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('amqp/rx send pump: generated message-ids', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());

  it('queued before the link attaches (small and large bodies): the outcome\'s id is the one on the wire, every id distinct, the inputs untouched', async () => {
    const q = unique('ids');
    const big = new Uint8Array(300 * 1024).fill(7);
    const inputs: Message[] = Array.from({ length: 200 }, (_, i): Message => (i === 100 ? { body: big } : { body: `m${i}` }));
    const { outcomes, received } = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap(async (c) => {
      // All 200 are pushed synchronously, before the link is attached: every one is queued.
      const outcomes = await lastValueFrom(from(inputs).pipe(c.send(q), toArray()));
      const received = await lastValueFrom(c.receive(q).pipe(take(200), toArray()));
      return { outcomes, received };
    })));
    expect(outcomes.map((o) => o.state)).to.deep.equal(inputs.map(() => 'accepted'));
    const sentIds = outcomes.map((o) => o.message.messageId as string);
    for (const id of sentIds) expect(id).to.match(UUID);
    expect(new Set(sentIds).size).to.equal(200);
    expect(received.map((m) => m.messageId)).to.deep.equal(sentIds);
    expect((received[100].body as Uint8Array).length).to.equal(big.length);
    // The outcome carries the application's message plus the id; the application's objects are not changed.
    expect(outcomes[3].message.body).to.equal('m3');
    for (const m of inputs) expect(m.messageId).to.equal(undefined);
  });

  it('messageIds: false sends none, and an application\'s own id is kept as it is', async () => {
    const q = unique('no-ids');
    const received = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap(async (c) => {
      const outcomes = await lastValueFrom(from([{ body: 'a' }, { body: 'b', messageId: 'mine' }]).pipe(c.send(q, { messageIds: false }), toArray()));
      expect(outcomes.map((o) => o.message.messageId)).to.deep.equal([undefined, 'mine']);
      const own = await lastValueFrom(from([{ body: 'c', messageId: 'also-mine' }]).pipe(c.send(q), toArray()));
      expect(own[0].message.messageId).to.equal('also-mine');
      return lastValueFrom(c.receive(q).pipe(take(3), toArray()));
    })));
    expect(received.map((m) => m.messageId)).to.deep.equal([undefined, 'mine', 'also-mine']);
  });

  describe('across a lost connection (scripted server)', () => {
    let server: ScriptedAmqpServer;
    afterEach(() => server.close());

    it('a message re-sent after the connection was lost carries the id it first went out with', async () => {
      const accept = honestLinks(100);
      server = await scriptedAmqpServer({
        script: (p, ch, conn) => {
          if (server.connections.indexOf(conn) > 0) return accept(p, ch, conn);
          // The first connection takes the link and the transfers, settles nothing, then drops.
          if (p.kind === 'attach') {
            conn.write(frames([ch, answerAttach(p, p.handle)], [ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 65536, nextOutgoingId: 0, outgoingWindow: 65536, handle: p.handle, deliveryCount: 0, linkCredit: 100 }]));
            return true;
          }
          if (p.kind === 'transfer' && conn.received.filter((r) => r.performative.kind === 'transfer').length === 5) setTimeout(() => conn.socket.destroy(), 20);
          return p.kind === 'transfer';
        },
      });
      const client = amqpClient({ urls: [server.url], sasl: false, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
      try {
        const outcomes = await lastValueFrom(from(['0', '1', '2', '3', '4'].map((body) => ({ body }))).pipe(client.send('q'), toArray()));
        expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
        const idsOn = (n: number): Record<string, string> => Object.fromEntries(server.connections[n].received
          .filter((r) => r.payload !== undefined)
          .map((r) => { const m = decodeMessage(r.payload as Uint8Array); return [String(m.body), String(m.messageId)]; }));
        const first = idsOn(0);
        const again = idsOn(1);
        expect(Object.keys(first)).to.deep.equal(['0', '1', '2', '3', '4']);
        expect(again).to.deep.equal(first);
        expect(Object.fromEntries(outcomes.map((o) => [String(o.message.body), o.message.messageId]))).to.deep.equal(first);
      } finally {
        await client.close();
      }
    });
  });
});
