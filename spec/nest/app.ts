/**
 * The Nest application the nest specs run: a microservice with one controller (request/reply,
 * object patterns, streams, RpcException, slow and failing events) and a probe to watch it from
 * the test. Explicit @Inject tokens: tsx (esbuild) emits no decorator metadata.
 *
 * Nest 12 is ESM only, and mocha loads these specs as CommonJS through tsx, whose require() of an
 * ES module makes a second copy of it: `RpcException` thrown from that copy is not the class
 * Nest's filter (loaded by Nest's own import()) knows. So Nest and rx-mq/nest are loaded here by
 * import(), which gives the one ES module instance, and the classes are declared after it. Under
 * plain Node (require(esm) of a built app) there is one instance anyway.
 */
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import type * as NestIndex from '../../src/nest/index.js';

export const PROBE = 'PROBE';

/** What the controller did, for the test to assert on. */
export class Probe {
  inFlight = 0;
  maxInFlight = 0;
  started = 0;
  readonly done: number[] = [];
  readonly attempts = new Map<number, number>();
  slowMs = 50;
  /** Called when a slow handler starts (the test may sample the broker then). */
  onStart: () => void = () => {};
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface NestKit {
  readonly nest: typeof NestIndex;
  /** Start the microservice over `options`; its probe comes back with it. */
  startApp(options: NestIndex.RxMqServerOptions): Promise<{ app: INestMicroservice; probe: Probe; server: NestIndex.RxMqServer }>;
  /** An application context with ClientsModule.register({ name: 'MATH', customClass: RxMqClient }); the client comes back with it. */
  startCaller(options: NestIndex.RxMqClientOptions): Promise<{ ctx: INestApplicationContext; client: ClientProxy }>;
}

let kit: Promise<NestKit> | undefined;

export function nestKit(): Promise<NestKit> {
  kit ??= load();
  return kit;
}

async function load(): Promise<NestKit> {
  const { Controller, Inject, Injectable, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { ClientsModule, Ctx, EventPattern, MessagePattern, Payload, RpcException } = await import('@nestjs/microservices');
  const { range } = await import('rxjs');
  const nest = await import('../../src/nest/index.js');

  @Controller()
  class TestController {
    constructor(@Inject(PROBE) private readonly probe: Probe) {}

    @MessagePattern('sum')
    sum(@Payload() xs: number[]): number {
      return xs.reduce((a, b) => a + b, 0);
    }

    @MessagePattern({ cmd: 'double', v: 1 })
    async double(@Payload() n: number): Promise<number> {
      await delay(1);
      return n * 2;
    }

    @MessagePattern('count')
    count(@Payload() n: number): Observable<number> {
      return range(1, n);
    }

    /** The reply-to address the request came with (AMQP property / STOMP header). */
    @MessagePattern('reply-to')
    replyTo(@Ctx() ctx: NestIndex.RxMqContext): string | undefined {
      const m = ctx.getMessage();
      return 'replyTo' in m ? m.replyTo : m.headers['reply-to'];
    }

    /** Answers after `ms`: a request still waiting while the test cuts the connection. */
    @MessagePattern('late')
    async late(@Payload() ms: number): Promise<string> {
      await delay(ms);
      return 'late';
    }

    @MessagePattern('fail')
    fail(): never {
      throw new RpcException({ code: 'E_NOPE', message: 'refused on purpose' });
    }

    @EventPattern('slow')
    async slow(@Payload() data: { i: number }): Promise<void> {
      const p = this.probe;
      p.started++;
      p.inFlight++;
      p.maxInFlight = Math.max(p.maxInFlight, p.inFlight);
      p.onStart();
      await delay(p.slowMs);
      p.inFlight--;
      p.done.push(data.i);
    }

    @EventPattern('flaky')
    flaky(@Payload() data: { i: number }): void {
      this.probe.attempts.set(data.i, (this.probe.attempts.get(data.i) ?? 0) + 1);
      throw new Error('flaky on purpose');
    }
  }

  const logger = process.env.NEST_LOG ? undefined : false as const;
  return {
    nest,
    async startApp(options) {
      const probe = new Probe();
      @Module({ controllers: [TestController], providers: [{ provide: PROBE, useValue: probe }] })
      class TestModule {}
      const server = new nest.RxMqServer(options);
      const app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger });
      await app.listen();
      return { app, probe, server };
    },
    async startCaller(options) {
      @Injectable()
      class Caller { constructor(@Inject('MATH') readonly client: ClientProxy) {} }
      @Module({ imports: [ClientsModule.register([{ name: 'MATH', customClass: nest.RxMqClient, options }])], providers: [Caller] })
      class CallerModule {}
      const ctx = await NestFactory.createApplicationContext(CallerModule, { logger });
      return { ctx, client: ctx.get(Caller).client };
    },
  };
}
