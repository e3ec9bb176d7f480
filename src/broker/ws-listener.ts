/**
 * The broker's WebSocket listener (Node, the `ws` package): one port for both protocols, the
 * subprotocol the client offers picks which (`amqp` for AMQP 1.0, `v12.stomp`, `v11.stomp` or
 * `v10.stomp` for STOMP), as browsers reach brokers. Each WebSocket becomes the same Transport a
 * TCP socket is (listener.ts); the protocol connections do not know the difference.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Transport, TransportInfo } from '../transport/types.js';
import { peerSubject, type AcceptedConnection, type Listener, type ListenOptions } from './listener.js';

/** The protocols a WebSocket can carry here. */
export type WsProtocol = 'amqp' | 'stomp';

/** Subprotocols in the order the broker prefers them when a client offers several. */
const SUBPROTOCOLS: readonly (readonly [string, WsProtocol])[] = [
  ['amqp', 'amqp'], ['v12.stomp', 'stomp'], ['v11.stomp', 'stomp'], ['v10.stomp', 'stomp'],
];

/** What `ws` hands over as one message, as one array (no copy where it is one buffer). */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A WebSocket as a Transport: each write one binary message. */
function transportOf(ws: WebSocket, info: TransportInfo, drained: () => void): Transport {
  let waiting = false;
  return {
    write: (b) => {
      if (ws.readyState !== ws.OPEN) return false;
      // The callback runs once `ws` has handed the message to the socket: the moment to tell a
      // connection that held output back that it may go on.
      ws.send(b, { binary: true }, () => {
        if (waiting && ws.bufferedAmount === 0) { waiting = false; drained(); }
      });
      if (ws.bufferedAmount > 0) waiting = true;
      return !waiting;
    },
    end: () => { if (ws.readyState === ws.OPEN) ws.close(1000); },
    destroy: () => { ws.terminate(); },
    pauseReads: () => { ws.pause(); },
    resumeReads: () => { ws.resume(); },
    get bufferedAmount() { return ws.bufferedAmount; },
    info,
  };
}

/** What a WebSocket's upgrade request tells about its TLS client certificate (wss). */
function infoOf(ws: WebSocket, req: IncomingMessage): TransportInfo {
  const socket = req.socket;
  if (!(socket instanceof tls.TLSSocket)) return { kind: 'websocket', protocol: ws.protocol };
  return { kind: 'websocket', protocol: ws.protocol, authorized: socket.authorized, peerCertificateSubject: peerSubject(socket) };
}

/**
 * Listen for WebSockets on host:port (0 = a free port) and serve each with `accept`; with
 * `options.tls`, over TLS (wss).
 */
export async function listenWebSocket(
  host: string, port: number, accept: (protocol: WsProtocol, transport: Transport) => AcceptedConnection, options: ListenOptions = {},
): Promise<Listener> {
  // The client's offer decides the protocol; offering none of ours refuses the handshake.
  const handleProtocols = (offered: Set<string>): string | false => SUBPROTOCOLS.find(([name]) => offered.has(name))?.[0] ?? false;
  const secure = options.tls === undefined ? undefined : https.createServer(options.tls);
  if (secure !== undefined) secure.on('tlsClientError', (e: Error) => options.onTlsError?.(e));
  const server = secure === undefined ? new WebSocketServer({ host, port, handleProtocols }) : new WebSocketServer({ server: secure, handleProtocols });
  const connections = new Set<AcceptedConnection>();
  server.on('connection', (ws, req) => {
    const protocol = SUBPROTOCOLS.find(([name]) => name === ws.protocol)?.[1];
    if (protocol === undefined) {
      ws.close(1002, 'offer the amqp or v10.stomp/v11.stomp/v12.stomp subprotocol');
      return;
    }
    let conn: AcceptedConnection | undefined;
    conn = accept(protocol, transportOf(ws, infoOf(ws, req), () => {
      try { conn?.onDrain?.(); } catch (err) { conn?.fault(err); }
    }));
    connections.add(conn);
    // The last line of the per-connection boundary (boundary.ts), as in the TCP listener.
    ws.on('message', (data) => {
      try { conn?.onData(bytesOf(data)); } catch (err) { conn?.fault(err); }
    });
    ws.on('error', () => { /* reported through close */ });
    ws.on('close', () => {
      if (conn === undefined) return;
      connections.delete(conn);
      const c = conn;
      conn = undefined;
      try { c.onClose(); } catch (err) { c.fault(err); }
    });
  });
  await new Promise<void>((resolve, reject) => {
    if (secure !== undefined) {
      secure.once('error', reject);
      secure.listen(port, host, () => { secure.off('error', reject); resolve(); });
      return;
    }
    server.once('error', reject);
    server.once('listening', () => { server.off('error', reject); resolve(); });
  });
  return {
    host,
    port: ((secure ?? server).address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const c of [...connections]) c.shutdown();
      // As the TCP listener: a moment for clients to read the close frames, then cut the rest.
      const t = setTimeout(() => { for (const ws of server.clients) ws.terminate(); }, 200);
      t.unref();
      if (server.clients.size === 0) clearTimeout(t);
      server.close(() => {
        if (secure === undefined) return resolve();
        secure.close(() => resolve());
        secure.closeAllConnections();
      });
    }),
  };
}
