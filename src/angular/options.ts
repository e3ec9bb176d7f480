/** What `provideRxMq()` takes: the arguments of `amqpClient()` and `stompClient()`, given directly or computed. */
import type { AmqpClientOptions } from '../amqp/rx/client.js';
import type { StompClientOptions } from '../stomp/rx/client.js';

/** What `amqpClient()` takes: one URL, a failover list, or its options. */
export type AmqpClientConfig = string | readonly string[] | AmqpClientOptions;

/** What `stompClient()` takes: one URL or its options. */
export type StompClientConfig = string | StompClientOptions;

/**
 * A configuration, or a function that makes it. The function runs once, in the environment
 * injector's injection context, the first time the client is injected: it may `inject()` the
 * app's own configuration (a URL known only at runtime, a token from a login service).
 */
export type Configured<T> = T | (() => T);

/** Options of {@link provideRxMq}: each protocol given is provided under its token. */
export interface RxMqProviderOptions {
  /** The AMQP 1.0 client behind `AMQP_CLIENT` (browsers: `amqp+ws://` or `amqp+wss://` URLs). */
  readonly amqp?: Configured<AmqpClientConfig>;
  /** The STOMP client behind `STOMP_CLIENT` (browsers: `ws://` or `wss://` URLs). */
  readonly stomp?: Configured<StompClientConfig>;
}

/** The configuration itself: calls the function form (in the caller's injection context). */
export function resolveConfig<T>(c: Configured<T>): T {
  return typeof c === 'function' ? (c as () => T)() : c;
}
