/**
 * `npx tsx bench/nest.ts [URL...]`: rx-mq/nest request/reply latency (sequential requests: median
 * and p99) and event throughput (emit N, until the handlers saw all N), against the embedded
 * broker (AMQP and STOMP) or the URLs given. A measurement, not a test.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { startBroker } from '../src/broker/index.js';
import { RxMqClient, RxMqServer, patternName, type RxMqConnectionOptions } from '../src/nest/index.js';

let seen = 0;
@Controller()
class BenchController {
  @MessagePattern('echo') echo(@Payload() n: number): number { return n; }
  @EventPattern('tick') tick(@Payload() _n: number): void { seen++; }
}
@Module({ controllers: [BenchController] })
class BenchModule {}

const REQUESTS = Number(process.env.REQUESTS ?? 2000);
const EVENTS = Number(process.env.EVENTS ?? 20000);

async function measure(url: string, connection: RxMqConnectionOptions): Promise<void> {
  const prefix = `bench-${Date.now()}-`;
  const address = (p: Parameters<typeof patternName>[0]): string => `/queue/${prefix}${patternName(p)}`;
  const app = await NestFactory.createMicroservice(BenchModule, { strategy: new RxMqServer({ url, ...connection, address, concurrency: 100 }), logger: ['error'] });
  await app.listen();
  const client = new RxMqClient({ url, ...connection, address });
  for (let i = 0; i < 200; i++) await firstValueFrom(client.send('echo', i)); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await firstValueFrom(client.send('echo', i));
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  seen = 0;
  const t0 = performance.now();
  // Emitted in windows of 1,000 confirmed events, as a producer that waits for the broker would.
  for (let sent = 0; sent < EVENTS; sent += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, EVENTS - sent) }, () => lastValueFrom(client.emit('tick', 1), { defaultValue: undefined })));
  }
  const emitted = performance.now() - t0;
  while (seen < EVENTS) await new Promise((r) => setTimeout(r, 5));
  const handled = performance.now() - t0;
  const scheme = url.split(':')[0];
  console.log(`${scheme.padEnd(6)} request/reply median ${times[Math.floor(times.length / 2)].toFixed(2)} ms, p99 ${times[Math.floor(times.length * 0.99)].toFixed(2)} ms (${REQUESTS} sequential); `
    + `events: ${EVENTS} emitted (confirmed) in ${emitted.toFixed(0)} ms, all handled after ${handled.toFixed(0)} ms = ${Math.round(EVENTS / (handled / 1000))}/s`);
  await client.close();
  await app.close();
}

async function main(): Promise<void> {
  const given = process.argv.slice(2);
  const broker = given.length === 0 ? await startBroker({ amqpPort: 0, stompPort: 0, wsPort: false }) : undefined;
  const urls = broker !== undefined ? [broker.amqpUrl, broker.stompUrl as string] : given;
  for (const url of urls) await measure(url, url.startsWith('amqp') ? { amqp: { hostname: process.env.AMQP_HOSTNAME } } : {});
  await broker?.close();
}
main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
