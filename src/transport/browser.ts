/**
 * The browser transport: the platform's WebSocket behind the same Transport interface as the Node
 * transports. Browsers have no raw TCP or TLS sockets, so AMQP and STOMP reach brokers through
 * their WebSocket endpoints (wss:// for TLS, which the browser verifies itself).
 */
import { ProxyError } from './proxy.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, TransportError, type OpenOptions, type Transport, type TransportHandlers, type TransportTarget } from './types.js';

/** The subset of the WHATWG WebSocket that we use (also implemented by Node's `ws`). */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;


/**
 * The browser's transport factory: WebSocket targets through the native WebSocket. Browsers have
 * no TCP or TLS sockets, so any other target is refused with a TransportError saying what to use.
 */
export function openBrowserTransport(target: TransportTarget, handlers: TransportHandlers, options: OpenOptions): Promise<Transport> {
  if (options.proxy !== undefined) {
    // A page cannot open a socket to a proxy; the browser's own proxy settings carry its WebSockets.
    return Promise.reject(new ProxyError(
      'browsers cannot use connect({ proxy }): a page has no sockets to reach a proxy with; the browser\'s own proxy settings apply to its WebSockets',
      { failure: 'unsupported', proxyKind: options.proxy.kind },
    ));
  }
  if (target.kind !== 'websocket') {
    return Promise.reject(new TransportError(
      `browsers cannot open ${target.kind.toUpperCase()} connections to ${target.host}:${target.port}: use the broker's WebSocket endpoint (amqp+ws://, amqp+wss://, ws://, wss://)`,
    ));
  }
  return openBrowserWebSocket(target.url, target.protocols, handlers, undefined, options.connectTimeoutMs);
}

/**
 * Open a WebSocket transport with the platform's WebSocket (or `ctor`, e.g. for tests or
 * environments that provide their own implementation).
 */
export function openBrowserWebSocket(
  url: string,
  protocols: readonly string[],
  handlers: TransportHandlers,
  ctor?: WebSocketConstructor,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<Transport> {
  const WS = ctor ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WS === undefined) return Promise.reject(new TransportError('this platform has no WebSocket'));
  return new Promise((resolve, reject) => {
    let open = false;
    let ws: WebSocketLike;
    try {
      ws = new WS(url, [...protocols]);
    } catch (e) {
      reject(new TransportError(`${url}: ${(e as Error).message}`, undefined, { cause: e }));
      return;
    }
    const timer = setTimeout(() => {
      if (open) return;
      reject(new TransportError(`${url}: WebSocket not open after ${connectTimeoutMs} ms`, 'ETIMEDOUT'));
      ws.onclose = null;
      ws.close();
    }, connectTimeoutMs);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      open = true;
      clearTimeout(timer);
      if (protocols.length > 0 && !protocols.includes(ws.protocol)) {
        ws.close(1002, 'no subprotocol');
        reject(new TransportError(`${url}: server chose no offered subprotocol (${protocols.join(', ')})`));
        return;
      }
      resolve({
        write: (b) => { ws.send(b); return ws.bufferedAmount < 1024 * 1024; },
        end: () => ws.close(1000),
        destroy: () => ws.close(1000),
        get bufferedAmount() { return ws.bufferedAmount; },
        info: { kind: 'websocket', protocol: ws.protocol },
      });
    };
    ws.onmessage = (ev) => {
      const d = ev.data;
      if (d instanceof ArrayBuffer) handlers.onData(new Uint8Array(d));
      else if (ArrayBuffer.isView(d)) handlers.onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      else if (typeof d === 'string') handlers.onData(new TextEncoder().encode(d));
    };
    // Browsers give no detail on errors (by design); the close event carries the code.
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (!open) {
        clearTimeout(timer);
        reject(new TransportError(`${url}: WebSocket failed to open (code ${ev.code})`, `WS_${ev.code}`));
        return;
      }
      const clean = ev.code === 1000 || ev.code === 1005;
      handlers.onClose(clean ? undefined : new TransportError(`${url}: WebSocket closed with ${ev.code} ${ev.reason}`.trim(), `WS_${ev.code}`));
    };
  });
}
