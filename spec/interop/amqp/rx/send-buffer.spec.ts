/**
 * The send operators against RabbitMQ 3.10 (issue 22, items 9 and 12): a synchronous range of
 * 10,000 messages with the default options is sent whole, and a hot Subject that emits 500
 * messages right after subscribe, before the link is attached, gets 500 outcomes, on `connect()`
 * and on `amqpClient`. Every message is then read back from the queue.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, range, Subject, switchMap, take, toArray } from 'rxjs';
import { amqpClient, connect, type AmqpConnection, type Message, type Outcome } from '../../../../src/amqp/index.js';
import { unique, withConnection } from '../../../support/amqp-connection.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

const RABBIT = { url: RABBITMQ.amqpUrl(), hostname: 'localhost' };

function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[o.state] = (t[o.state] ?? 0) + 1;
  return t;
}

/** The bodies of the next `n` messages of `q` (which also empties it), sorted. */
const drain = (c: AmqpConnection, q: string, n: number): Promise<number[]> =>
  lastValueFrom(c.receive<number>(q, { credit: 500 }).pipe(take(n), map((m) => m.body as number), toArray()))
    .then((b) => b.sort((x, y) => x - y));

const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Send 500 messages from a hot Subject that emits them right after subscribing `send`. */
async function hotBurst(send: (s: Subject<Message<number>>) => Promise<Outcome<number>[]>): Promise<Outcome<number>[]> {
  const subject = new Subject<Message<number>>();
  const done = send(subject);
  for (let i = 0; i < 500; i++) subject.next({ body: i });
  subject.complete();
  return done;
}

describe('amqp/rx send buffer against RabbitMQ 3.10', function () {
  this.timeout(60_000);
  requirePeers(PEERS.rabbitAmqp);

  it('range(0, 10000).pipe(map, send(q)) with the default options: 10,000 accepted, all on the queue', async () => {
    const q = `/queue/${unique('range')}`;
    await withConnection(RABBIT, async (c) => {
      const outcomes = await lastValueFrom(range(0, 10_000).pipe(map((i) => ({ body: i })), c.send<number>(q), toArray()));
      expect(tally(outcomes)).to.deep.equal({ accepted: 10_000 });
      expect(await drain(c, q, 10_000)).to.deep.equal(upTo(10_000));
    });
  });

  it('a hot Subject emitting 500 right after subscribe gets 500 outcomes (connect)', async () => {
    const q = `/queue/${unique('hot')}`;
    await withConnection(RABBIT, async (c) => {
      const outcomes = await hotBurst((s) => lastValueFrom(s.pipe(c.send<number>(q), toArray())));
      expect(tally(outcomes)).to.deep.equal({ accepted: 500 });
      expect(await drain(c, q, 500)).to.deep.equal(upTo(500));
    });
  });

  it('a hot Subject emitting 500 right after subscribe gets 500 outcomes (amqpClient)', async () => {
    const q = `/queue/${unique('hot-client')}`;
    const client = amqpClient({ urls: RABBIT.url, hostname: RABBIT.hostname });
    try {
      const outcomes = await hotBurst((s) => lastValueFrom(s.pipe(client.send<number>(q), toArray())));
      expect(tally(outcomes)).to.deep.equal({ accepted: 500 });
    } finally {
      await client.close();
    }
    expect(await firstValueFrom(connect(RABBIT).pipe(switchMap((c) => from(drain(c, q, 500)))))).to.deep.equal(upTo(500));
  });
});
