/**
 * Settle modes and link details against RabbitMQ 3.10 (AMQP 1.0 plugin), as it really behaves:
 * receive-and-delete works (pre-settled deliveries, the queue forgets them); rcv-settle-mode
 * 'second' and dynamic targets are refused by ending the session with amqp:not-implemented, which
 * reaches the caller as that typed error; link properties, target capabilities, connection
 * properties and desired capabilities are accepted; a message-format is accepted and not kept.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs';
import { AmqpError } from '../../../../src/amqp/index.js';
import { unique, withConnection } from '../../../support/amqp-connection.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('amqp/rx settle modes and link details (RabbitMQ)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);
  const url = RABBITMQ.amqpUrl();

  it("receive-and-delete: pre-settled deliveries, no disposition from us, nothing left in the queue", async () => {
    const q = `/queue/${unique('rad')}`;
    const trace: string[] = [];
    const r = await withConnection({ url, trace: (l) => trace.push(l), properties: { 'x-test': 'settle-modes' } }, async (c) => {
      await lastValueFrom(from([{ body: 'a' }, { body: 'b' }]).pipe(c.send(q, { properties: { 'x-link': 1 }, targetCapabilities: ['queue'] }), toArray()));
      const got = await firstValueFrom(c.receive<string>(q, { sndSettleMode: 'settled' }).pipe(take(2), toArray()));
      const left = await firstValueFrom(c.fetch(q, { count: 1, timeout: 500 }).pipe(toArray()));
      return { bodies: got.map((m) => m.body), presettled: got.map((m) => m.presettled), left: left.length };
    });
    expect(r).to.deep.equal({ bodies: ['a', 'b'], presettled: [true, true], left: 0 });
    const ours = trace.filter((l) => l.includes('-> @disposition'));
    // The fetch's drain may settle nothing: no disposition at all came from the receive-and-delete link.
    expect(ours).to.deep.equal([]);
  });

  it("rcv-settle-mode 'second': RabbitMQ 3.10 refuses it (session ended, amqp:not-implemented), a typed error", async () => {
    const q = `/queue/${unique('second')}`;
    const err = await withConnection({ url }, (c) => firstValueFrom(c.receive(q, { rcvSettleMode: 'second' })).catch((e: unknown) => e));
    expect(err).to.be.instanceOf(AmqpError);
    expect(err).to.include({ condition: 'amqp:not-implemented' });
  });

  it('a dynamic target is refused by RabbitMQ 3.10 (session ended, amqp:not-implemented), a typed error', async () => {
    const err = await withConnection({ url }, (c) => firstValueFrom(c.attachSender({ dynamic: true })).catch((e: unknown) => e));
    expect(err).to.be.instanceOf(AmqpError);
    expect(err).to.include({ condition: 'amqp:not-implemented' });
  });

  it('connection properties and desired capabilities are accepted, the peer\'s are readable; a message-format is accepted but not kept', async () => {
    const q = `/queue/${unique('fmt')}`;
    const trace: string[] = [];
    const r = await withConnection({ url, properties: { 'x-client': 'rx-mq-interop' }, desiredCapabilities: ['x-nothing'], trace: (l) => trace.push(l) }, async (c) => {
      const outcomes = await lastValueFrom(from([{ body: 'batch' }]).pipe(c.send(q, { messageFormat: 0x80013700 }), toArray()));
      const m = await firstValueFrom(c.receive<string>(q).pipe(take(1)));
      return { product: c.remoteProperties.product, desired: c.remoteDesiredCapabilities, outcome: outcomes[0].state, body: m.body, format: m.messageFormat };
    });
    // Measured on RabbitMQ 3.10.8: the transfer's format is accepted, the message comes back as format 0.
    expect(r).to.deep.equal({ product: 'RabbitMQ', desired: [], outcome: 'accepted', body: 'batch', format: 0 });
    expect(trace.find((l) => l.includes('-> @transfer'))).to.match(/message-format=2147563264|message-format=0x80013700/);
    expect(trace.find((l) => l.includes('-> @open'))).to.match(/x-client/);
  });
});
