/**
 * The embedded broker with our own Rx client: send with outcomes, receive with manual credit
 * (in-flight never above the credit), fetch ending by drain, request/reply over a dynamic node.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, mergeMap, range, switchMap, take, toArray } from 'rxjs';
import { connect, type AmqpConnection } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';

describe('broker: rx-mq client', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  beforeEach(async () => { broker = await startBroker({ amqpPort: 0, users: { app: 'pw' } }); });
  afterEach(() => broker.close());

  const url = (): string => broker.amqpUrl.replace('amqp://', 'amqp://app:pw@');
  const withConn = <T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> =>
    firstValueFrom(connect(url()).pipe(switchMap((c) => from(f(c))), take(1)));

  it('sends on a session of its own (AmqpSession.send), not only on the default session', async () => {
    const outcomes = await firstValueFrom(connect(url()).pipe(
      switchMap((c) => c.session()),
      switchMap((s) => range(0, 3).pipe(map((i) => ({ body: i })), s.send('rx-session-q'), toArray())),
    ));
    expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted', 'accepted']);
    expect(broker.queue('rx-session-q')?.depth).to.equal(3);
  });

  it('sends and receives with credit, in-flight never above it', async () => {
    await withConn(async (c) => {
      const outcomes = await lastValueFrom(range(0, 50).pipe(map((i) => ({ body: i })), c.send('rx-q'), toArray()));
      expect(outcomes.map((o) => o.state)).to.deep.equal(Array(50).fill('accepted'));
      expect(broker.queue('rx-q')?.depth).to.equal(50);
      let inFlight = 0;
      let maxInFlight = 0;
      const got = await lastValueFrom(c.receive('rx-q', { credit: 5, settle: 'manual' }).pipe(
        mergeMap(async (m) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
          m.accept();
          return m.body as number;
        }, 50),
        take(50),
        toArray(),
      ));
      expect(got.slice().sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
      expect(maxInFlight).to.be.at.most(5);
      await new Promise((r) => setTimeout(r, 50));
      expect(broker.queue('rx-q')).to.deep.include({ depth: 0 });
    });
  });

  it('fetch takes what is there and ends on time through drain', async () => {
    await withConn(async (c) => {
      await lastValueFrom(from([{ body: 'a' }, { body: 'b' }]).pipe(c.send('fetch-q'), toArray()));
      const started = Date.now();
      const got = await lastValueFrom(c.fetch('fetch-q', { count: 5, timeout: 300 }).pipe(map((m) => m.body), toArray()));
      expect(got).to.deep.equal(['a', 'b']);
      expect(Date.now() - started).to.be.below(2_000);
    });
  });

  it('answers request/reply through a dynamic reply-to node', async () => {
    await withConn(async (c) => {
      const responder = c.receive('service').pipe(
        map((m) => ({ to: m.replyTo, correlationId: m.messageId, body: `re:${String(m.body)}` })),
        c.send(null),
      ).subscribe();
      try {
        const reply = await lastValueFrom(c.request('service', { body: 'ping' }, { timeout: 5_000 }));
        expect(reply.body).to.equal('re:ping');
      } finally {
        responder.unsubscribe();
      }
    });
  });
});
