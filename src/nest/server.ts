/**
 * RxMqServer: Nest's transport strategy over AMQP 1.0 or STOMP. Every `@MessagePattern` and
 * `@EventPattern` listens on the address its pattern maps to (address.ts), with settle on
 * completion: a message is accepted when its handler finishes, so at most `concurrency`
 * messages per address are out of the broker at any time and nothing is acknowledged before it
 * was processed. Requests are answered at their reply-to address with their id.
 */
import { CustomTransportStrategy, Server, type IncomingEvent, type IncomingRequest, type MessageHandler } from '@nestjs/microservices';
import { defer, finalize, lastValueFrom, NEVER, Subject, Subscription, type Observable } from 'rxjs';
import { AttemptCounts } from '../amqp/rx/attempt-counts.js';
import type { AmqpClient } from '../amqp/rx/client.js';
import type { ClientState, ClientStateName } from '../reconnect/state.js';
import type { StompClient } from '../stomp/rx/client.js';
import { defaultAddress, patternOfRoute } from './address.js';
import { RxMqContext } from './context.js';
import { openTransport, type RxMqServerOptions } from './options.js';
import { replyAll } from './replies.js';
import type { Delivery, RxMqTransport } from './transport.js';

/** The statuses `server.status` emits: the reconnecting client's states. */
export type RxMqStatus = ClientStateName;

/** The events of `server.on()` / `client.on()`. */
export type RxMqEvents = {
  /** Every connection state change, with its cause. */
  state: (state: ClientState) => void;
  /** A consumer that ended with an error (a refused address, a fatal connection error). */
  error: (error: unknown) => void;
};

const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

export class RxMqServer extends Server<RxMqEvents, RxMqStatus> implements CustomTransportStrategy {
  /** Event handler failures come back to us (as an erroring stream), so we can release the message. */
  override readonly propagatesEventHandlerErrors = true;

  private transport: RxMqTransport | undefined;
  private subscriptions = new Subscription();
  private readonly listeners: { [K in keyof RxMqEvents]: RxMqEvents[K][] } = { state: [], error: [] };
  private closing = false;
  private inFlight = 0;
  private readonly idle$ = new Subject<void>();
  /** Failed attempts per event, counted only with `deadLetter` (see deadLettering). */
  private readonly failures = new AttemptCounts(10_000);
  /** Messages that arrived after close() began: never started, given back at the end. */
  private readonly parked: Delivery[] = [];

  constructor(private readonly options: RxMqServerOptions) {
    super();
    this.initializeSerializer(options);
    this.initializeDeserializer(options);
  }

  /** Connect, consume every pattern's address, and call back once the connection is open. */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    let transport: RxMqTransport;
    try {
      transport = this.transport ?? openTransport(this.options);
    } catch (e) {
      callback(e);
      return;
    }
    this.transport = transport;
    this.closing = false;
    this.subscriptions = new Subscription();
    let started = false;
    const ready = (err?: unknown): void => {
      if (started) return;
      started = true;
      if (err === undefined) callback(); else callback(err);
    };
    this.subscriptions.add(transport.state$.subscribe((s) => {
      this._status$.next(s.state);
      for (const l of this.listeners.state) l(s);
      if (s.state === 'open') ready();
      if (s.state === 'closed' && s.error !== undefined) ready(s.error);
    }));
    const addresses = this.addresses();
    for (const [address, routes] of addresses) {
      const settings = { concurrency: this.options.concurrency ?? 10, maxDeliveries: this.options.maxDeliveries ?? 5 };
      this.subscriptions.add(transport.consume(address, (d) => this.dispatch(address, routes[0], d), settings).subscribe({
        next: (outcome) => {
          if (outcome === 'rejected') this.logger.error(`a message of ${address} failed ${settings.maxDeliveries} times and was rejected`);
        },
        error: (e: unknown) => {
          this.logger.error(`consuming ${address} ended: ${e instanceof Error ? e.message : String(e)}`);
          for (const l of this.listeners.error) l(e);
        },
      }));
    }
    // Nothing to consume: nothing connects, and there is nothing to wait for.
    if (addresses.size === 0) ready();
  }

  /** The addresses of the registered patterns, each with the routes that map to it. */
  private addresses(): Map<string, string[]> {
    const mapper = this.options.address ?? defaultAddress;
    const out = new Map<string, string[]>();
    for (const route of this.messageHandlers.keys()) {
      const address = mapper(patternOfRoute(route));
      out.set(address, [...(out.get(address) ?? []), route]);
    }
    return out;
  }

  /** One message: run it (counted, so close() can wait), or park it when closing. */
  private dispatch(address: string, route: string, d: Delivery): Observable<unknown> {
    if (this.closing) {
      this.parked.push(d);
      return NEVER;
    }
    this.inFlight++;
    return defer(() => this.handle(address, route, d)).pipe(finalize(() => {
      this.inFlight--;
      if (this.inFlight === 0) this.idle$.next();
    }));
  }

  private async handle(address: string, channel: string, d: Delivery): Promise<void> {
    const packet = (await this.deserializer.deserialize(d.body, { channel })) as IncomingRequest | IncomingEvent;
    const route = this.normalizePattern(packet.pattern as string);
    const handler: MessageHandler | undefined = this.messageHandlers.get(route);
    const ctx = new RxMqContext([d.raw, address, route]);
    await this.processing(ctx, async () => {
      const id = ('id' in packet && typeof packet.id === 'string' ? packet.id : undefined) ?? d.correlationId ?? d.messageId;
      if (handler?.isEventHandler === true) {
        // An event: the handler's failure (a rejected promise or an erroring stream) releases it.
        await this.deadLettering(address, route, d, async () => {
          await lastValueFrom(this.transformToObservable(await handler(packet.data, ctx)), { defaultValue: undefined });
        });
        return;
      }
      const replyTo = d.replyTo;
      if (replyTo === undefined) {
        if (handler === undefined) throw new Error(`no handler for pattern ${route} on ${address}`);
        // A request nobody waits for: run it, there is no one to answer.
        this.logger.warn(`a message for ${route} on ${address} has no reply-to; its result is dropped`);
        await lastValueFrom(this.transformToObservable(await handler(packet.data, ctx)), { defaultValue: undefined });
        return;
      }
      const transport = this.transport as RxMqTransport;
      const response$ = handler === undefined
        ? defer(() => Promise.reject({ status: 'error', message: NO_MESSAGE_HANDLER }))
        : this.transformToObservable(await handler(packet.data, ctx));
      await replyAll(response$ as Observable<unknown>, async (p) => {
        const body = JSON.stringify(await this.serializer.serialize({ ...p, id: id ?? '' }));
        await transport.publish(replyTo, { body, messageId: globalThis.crypto.randomUUID(), correlationId: id });
      });
    });
  }

  /**
   * Run `work` between Nest's processing hooks (`setOnProcessingStartHook` /
   * `setOnProcessingEndHook`, what tracing integrations use). The end hook runs once the handler,
   * its replies and any dead-lettering are done, before the message is settled. Settles with the
   * work itself, whatever the start hook returns.
   */
  private processing(ctx: RxMqContext, work: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.runWithProcessingHooks(ctx, async (end) => {
        try {
          await work();
          resolve();
        } catch (e) {
          reject(e);
        } finally {
          end();
        }
      });
    });
  }

  /**
   * An event with `deadLetter` set: a failure that is the `maxDeliveries`-th of this message is
   * published to the dead-letter address instead of failing (so the message is then accepted);
   * earlier failures fail as usual (released, redelivered). Attempts are the broker's count or
   * ours, whichever saw more (RabbitMQ's AMQP 1.0 delivery-count stops at 1).
   */
  private async deadLettering(address: string, route: string, d: Delivery, work: () => Promise<void>): Promise<void> {
    const deadLetter = this.options.deadLetter;
    if (deadLetter === undefined) return work();
    const key = `${address}\n${d.messageId ?? d.text}`;
    try {
      await work();
      if (this.failures.size > 0) this.failures.forget(key);
    } catch (err) {
      const attempt = Math.max(this.failures.fail(key), d.attempt);
      if (attempt < (this.options.maxDeliveries ?? 5)) throw err;
      this.failures.forget(key);
      const error = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
      await (this.transport as RxMqTransport).publish(deadLetter, {
        body: d.text, messageId: d.messageId ?? globalThis.crypto.randomUUID(), pattern: route, error,
      });
      this.logger.error(`an event of ${address} failed ${attempt} times and was moved to ${deadLetter}: ${error}`);
    }
  }

  /**
   * Stop taking messages, let running handlers finish (at most `closeTimeout`), give back what
   * arrived meanwhile without starting it, then detach and close the connection.
   */
  async close(): Promise<void> {
    const transport = this.transport;
    if (transport === undefined) return;
    this.closing = true;
    if (this.inFlight > 0) {
      const timeout = this.options.closeTimeout ?? 10_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.logger.warn(`closing with ${this.inFlight} handlers still running after ${timeout} ms; the broker will deliver their messages again`);
          sub.unsubscribe();
          resolve();
        }, timeout);
        const sub = this.idle$.subscribe(() => { clearTimeout(timer); sub.unsubscribe(); resolve(); });
      });
    }
    for (const d of this.parked.splice(0)) d.abandon();
    this.subscriptions.unsubscribe();
    this.transport = undefined;
    await transport.close();
    this._status$.next('closed');
  }

  /** Listen to connection state changes (`'state'`) and consumer errors (`'error'`). */
  on<K extends keyof RxMqEvents = keyof RxMqEvents, C extends RxMqEvents[K] = RxMqEvents[K]>(event: K, callback: C): void {
    (this.listeners[event] as C[]).push(callback);
  }

  /** The reconnecting client underneath: an `AmqpClient` or a `StompClient`, by the URL. */
  unwrap<T = AmqpClient | StompClient>(): T {
    if (this.transport === undefined) throw new Error('RxMqServer: not listening; unwrap() works between listen() and close()');
    return this.transport.client as T;
  }
}
