/**
 * The Node edge of the proxies: a TCP socket to the proxy, over which one sans-IO handshake
 * (socks5.ts or http-connect.ts) runs until the proxy has connected it to the target. The socket
 * is then handed over as it is, paused, with any bytes that followed the proxy's answer put back
 * in front of its stream, for the TCP, TLS or WebSocket transport to run over.
 */
import net from 'node:net';
import { HttpConnectHandshake } from './http-connect.js';
import { describeProxy, ProxyError, type ProxyConfig, type ProxyHandshake } from './proxy.js';
import { Socks5Handshake } from './socks5.js';

/** The handshake for `proxy`'s kind, to `host:port`. */
export function proxyHandshake(proxy: ProxyConfig, host: string, port: number): ProxyHandshake {
  return proxy.kind === 'socks5' ? new Socks5Handshake(proxy, host, port) : new HttpConnectHandshake(proxy, host, port);
}

/** A socket connected through the proxy to the target, and whether bytes of the target's came with the proxy's answer. */
export interface Tunnel {
  readonly socket: net.Socket;
  /** True when bytes after the proxy's answer were put back into the socket's stream (unshift). */
  readonly early: boolean;
}

/**
 * Connect to `proxy` and have it connect us to `host:port`. Rejects with ProxyError: the proxy
 * unreachable, its refusal (reply code or status), a protocol error, or no tunnel by `deadline`
 * (a Date.now() value). Nothing the proxy sends throws out of a socket callback.
 */
export function openTunnel(proxy: ProxyConfig, host: string, port: number, deadline: number): Promise<Tunnel> {
  const what = `${proxy.kind === 'socks5' ? 'SOCKS5' : 'HTTP'} proxy ${describeProxy(proxy)}`;
  const handshake = proxyHandshake(proxy, host, port);
  return new Promise<Tunnel>((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    socket.setNoDelay(true);
    let connected = false;
    let settled = false;
    let lastError: Error | undefined;
    const finish = (error: ProxyError | undefined, rest?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error !== undefined) {
        socket.destroy();
        reject(error);
        return;
      }
      // The transport attaches its own listeners; until then nothing may flow past them, and an
      // error meanwhile must not be an unhandled 'error' event (the transport sees the close).
      socket.pause();
      socket.on('error', () => {});
      const early = rest !== undefined && rest.length > 0;
      if (early) socket.unshift(Buffer.from(rest.buffer, rest.byteOffset, rest.length));
      resolve({ socket, early });
    };
    const timer = setTimeout(() => {
      finish(new ProxyError(`${what}: no tunnel to ${host}:${port} within the connect timeout`, { failure: 'timeout', proxyKind: proxy.kind }));
    }, Math.max(0, deadline - Date.now()));
    const onData = (chunk: Buffer): void => {
      const step = handshake.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (step.kind === 'continue') {
        if (step.write !== undefined) socket.write(step.write);
      } else if (step.kind === 'done') finish(undefined, step.rest);
      else finish(step.error);
    };
    const onError = (e: Error): void => { lastError = e; };
    const onClose = (): void => {
      const code = (lastError as NodeJS.ErrnoException | undefined)?.code;
      finish(connected
        ? new ProxyError(`${what} closed the connection during the handshake${lastError !== undefined ? `: ${lastError.message}` : ''}`, { failure: 'protocol', proxyKind: proxy.kind, cause: lastError })
        : new ProxyError(`${what} is not reachable: ${code === 'ECONNREFUSED' ? 'connection refused' : lastError?.message ?? 'closed'}`, { failure: 'unreachable', proxyKind: proxy.kind, cause: lastError }));
    };
    socket.once('connect', () => {
      connected = true;
      socket.write(handshake.start());
    });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
