/** Root entry `rx-mq` for browsers (the `browser` export condition): both protocols as namespaces. */
export * as amqp from './amqp/index.browser.js';
export * as stomp from './stomp/index.browser.js';
