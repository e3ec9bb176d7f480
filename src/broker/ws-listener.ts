/**
 * The broker's WebSocket listener (Node, the `ws` package): one port for both protocols, the
 * subprotocol the client offers picks which (`amqp` for AMQP 1.0, `v12.stomp`, `v11.stomp` or
 * `v10.stomp` for STOMP), as browsers reach brokers. Each WebSocket becomes the same Transport a
 * TCP socket is (listener.ts); the protocol connections do not know the difference.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Transport } from '../transport/types.js';
import type { AcceptedConnection, Listener } from './listener.js';

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
function transportOf(ws: WebSocket, drained: () => void): Transport {
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
    info: { kind: 'websocket', protocol: ws.protocol },
  };
}

/** Listen for WebSockets on host:port (0 = a free port) and serve each with `accept`. */
export async function listenWebSocket(
  host: string, port: number, accept: (protocol: WsProtocol, transport: Transport) => AcceptedConnection,
): Promise<Listener> {
  const server = new WebSocketServer({
    host, port,
    // The client's offer decides the protocol; offering none of ours refuses the handshake.
    handleProtocols: (offered) => SUBPROTOCOLS.find(([name]) => offered.has(name))?.[0] ?? false,
  });
  const connections = new Set<AcceptedConnection>();
  server.on('connection', (ws) => {
    const protocol = SUBPROTOCOLS.find(([name]) => name === ws.protocol)?.[1];
    if (protocol === undefined) {
      ws.close(1002, 'offer the amqp or v10.stomp/v11.stomp/v12.stomp subprotocol');
      return;
    }
    let conn: AcceptedConnection | undefined;
    conn = accept(protocol, transportOf(ws, () => {
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
    server.once('error', reject);
    server.once('listening', () => { server.off('error', reject); resolve(); });
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const c of [...connections]) c.shutdown();
      // As the TCP listener: a moment for clients to read the close frames, then cut the rest.
      const t = setTimeout(() => { for (const ws of server.clients) ws.terminate(); }, 200);
      t.unref();
      if (server.clients.size === 0) clearTimeout(t);
      server.close(() => resolve());
    }),
  };
}
