/**
 * `rx-mq/nest`: a NestJS microservice transport (RxMqServer) and client (RxMqClient) for
 * AMQP 1.0 and STOMP brokers. See docs/NEST.md. Node only: it registers Node's transports.
 */
import '../transport/node-platform.js';

export { RxMqServer, type RxMqEvents, type RxMqStatus } from './server.js';
export { RxMqClient } from './client.js';
export { RxMqContext } from './context.js';
export { defaultAddress, patternName, sortedJson, type AddressMapper, type RxMqPattern } from './address.js';
export type { RxMqClientOptions, RxMqCommonOptions, RxMqServerOptions } from './options.js';
export { protocolOf, type RxMqConnectionOptions, type RxMqProtocol } from './transport.js';
export { PublishError, ReplyAddressLostError } from './errors.js';
