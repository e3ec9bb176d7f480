/** The sans-IO STOMP client engine. */
export * from './engine.js';
export * from './events.js';
export * from './heartbeat.js';
