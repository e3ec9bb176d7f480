/**
 * amqpClient reports link and session errors to the stream that caused them (issue 22, item 2),
 * against rhea scripted like RabbitMQ 3.10 (rhea-queue.ts): an attach naming a missing node ends
 * the whole session with amqp:not-found, a refused one is detached with an error. Each stream
 * errors with a typed AmqpError within a second; the client stays open on its one connection and
 * its other streams keep working on a new default session.
 */
import { expect } from 'chai';
import { filter, firstValueFrom, from, lastValueFrom, map, toArray, type Observable } from 'rxjs';
import { AmqpError, amqpClient, SessionEndedError, type AmqpClient, type ClientState } from '../../../src/amqp/index.js';
import { startRheaQueue, type RheaQueue } from './rhea-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error `obs` ends with, and how long after subscribing; fails if it completes or stays silent for 3 s. */
async function errorOf(obs: Observable<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  const error = await lastValueFrom(obs, { defaultValue: undefined }).then(
    () => new Error('completed instead of erroring'),
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - t0 };
}

describe('amqp/rx amqpClient: link and session errors reach their stream', function () {
  this.timeout(10_000);
  let peer: RheaQueue;
  let client: AmqpClient;
  let states: ClientState[];
  beforeEach(async () => {
    peer = await startRheaQueue();
    client = amqpClient({ urls: peer.url, sasl: false, reconnect: { initialDelayMs: 10 } });
    states = [];
    client.state$.subscribe((s) => states.push(s));
  });
  afterEach(async () => {
    await client.close();
    await peer.close();
  });

  /** The client connected once and never left `open`. */
  const stayedOpen = (): void => {
    expect(states.map((s) => s.state).filter((s) => s !== 'closed')).to.deep.equal(['connecting', 'open']);
    expect(peer.connections, 'connections').to.equal(1);
  };

  const cases: readonly (readonly [string, (address: string) => Observable<unknown>])[] = [
    ['receive', (a) => client.receive(a)],
    ['fetch', (a) => client.fetch(a, { count: 1, timeout: 5000 })],
    ['send', (a) => from([{ body: 1 }]).pipe(client.send(a))],
    ['request (the request link refused; the reply link is fine)', (a) => client.request(a, { body: 'ping' }, { timeout: 5000 })],
  ];
  for (const [name, op] of cases) {
    it(`${name}: a session ended by the peer for its attach errors with amqp:not-found within 1 s, the client stays open`, async () => {
      // Something else holds the connection open, so that a reconnect would show in the states.
      const other = client.receive('good').subscribe();
      await firstValueFrom(client.state$.pipe(filter((s) => s.state === 'open')));
      const { error, ms } = await errorOf(op('missing-node'));
      expect(error).to.be.instanceOf(AmqpError);
      expect(error).not.to.be.instanceOf(SessionEndedError);
      expect((error as AmqpError).condition).to.equal('amqp:not-found');
      expect(ms, 'ms to the error').to.be.below(1000);
      await sleep(100);
      other.unsubscribe();
      stayedOpen();
      expect(peer.sessionsEnded).to.equal(1);
    });

    it(`${name}: a link detached by the peer with an error errors with it within 1 s`, async () => {
      const { error, ms } = await errorOf(op('refused-node'));
      expect(error).to.be.instanceOf(AmqpError);
      expect((error as AmqpError).condition).to.equal('amqp:unauthorized-access');
      expect(ms, 'ms to the error').to.be.below(1000);
      stayedOpen();
    });
  }

  it('other streams outlive a session the peer ended for another stream: they re-attach and keep receiving, sending and requesting', async () => {
    const got: unknown[] = [];
    let ended: unknown = 'no';
    const sub = client.receive('good').subscribe({ next: (m) => got.push(m.body), error: (e) => { ended = e; }, complete: () => { ended = 'complete'; } });
    peer.put('good', ['before']);
    for (let i = 0; i < 40 && got.length === 0; i++) await sleep(10);
    const { error } = await errorOf(client.receive('missing-node'));
    expect((error as AmqpError).condition).to.equal('amqp:not-found');
    peer.put('good', ['after']);
    for (let i = 0; i < 100 && got.length < 2; i++) await sleep(10);
    expect(got).to.deep.equal(['before', 'after']);
    expect(ended).to.equal('no');
    const outcomes = await lastValueFrom(from([{ body: 'sent' }]).pipe(client.send('good'), map((o) => o.state), toArray()));
    expect(outcomes).to.deep.equal(['accepted']);
    const reply = await firstValueFrom(client.request('echo', { body: 'ping' }, { timeout: 2000 }));
    expect(reply.body).to.equal('ping');
    for (let i = 0; i < 100 && got.length < 3; i++) await sleep(10);
    expect(got).to.deep.equal(['before', 'after', 'sent']);
    sub.unsubscribe();
    stayedOpen();
  });

  it('a fetch under way when the peer ends its session for another stream still gets its messages', async () => {
    const fetched = lastValueFrom(client.fetch('slow', { count: 2, timeout: 3000 }).pipe(map((m) => m.body), toArray()));
    peer.put('slow', ['one']);
    await sleep(100);
    await errorOf(client.receive('missing-node'));
    peer.put('slow', ['two']);
    expect(await fetched).to.deep.equal(['one', 'two']);
    stayedOpen();
  });

  it('other streams survive one session end after another (no give-up, no reconnect)', async () => {
    const got: unknown[] = [];
    let ended: unknown = 'no';
    const sub = client.receive('good').subscribe({ next: (m) => got.push(m.body), error: (e) => { ended = e; } });
    await firstValueFrom(client.state$.pipe(filter((s) => s.state === 'open')));
    for (let i = 0; i < 5; i++) expect((await errorOf(client.receive(`missing-${i}`))).error).to.be.instanceOf(AmqpError);
    peer.put('good', ['still']);
    for (let i = 0; i < 300 && got.length === 0; i++) await sleep(10);
    expect(got).to.deep.equal(['still']);
    expect(ended).to.equal('no');
    expect(peer.sessionsEnded).to.equal(5);
    sub.unsubscribe();
    stayedOpen();
  });

  it('a link whose session the peer keeps ending once it is attached is re-attached with a growing delay, not in a loop', async () => {
    const sub = client.receive('doomed').subscribe();
    await sleep(1000);
    sub.unsubscribe();
    // Attach, end 20 ms later, again after 0, 100, 200, 400 ms: 5 attaches in a second (without the
    // delay, one per ~25 ms: about 40).
    expect(peer.attaches('doomed')).to.be.within(3, 6);
    stayedOpen();
  });
});
