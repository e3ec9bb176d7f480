/**
 * `provideRxMq()` and the tokens it fills: the library's reconnecting clients as Angular
 * environment providers.
 *
 * Each client is made by a factory the first time it is injected, and `close()`d by the
 * environment injector that made it when that injector is destroyed (the app's teardown, a lazy
 * route's injector, a test's injector), so no connection outlives its injector. The clients are
 * lazy themselves: nothing connects before the first `receive`/`subscribe`/`send` is subscribed,
 * and the connection closes again when the last of them ends.
 */
import { DestroyRef, inject, InjectionToken, makeEnvironmentProviders, type EnvironmentProviders, type Provider } from '@angular/core';
import { amqpClient, type AmqpClient } from '../amqp/rx/client.js';
import { stompClient, type StompClient } from '../stomp/rx/client.js';
import { resolveConfig, type RxMqProviderOptions } from './options.js';

/**
 * The AMQP 1.0 client configured by `provideRxMq({ amqp })`. Only provided when `amqp` was given:
 * `inject(AMQP_CLIENT, { optional: true })` is null otherwise.
 */
export const AMQP_CLIENT = new InjectionToken<AmqpClient>('rx-mq AMQP_CLIENT (provideRxMq({ amqp }))');

/**
 * The STOMP client configured by `provideRxMq({ stomp })`. Only provided when `stomp` was given:
 * `inject(STOMP_CLIENT, { optional: true })` is null otherwise.
 */
export const STOMP_CLIENT = new InjectionToken<StompClient>('rx-mq STOMP_CLIENT (provideRxMq({ stomp }))');

/** A client closed by the injector that made it. */
interface Closable { close(): Promise<void> }

/**
 * Make `client` in the factory's injection context and close it when that injector is destroyed.
 * In an environment injector, `DestroyRef` is the injector itself.
 */
function ownedByInjector<C extends Closable>(make: () => C): C {
  const destroyRef = inject(DestroyRef);
  const client = make();
  // close() resolves once the connection is closed; nobody waits for it during a teardown, and
  // it does not reject: the catch only keeps an unexpected failure from going unhandled.
  destroyRef.onDestroy(() => { client.close().catch(() => undefined); });
  return client;
}

/**
 * Providers for an application (`bootstrapApplication(App, { providers: [provideRxMq(...)] })`),
 * a route (`providers` of a lazy route) or a test injector. Each protocol given gets its token:
 *
 * ```ts
 * provideRxMq({ stomp: 'wss://broker.example/ws', amqp: { urls: 'amqp+wss://broker.example/amqp' } })
 * // in a component or service:
 * private readonly stomp = inject(STOMP_CLIENT);
 * readonly last = toSignal(this.stomp.subscribe('/topic/prices'));
 * ```
 */
export function provideRxMq(options: RxMqProviderOptions): EnvironmentProviders {
  const { amqp, stomp } = options;
  if (amqp === undefined && stomp === undefined) throw new TypeError('provideRxMq needs `amqp`, `stomp` or both');
  const providers: Provider[] = [];
  if (amqp !== undefined) {
    providers.push({ provide: AMQP_CLIENT, useFactory: () => ownedByInjector(() => amqpClient(resolveConfig(amqp))) });
  }
  if (stomp !== undefined) {
    providers.push({ provide: STOMP_CLIENT, useFactory: () => ownedByInjector(() => stompClient(resolveConfig(stomp))) });
  }
  return makeEnvironmentProviders(providers);
}
