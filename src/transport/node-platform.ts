/** Installs Node's platform defaults: TCP, TLS and WebSocket (`ws`) transports, unzeroed arrays. */
import { openTransport, uninitializedBytes } from './node.js';
import { installPlatform } from './platform.js';

installPlatform({ openTransport, allocate: uninitializedBytes });
