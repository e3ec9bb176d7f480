/**
 * amqpClient against RabbitMQ 3.10 (AMQP 1.0): errors reach the stream that caused them, and an
 * errored receive strands nothing (issue 22, items 2 and 4).
 * - RabbitMQ ends the whole session with amqp:not-found when an attach names a missing exchange:
 *   receive, fetch and send error with that AmqpError within a second, the client stays open on
 *   its one connection and its other streams keep working. request() and a dynamic receive error at
 *   once too, without attaching (DynamicNodesUnsupportedError, amqp:not-implemented: RabbitMQ 3.x
 *   has no dynamic nodes and would end the whole session).
 * - A manual receive in a bufferCount/concatMap pipeline that throws in batch 3, under retry(2),
 *   completes with every message processed once, and RabbitMQ holds nothing unacknowledged while
 *   the connection is still open (counted with `rabbitmqctl list_queues`).
 * - A receive that ends with credit outstanding strands nothing: RabbitMQ 3.x keeps deliveries that
 *   were on their way when a detach arrived unacknowledged until the session ends, which the
 *   receiver avoids by taking its credit back first (quiesce.ts). The pipeline above stalled on
 *   that in about 3% of runs; take(n) from a full queue with a large credit does it nearly always.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  filter, firstValueFrom, from, lastValueFrom, map, range, take, timeout, toArray, type Observable,
} from 'rxjs';
import { AmqpError, amqpClient, type AmqpClient, type ClientState } from '../../../../src/amqp/index.js';
import { unique } from '../../../support/amqp-connection.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';
import { batchesFailingOnce } from '../../../support/amqp-stranded-pipeline.js';

const RABBIT = { urls: RABBITMQ.amqpUrl(), hostname: 'localhost' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error `obs` ends with and how long it took; an Error saying so when it completes, a TimeoutError when silent for 5 s. */
async function errorOf(obs: Observable<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = Date.now();
  const error = await lastValueFrom(obs.pipe(timeout(5000)), { defaultValue: undefined }).then(
    () => new Error('completed instead of erroring'),
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - t0 };
}

/** Ready and unacknowledged messages of queue `name` in the default vhost, as RabbitMQ counts them. */
function queueCounts(name: string): { ready: number; unacked: number } {
  const out = execFileSync('rabbitmqctl', ['list_queues', '-q', 'name', 'messages_ready', 'messages_unacknowledged'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [n, ready, unacked] = line.trim().split(/\s+/);
    if (n === name) return { ready: Number(ready), unacked: Number(unacked) };
  }
  throw new Error(`queue ${name} not listed`);
}

describe('amqpClient errors and releases against RabbitMQ 3.10', function () {
  requirePeers(PEERS.rabbitAmqp);
  this.timeout(60_000);
  let client: AmqpClient;
  let states: ClientState[];
  beforeEach(() => {
    client = amqpClient(RABBIT);
    states = [];
    client.state$.subscribe((s) => states.push(s));
  });
  afterEach(() => client.close());

  const cases: readonly (readonly [string, () => Observable<unknown>, string])[] = [
    ['receive', () => client.receive('/exchange/missing'), 'amqp:not-found'],
    ['fetch', () => client.fetch('/exchange/missing', { count: 1, timeout: 5000 }), 'amqp:not-found'],
    ['send', () => from([{ body: 'x' }]).pipe(client.send('/exchange/missing/key')), 'amqp:not-found'],
    ['request', () => client.request('/exchange/missing', { body: 'x' }), 'amqp:not-implemented'],
    // Refused before attaching (DynamicNodesUnsupportedError): RabbitMQ would end the whole session.
    ['receive (dynamic source)', () => client.receive({ dynamic: true }), 'amqp:not-implemented'],
  ];
  for (const [name, op, condition] of cases) {
    it(`${name} on /exchange/missing errors with AmqpError ${condition} within 1 s; the client stays open and its other streams work`, async () => {
      const q = `/queue/${unique('errors-other')}`;
      const got: unknown[] = [];
      const other = client.receive(q).subscribe((m) => got.push(m.body));
      await firstValueFrom(client.state$.pipe(filter((s) => s.state === 'open')));
      await sleep(100);
      const { error, ms } = await errorOf(op());
      expect(error).to.be.instanceOf(AmqpError);
      expect((error as AmqpError).condition).to.equal(condition);
      expect(ms, 'ms to the error').to.be.below(1000);
      await lastValueFrom(from([{ body: 'still' }]).pipe(client.send(q)));
      for (let i = 0; i < 100 && got.length === 0; i++) await sleep(20);
      other.unsubscribe();
      expect(got).to.deep.equal(['still']);
      expect(states.map((s) => s.state).filter((s) => s !== 'closed')).to.deep.equal(['connecting', 'open']);
    });
  }

  it('receive + bufferCount(10) + concatMap throwing in batch 3 + retry(2): completes, each message processed once, 0 unacknowledged', async () => {
    const name = unique('errors-stranded');
    const q = `/queue/${name}`;
    await lastValueFrom(range(0, 50).pipe(map((i) => ({ body: i })), client.send(q), toArray()));
    // Another stream keeps the connection open while the queue is counted.
    const keep = client.receive(`/queue/${unique('errors-keep')}`).subscribe();
    const t0 = Date.now();
    const processed = await lastValueFrom(batchesFailingOnce((o) => client.receive(q, o)).pipe(timeout(15_000)));
    const ms = Date.now() - t0;
    await sleep(300); // the last accepts reach the broker
    const counts = queueCounts(name);
    keep.unsubscribe();
    expect([...processed].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(counts).to.deep.equal({ ready: 0, unacked: 0 });
    expect(ms, 'ms for the pipeline').to.be.below(5000);
  });

  it('take(5) from a receive with credit 100, 20 times on one connection: 100 taken, the rest ready again, 0 unacknowledged', async () => {
    const name = unique('errors-take');
    const q = `/queue/${name}`;
    await lastValueFrom(range(0, 500).pipe(map((i) => ({ body: i })), client.send(q), toArray()));
    const keep = client.receive(`/queue/${unique('errors-keep')}`).subscribe();
    const taken: number[] = [];
    for (let round = 0; round < 20; round++) {
      const bodies = await lastValueFrom(client.receive(q, { credit: 100 }).pipe(map((m) => m.body as number), take(5), toArray(), timeout(5000)));
      taken.push(...bodies);
    }
    await sleep(300); // the last detach reaches the broker
    const counts = queueCounts(name);
    keep.unsubscribe();
    expect(new Set(taken).size, 'distinct bodies taken').to.equal(100);
    expect(counts).to.deep.equal({ ready: 400, unacked: 0 });
  });
});
