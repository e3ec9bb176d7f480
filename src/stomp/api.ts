/**
 * Everything `rx-mq/stomp` exports, for both entries (index.ts for Node, index.browser.ts for
 * browsers): a STOMP 1.0/1.1/1.2 client as RxJS streams. The codec and the sans-IO engine are
 * exported too, for custom transports and tests.
 */
export * from './codec/index.js';
export * from './engine/index.js';
export * from './errors.js';
export { connect, resolveOptions } from './rx/connect.js';
export type { StompConnectOptions } from './rx/options.js';
export type { StompMessage, AckOptions } from './rx/message.js';
export {
  prefetchHeaders, type BrowseOptions, type StompSession, type SubscribeOptions, type SendOptions, type StompSendInput, type StompBody,
  type StompSendResult, type StompTransaction, type TransactionOptions,
} from './rx/session.js';
export { parseStompUrl, STOMP_WS_PROTOCOLS, type StompEndpoint } from './rx/url.js';
export { TransportError, type OpenOptions, type TlsOptions, type Transport, type TransportFactory, type TransportHandlers, type TransportInfo, type TransportTarget } from '../transport/types.js';
export { UrlError } from '../transport/url.js';
export { ProxyError, type ProxyConfig, type ProxyFailure, type ProxyKind } from '../transport/proxy.js';
export { ConnectTimeoutError, RxMqError, DecodeError, EncodeError, ResponseTimeoutError, TimeoutError } from '../errors.js';
export { stompClient, type StompClient, type StompClientOptions, type StompClientState } from './rx/client.js';
// The reconnect keeper's public names, the same in rx-mq/amqp.
export { backoffDelay, type ReconnectOptions } from '../reconnect/backoff.js';
export { ClientClosedError, ConnectionClosedByPeerError, type ClientState, type ClientStateName } from '../reconnect/state.js';
