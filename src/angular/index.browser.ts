/**
 * Public entry `rx-mq/angular` for browsers (the package's `browser` export condition): the same
 * providers with the native WebSocket as the transport, and nothing of Node's.
 */
import '../transport/browser-platform.js';

export * from './api.js';
