/**
 * consume() against RabbitMQ 3.10: a handler that fails asynchronously gets every attempt up to
 * maxDeliveries, then the message is rejected. On RabbitMQ a released message is not redelivered
 * on credit already out, and the receiver there tops credit up only when none is outstanding
 * (peer-quirks.ts), so before the grant-after-release rule the message was tried once and then
 * sat at the broker.
 */
import { expect } from 'chai';
import { firstValueFrom, of, take, toArray } from 'rxjs';
import { amqpClient, type AmqpClient } from '../../../../src/amqp/index.js';
import { unique } from '../../../support/amqp-connection.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('consume() against RabbitMQ 3.10', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);
  const clients: AmqpClient[] = [];
  afterEach(async () => { await Promise.all(clients.splice(0).map((c) => c.close())); });

  for (const concurrency of [1, 10]) {
    it(`an async handler that always fails is tried maxDeliveries times, then rejected (concurrency ${concurrency})`, async () => {
      const q = `/queue/${unique('consume-retry')}`;
      const c = amqpClient(RABBITMQ.amqpUrl());
      clients.push(c);
      let attempts = 0;
      const results = firstValueFrom(c.consume(q, async () => {
        attempts++;
        await sleep(10);
        throw new Error('handler failed');
      }, { concurrency, maxDeliveries: 3 }).pipe(take(3), toArray()));
      await sleep(300); // the consumer is attached before the message arrives
      await firstValueFrom(of({ body: 'flaky', messageId: 'flaky-1' }).pipe(c.send(q)));
      const r = await results;
      expect(r.map((x) => [x.outcome, x.attempt])).to.deep.equal([['released', 1], ['released', 2], ['rejected', 3]]);
      expect(attempts).to.equal(3);
    });
  }
});
