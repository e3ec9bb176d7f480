/**
 * `npm run example:nest`: a Nest microservice on rx-mq and a Nest client calling it, against the
 * embedded broker (no broker to install). Pass a URL to use your own broker instead, e.g.
 * `npm run example:nest -- stomp://guest:guest@127.0.0.1:61613/%2F`.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { startBroker } from '../../src/broker/index.js';
import { RxMqClient, RxMqServer } from '../../src/nest/index.js';
import { LEDGER, OrdersController, type Ledger } from './orders.controller.js';

async function main(): Promise<void> {
  const broker = process.argv[2] === undefined ? await startBroker({ amqpPort: 0, stompPort: 0, wsPort: false }) : undefined;
  const urls = broker !== undefined ? [broker.amqpUrl, broker.stompUrl as string] : [process.argv[2]];
  try {
    for (const url of urls) {
      const ledger: Ledger = { shipped: [] };
      @Module({ controllers: [OrdersController], providers: [{ provide: LEDGER, useValue: ledger }] })
      class OrdersModule {}

      // The service: every pattern listens on /queue/<pattern>, 5 messages at a time.
      const app = await NestFactory.createMicroservice(OrdersModule, { strategy: new RxMqServer({ url, concurrency: 5 }), logger: ['error', 'warn'] });
      await app.listen();

      // The caller (in an app: ClientsModule.register([{ name: 'ORDERS', customClass: RxMqClient, options: { url } }])).
      const client = new RxMqClient({ url, timeout: 5000 });
      const quote = await firstValueFrom(client.send({ cmd: 'quote' }, { id: 'A-1', items: 3, price: 7 }));
      console.log(`${url.split(':')[0]}: quote`, JSON.stringify(quote));
      const refused = await firstValueFrom(client.send({ cmd: 'quote' }, { id: 'A-2', items: 0, price: 7 })).catch((e: unknown) => e);
      console.log(`${url.split(':')[0]}: refused`, JSON.stringify(refused));
      // emit() completes when the broker has the event; the service handles it soon after.
      await Promise.all(['A-1', 'A-3'].map((id) => lastValueFrom(client.emit('order.shipped', { id, items: 1, price: 1 }), { defaultValue: undefined })));
      for (let i = 0; i < 100 && ledger.shipped.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      console.log(`${url.split(':')[0]}: shipped`, JSON.stringify(ledger.shipped.sort()));

      await client.close();
      await app.close(); // lets running handlers finish, then detaches
    }
  } finally {
    await broker?.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
