/** Everything `rx-mq/amqp` exports, for both entries (index.ts for Node, index.browser.ts for browsers). */
export * from './codec/index.js';
export * from './rx/index.js';
export {
  AmqpError, HandleMaxError, IdleTimeoutError, IllegalStateError, MessageSizeExceededError, NullTerminusError, SessionEndedError, SettleError, SettleModeError, TransferLimitError,
} from './engine/errors.js';
export type { AmqpErrorScope } from './engine/errors.js';
export { AuthenticationError, SaslError } from './engine/sasl.js';
export type { SaslCredentials, SaslMechanism } from './engine/sasl.js';
export { parseAmqpUrl } from './url.js';
export { AttachTimeoutError, ConnectTimeoutError, DecodeError, EncodeError, CompositeJsonError, ResponseTimeoutError, TimeoutError, RxMqError } from '../errors.js';
export { TransportError } from '../transport/types.js';
export type { OpenOptions, TlsOptions, Transport, TransportFactory, TransportHandlers, TransportInfo, TransportTarget } from '../transport/types.js';
export { UrlError } from '../transport/url.js';
export { ProxyError, type ProxyConfig, type ProxyFailure, type ProxyKind } from '../transport/proxy.js';
