/**
 * The Nest transport's behaviour, run against any broker: the embedded one (spec/nest) and
 * RabbitMQ over AMQP 1.0 and STOMP (spec/interop/nest). Each case uses its own queues.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, map, take, timeout, toArray } from 'rxjs';
import { amqpClient } from '../../src/amqp/index.js';
import { protocolOf, type AddressMapper, type RxMqConnectionOptions } from '../../src/nest/index.js';
import { stompClient } from '../../src/stomp/index.js';
import { nestKit, type NestKit } from './app.js';

/** Where a case runs. `unsettled(queue)`: what the broker holds delivered but unsettled, where it can tell. */
export interface NestTarget {
  readonly url: string;
  readonly connection?: RxMqConnectionOptions;
  /** Delivered but unsettled messages of a queue (by name without /queue/), where the broker can tell. */
  readonly unsettled?: (queue: string) => number | undefined;
  /** Messages in a queue (by name without /queue/), where the broker can tell. */
  readonly depth?: (queue: string) => number | undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An address mapper that puts every queue of one case under its own prefix (and shows the override). */
export function prefixed(prefix: string): AddressMapper {
  return (p) => `/queue/${prefix}${kit.nest.patternName(p)}`;
}
let kit: NestKit;

/** One message of `address` read with rx-mq's own client of the target's protocol: its body text and its `x-rxmq-error`. */
async function readOne(t: NestTarget, address: string): Promise<{ text: string; error: unknown }> {
  if (protocolOf(t.url) === 'amqp') {
    const c = amqpClient({ ...t.connection?.amqp, urls: t.url });
    try {
      return await firstValueFrom(c.receive(address).pipe(
        map((m) => ({ text: new TextDecoder().decode(m.body as Uint8Array), error: m.applicationProperties?.['x-rxmq-error'] })),
        take(1), timeout(10_000)));
    } finally {
      await c.close();
    }
  }
  const c = stompClient({ ...t.connection?.stomp, url: t.url });
  try {
    return await firstValueFrom(c.subscribe(address).pipe(map((m) => ({ text: m.text, error: m.headers['x-rxmq-error'] })), take(1), timeout(10_000)));
  } finally {
    await c.close();
  }
}

const unique = (): string => `nest-${globalThis.crypto.randomUUID().slice(0, 8)}-`;

export function nestCases(target: () => NestTarget): void {
  let startApp: NestKit['startApp'];
  let RxMqClient: NestKit['nest']['RxMqClient'];
  before(async () => {
    kit = await nestKit();
    startApp = kit.startApp;
    RxMqClient = kit.nest.RxMqClient;
  });

  it('answers requests: values, promises, object patterns, streams, 1,000 at once (ClientsModule)', async function () {
    this.timeout(20_000);
    const t = target();
    const address = prefixed(unique());
    const { app } = await startApp({ url: t.url, ...t.connection, address, concurrency: 50 });
    const { ctx, client } = await kit.startCaller({ url: t.url, ...t.connection, address });
    try {
      expect(await firstValueFrom(client.send<number>('sum', [1, 2, 3]))).to.equal(6);
      expect(await firstValueFrom(client.send<number>({ v: 1, cmd: 'double' }, 21))).to.equal(42);
      expect(await lastValueFrom(client.send<number>('count', 4).pipe(toArray()))).to.deep.equal([1, 2, 3, 4]);
      const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => firstValueFrom(client.send<number>('sum', [i, 1]))));
      expect(answers).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    } finally {
      await ctx.close();
      await app.close();
    }
  });

  it('turns an RpcException into an error the client rethrows', async () => {
    const t = target();
    const address = prefixed(unique());
    const { app } = await startApp({ url: t.url, ...t.connection, address });
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      const err = await firstValueFrom(client.send('fail', {})).then(() => undefined, (e: unknown) => e);
      expect(err).to.deep.equal({ code: 'E_NOPE', message: 'refused on purpose' });
      // The client and server go on after the error.
      expect(await firstValueFrom(client.send<number>('sum', [2, 2]))).to.equal(4);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('times out a request nobody answers', async () => {
    const t = target();
    const client = new RxMqClient({ url: t.url, ...t.connection, address: prefixed(unique()), timeout: 300 });
    try {
      const err = await firstValueFrom(client.send('nobody-listens', 1)).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Error);
      expect((err as Error).name).to.equal('TimeoutError');
    } finally {
      await client.close();
    }
  });

  it('runs events at most `concurrency` at a time, settled on completion', async function () {
    this.timeout(15_000);
    const t = target();
    const prefix = unique();
    const address = prefixed(prefix);
    const { app, probe } = await startApp({ url: t.url, ...t.connection, address, concurrency: 3 });
    const unsettled: number[] = [];
    probe.onStart = () => {
      const u = t.unsettled?.(`${prefix}slow`);
      if (u !== undefined) unsettled.push(u);
    };
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      // emit() completes when the broker has the event.
      await Promise.all(Array.from({ length: 15 }, (_, i) => lastValueFrom(client.emit('slow', { i }), { defaultValue: undefined })));
      for (let i = 0; i < 200 && probe.done.length < 15; i++) await sleep(25);
      expect([...probe.done].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 15 }, (_, i) => i));
      expect(probe.maxInFlight).to.equal(3);
      if (t.unsettled !== undefined) {
        expect(unsettled.length).to.equal(15);
        expect(Math.max(...unsettled)).to.be.at.most(3);
        expect(Math.max(...unsettled)).to.be.at.least(1);
      }
      await sleep(50);
      if (t.depth !== undefined) expect(t.depth(`${prefix}slow`)).to.equal(0);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('releases a failing event for redelivery and rejects it after maxDeliveries', async function () {
    this.timeout(15_000);
    const t = target();
    const prefix = unique();
    const address = prefixed(prefix);
    const { app, probe } = await startApp({ url: t.url, ...t.connection, address, maxDeliveries: 3 });
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      await lastValueFrom(client.emit('flaky', { i: 7 }), { defaultValue: undefined });
      for (let i = 0; i < 200 && (probe.attempts.get(7) ?? 0) < 3; i++) await sleep(20);
      await sleep(200);
      expect(probe.attempts.get(7)).to.equal(3);
      if (t.depth !== undefined) expect(t.depth(`${prefix}flaky`)).to.equal(0);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('moves an event that failed maxDeliveries times to `deadLetter`, with its last error', async function () {
    this.timeout(15_000);
    const t = target();
    const prefix = unique();
    const address = prefixed(prefix);
    const deadLetter = `/queue/${prefix}dead`;
    const { app, probe } = await startApp({ url: t.url, ...t.connection, address, maxDeliveries: 2, deadLetter });
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      await lastValueFrom(client.emit('flaky', { i: 9 }), { defaultValue: undefined });
      const dead = await readOne(t, deadLetter);
      expect(probe.attempts.get(9)).to.equal(2);
      expect(JSON.parse(dead.text)).to.deep.include({ pattern: 'flaky', data: { i: 9 } });
      // What Nest's exception filter made of the handler's Error (an RpcException would carry its own).
      expect(JSON.parse(String(dead.error))).to.deep.equal({ status: 'error', message: 'Internal server error' });
      await sleep(100);
      if (t.depth !== undefined) expect(t.depth(`${prefix}flaky`)).to.equal(0);
      expect(probe.attempts.get(9)).to.equal(2);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it("runs Nest's processing hooks around every handler, the end after the replies", async () => {
    const t = target();
    const address = prefixed(unique());
    const { app, server } = await startApp({ url: t.url, ...t.connection, address });
    const seen: string[] = [];
    server.setOnProcessingStartHook((_id, ctx, done) => {
      seen.push(`start ${(ctx as InstanceType<NestKit['nest']['RxMqContext']>).getPattern()}`);
      return done();
    });
    server.setOnProcessingEndHook((_id, ctx) => { seen.push(`end ${(ctx as InstanceType<NestKit['nest']['RxMqContext']>).getPattern()}`); });
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      expect(await lastValueFrom(client.send<number>('count', 3).pipe(toArray()))).to.deep.equal([1, 2, 3]);
      expect(seen).to.deep.equal(['start count', 'end count']);
      await lastValueFrom(client.emit('slow', { i: 1 }), { defaultValue: undefined });
      for (let i = 0; i < 200 && seen.length < 4; i++) await sleep(10);
      expect(seen).to.deep.equal(['start count', 'end count', 'start slow', 'end slow']);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('closes gracefully: running handlers finish, the rest stays queued, nothing unsettled', async function () {
    this.timeout(15_000);
    const t = target();
    const prefix = unique();
    const address = prefixed(prefix);
    const { app, probe } = await startApp({ url: t.url, ...t.connection, address, concurrency: 2 });
    probe.slowMs = 300;
    const client = new RxMqClient({ url: t.url, ...t.connection, address });
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => lastValueFrom(client.emit('slow', { i }), { defaultValue: undefined })));
      for (let i = 0; i < 200 && probe.inFlight < 2; i++) await sleep(5);
      expect(probe.inFlight).to.equal(2);
      const started = Date.now();
      await app.close();
      // close() waited for the two running handlers, and started no other.
      expect(Date.now() - started).to.be.at.least(150);
      expect(probe.done.length).to.equal(2);
      expect(probe.started).to.equal(2);
      await sleep(100);
      if (t.depth !== undefined) expect(t.depth(`${prefix}slow`)).to.equal(4);
      if (t.unsettled !== undefined) expect(t.unsettled(`${prefix}slow`)).to.equal(0);
    } finally {
      await client.close();
    }
  });
}
