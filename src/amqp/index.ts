/** Public entry `rx-mq/amqp`. */
export * from './codec/index.js';
export { DecodeError, EncodeError, CompositeJsonError, TimeoutError, RxMqError } from '../errors.js';
