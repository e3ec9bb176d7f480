/**
 * Public entry `rx-mq/amqp` for browsers (the package's `browser` export condition): the same
 * AMQP 1.0 API with the native WebSocket as the default transport, and nothing of Node's.
 */
import '../transport/browser-platform.js';

export * from './api.js';
