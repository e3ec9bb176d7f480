/** Everything `rx-mq/angular` exports, for both entries (index.ts for Node, index.browser.ts for browsers). */
export { AMQP_CLIENT, STOMP_CLIENT, provideRxMq } from './providers.js';
export type { AmqpClientConfig, Configured, RxMqProviderOptions, StompClientConfig } from './options.js';
// The types the tokens give, so that an app can name them without a second import.
export type { AmqpClient, AmqpClientOptions, AmqpClientState } from '../amqp/rx/client.js';
export type { StompClient, StompClientOptions, StompClientState } from '../stomp/rx/client.js';
export type { ClientState, ClientStateName } from '../reconnect/state.js';
