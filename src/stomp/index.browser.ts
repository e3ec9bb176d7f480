/**
 * Public entry `rx-mq/stomp` for browsers (the package's `browser` export condition): the same
 * STOMP API with the native WebSocket as the default transport, and nothing of Node's.
 */
import '../transport/browser-platform.js';

export * from './api.js';
