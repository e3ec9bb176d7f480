/** The STOMP codec: frames to bytes and back, for STOMP 1.0, 1.1 and 1.2. */
export * from './commands.js';
export * from './frame.js';
export * from './escape.js';
export * from './errors.js';
export * from './limits.js';
export * from './encoder.js';
export * from './decoder.js';
export * from './writer.js';
