/** Installs the browser's platform defaults: the native WebSocket as the transport. */
import { openBrowserTransport } from './browser.js';
import { installPlatform } from './platform.js';

installPlatform({ openTransport: openBrowserTransport });
