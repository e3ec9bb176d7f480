/**
 * Public entry `rx-mq/stomp` for Node: the STOMP API with Node's transports (TCP, TLS, and
 * WebSocket through `ws`) as the default. Browsers get index.browser.ts instead (the package's
 * `browser` export condition).
 */
import '../transport/node-platform.js';

export * from './api.js';
