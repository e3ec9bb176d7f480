/**
 * Root entry `rx-mq` for Node: both protocols as namespaces (`import { amqp, stomp } from 'rx-mq'`).
 * `rx-mq/amqp` and `rx-mq/stomp` give the same APIs one protocol at a time.
 */
export * as amqp from './amqp/index.js';
export * as stomp from './stomp/index.js';
