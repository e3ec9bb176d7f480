/**
 * RabbitMQ 3.10 and a virtual host in the AMQP URL (issue 22, item 11b): a plain path connects to
 * the default virtual host without an error, so the client warns; `/vhost:NAME` is read.
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { connect, type AmqpWarning } from '../../../../src/amqp/index.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('RabbitMQ and a virtual host in the AMQP URL (issue 22, item 11b)', function () {
  this.timeout(20_000);
  requirePeers(PEERS.rabbitAmqp);

  const warningsOf = async (url: string): Promise<AmqpWarning[]> => {
    const warnings: AmqpWarning[] = [];
    await firstValueFrom(connect({ url, onWarning: (w) => warnings.push(w) }));
    return warnings;
  };

  it('a plain path (silently the default virtual host) warns; /vhost:%2F does not', async () => {
    const w = await warningsOf(`${RABBITMQ.amqpUrl()}/no-such-vhost`);
    expect(w.map((x) => x.code)).to.deep.equal(['rabbitmq-vhost-path']);
    expect(w[0].message).to.include('/vhost:no-such-vhost');
    expect(await warningsOf(`${RABBITMQ.amqpUrl()}/vhost:%2F`)).to.deep.equal([]);
    expect(await warningsOf(RABBITMQ.amqpUrl())).to.deep.equal([]);
  });
});
