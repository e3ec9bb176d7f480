/**
 * The send operators take everything their upstream gives them (issue 22, items 9 and 12): a
 * synchronous array of any size that fits the byte bound is sent whole, past the bound the error is
 * typed and names bytes, and a hot source emitting before the link is attached loses nothing, on
 * `connect()` and on `amqpClient`.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, range, Subject, switchMap, toArray } from 'rxjs';
import { amqpClient, connect, SendBufferOverflowError, type Message, type Outcome } from '../../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../../src/broker/index.js';
import { unique } from '../../support/amqp-connection.js';

const MiB = 1024 * 1024;

/** Count outcomes by state. */
function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[o.state] = (t[o.state] ?? 0) + 1;
  return t;
}

describe('amqp/rx send buffer (embedded broker)', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false }); });
  after(() => broker.close());

  it('sends a synchronous range of 10,000 messages with the default options: 10,000 accepted', async () => {
    const q = unique('range');
    const outcomes = await firstValueFrom(connect(broker.amqpUrl).pipe(
      switchMap((c) => range(0, 10_000).pipe(map((i): Message => ({ body: { i } })), c.send(q), toArray())),
    ));
    expect(tally(outcomes)).to.deep.equal({ accepted: 10_000 });
    expect(broker.queue(q)?.depth).to.equal(10_000);
  });

  it('a 70 MiB synchronous burst overflows the default 64 MiB bound with a typed error naming bytes', async () => {
    const q = unique('burst');
    const chunk = new Uint8Array(MiB);
    const err = await firstValueFrom(connect(broker.amqpUrl).pipe(
      switchMap((c) => range(0, 70).pipe(map(() => ({ body: chunk })), c.send(q), toArray())),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(SendBufferOverflowError);
    const e = err as SendBufferOverflowError;
    expect(e.unit).to.equal('bytes');
    expect(e.limit).to.equal(64 * MiB);
    expect(e.message).to.match(/bytes/).and.to.match(/bufferBytes/).and.not.to.match(/concatMap/);
  });

  it('the count bound is optional and still typed when given', async () => {
    const q = unique('count');
    const err = await firstValueFrom(connect(broker.amqpUrl).pipe(
      switchMap((c) => range(0, 100).pipe(map((i) => ({ body: i })), c.send(q, { bufferSize: 10 }), toArray())),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(SendBufferOverflowError);
    expect((err as SendBufferOverflowError).unit).to.equal('messages');
    expect((err as SendBufferOverflowError).limit).to.equal(10);
  });

  it('a hot Subject emitting 500 messages right after subscribe gets 500 outcomes (connect)', async () => {
    const q = unique('hot');
    const outcomes = await firstValueFrom(connect(broker.amqpUrl).pipe(switchMap((c) => {
      const subject = new Subject<Message>();
      const done = lastValueFrom(subject.pipe(c.send(q), toArray()));
      for (let i = 0; i < 500; i++) subject.next({ body: i });
      subject.complete();
      return from(done);
    })));
    expect(tally(outcomes)).to.deep.equal({ accepted: 500 });
    expect(broker.queue(q)?.depth).to.equal(500);
  });

  it('a hot Subject emitting 500 messages right after subscribe gets 500 outcomes (amqpClient)', async () => {
    const q = unique('hot-client');
    const client = amqpClient(broker.amqpUrl);
    try {
      const subject = new Subject<Message>();
      const done = lastValueFrom(subject.pipe(client.send(q), toArray()));
      for (let i = 0; i < 500; i++) subject.next({ body: i });
      subject.complete();
      expect(tally(await done)).to.deep.equal({ accepted: 500 });
      expect(broker.queue(q)?.depth).to.equal(500);
    } finally {
      await client.close();
    }
  });
});
