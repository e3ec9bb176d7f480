/**
 * Public entry `rx-mq/angular` for Node (tests, server-side rendering): Angular providers for the
 * reconnecting clients, with Node's transports as the default. Browsers get index.browser.ts
 * (the package's `browser` export condition), with the native WebSocket. See docs/ANGULAR.md.
 */
import '../transport/node-platform.js';

export * from './api.js';
