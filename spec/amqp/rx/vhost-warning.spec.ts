/**
 * A virtual host in an AMQP URL that RabbitMQ will not read as one (issue 22, item 11b): RabbitMQ
 * 3.x selects a virtual host only by open.hostname `vhost:NAME` and silently uses its default one
 * for anything else, so `amqp://host/orders` connects to "/". The client warns, once, through
 * `onWarning` (default console.warn). Here rhea plays a peer that calls itself RabbitMQ in its
 * open properties; spec/interop/amqp/rx/vhost-warning-rabbitmq.spec.ts asks RabbitMQ itself.
 */
import { expect } from 'chai';
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import { firstValueFrom } from 'rxjs';
import { connect, type AmqpWarning } from '../../../src/amqp/index.js';
import { virtualHostWarning } from '../../../src/amqp/rx/warnings.js';
import { fromNative } from '../../../src/amqp/codec/native.js';
import type { AmqpMap } from '../../../src/amqp/codec/types.js';

const props = (o: Record<string, string>): AmqpMap => fromNative(o) as AmqpMap;

describe('amqp/rx: a URL virtual host that RabbitMQ will not read', function () {
  this.timeout(10_000);

  it('virtualHostWarning: only for RabbitMQ, only without the vhost: prefix', () => {
    const w = virtualHostWarning('orders', props({ product: 'RabbitMQ', version: '3.10.8' }));
    expect(w?.code).to.equal('rabbitmq-vhost-path');
    expect(w?.message).to.include('/vhost:orders').and.include("hostname: 'vhost:orders'");
    expect(virtualHostWarning('/', props({ product: 'RabbitMQ' }))?.message).to.include('/vhost:%2F');
    expect(virtualHostWarning('vhost:orders', props({ product: 'RabbitMQ' }))).to.equal(undefined);
    expect(virtualHostWarning('orders', props({ product: 'apache-activemq-artemis' }))).to.equal(undefined);
    expect(virtualHostWarning('orders', undefined)).to.equal(undefined);
  });

  describe('connect() to a peer calling itself RabbitMQ', () => {
    let server: Server;
    let port: number;
    before(async () => {
      const container = rhea.create_container({ id: 'fake-rabbit' });
      container.on('disconnected', () => {});
      server = (container.listen.bind(container) as unknown as (o: object) => Server)({ port: 0, host: '127.0.0.1', properties: { product: 'RabbitMQ', version: '3.10.8' } });
      await new Promise<void>((r) => server.once('listening', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    after(() => { server.close(); });

    const open = async (url: string, extra: object = {}): Promise<AmqpWarning[]> => {
      const warnings: AmqpWarning[] = [];
      await firstValueFrom(connect({ url, onWarning: (w) => warnings.push(w), ...extra }));
      return warnings;
    };

    it('warns for a URL path, not for /vhost:NAME, the hostname option or no path', async () => {
      expect((await open(`amqp://127.0.0.1:${port}/orders`)).map((w) => w.code)).to.deep.equal(['rabbitmq-vhost-path']);
      expect(await open(`amqp://127.0.0.1:${port}/vhost:orders`)).to.deep.equal([]);
      expect(await open(`amqp://127.0.0.1:${port}/orders`, { hostname: 'vhost:orders' })).to.deep.equal([]);
      expect(await open(`amqp://127.0.0.1:${port}`)).to.deep.equal([]);
    });

    it('by default: console.warn, once per message however often it connects', async () => {
      const seen: unknown[][] = [];
      const original = console.warn;
      console.warn = (...a: unknown[]) => { seen.push(a); };
      try {
        for (let i = 0; i < 3; i++) await firstValueFrom(connect(`amqp://127.0.0.1:${port}/once-only`));
      } finally {
        console.warn = original;
      }
      expect(seen).to.have.length(1);
      expect(String(seen[0][0])).to.match(/^rx-mq: the URL names the virtual host 'once-only'.*onWarning/);
    });
  });
});
