/**
 * The broker's TCP listener (Node), plain or TLS: accepts sockets and hands each one, as the same
 * Transport the clients use, to a protocol connection made by `accept`. Knows nothing about AMQP.
 * Over TLS the transport's info says whether the client's certificate was verified and its
 * subject CN (what SASL EXTERNAL and STOMP certificate logins use).
 */
import net from 'node:net';
import tls from 'node:tls';
import { socketTransport } from '../transport/node.js';
import { TransportError, type Transport, type TransportHandlers, type TransportInfo } from '../transport/types.js';
import type { FaultSink } from './boundary.js';

/**
 * What a protocol connection is to a listener: the handlers of its transport (data, close,
 * drain), and a way to end it from the server side.
 */
export interface AcceptedConnection extends TransportHandlers, FaultSink {
  /** Close from the server side (shutdown). */
  shutdown(): void;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** How a listener secures its sockets. */
export interface ListenOptions {
  /** Listen with TLS (Node's server options: key, cert, ca, requestCert, rejectUnauthorized...). */
  readonly tls?: tls.TlsOptions;
  /** A client whose TLS handshake failed (no or an untrusted certificate, wrong protocol). */
  readonly onTlsError?: (error: Error) => void;
}

/** The subject CN of the client's certificate, when it sent one. */
export function peerSubject(socket: tls.TLSSocket): string | undefined {
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** Listen on host:port (0 = a free port) and serve each socket with `accept`. */
export async function listen(host: string, port: number, accept: (transport: Transport) => AcceptedConnection, options: ListenOptions = {}): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const connections = new Set<AcceptedConnection>();
  const serve = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const info: TransportInfo = socket instanceof tls.TLSSocket
      ? { kind: 'tls', authorized: socket.authorized, peerCertificateSubject: peerSubject(socket) }
      : { kind: 'tcp' };
    const conn = accept(socketTransport(socket, info, {
      pauseReads: () => { socket.pause(); },
      resumeReads: () => { if (!socket.destroyed) socket.resume(); },
    }));
    connections.add(conn);
    let lastError: TransportError | undefined;
    // Each connection guards its own entry points (boundary.ts); these catches are the last line,
    // so that nothing one client does can end the process.
    socket.on('data', (c: Buffer) => {
      try { conn.onData(new Uint8Array(c.buffer, c.byteOffset, c.length)); } catch (err) { conn.fault(err); }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => { lastError = new TransportError(e.message, e.code, { cause: e }); });
    socket.on('drain', () => {
      try { conn.onDrain?.(); } catch (err) { conn.fault(err); }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      connections.delete(conn);
      try { conn.onClose(lastError); } catch (err) { conn.fault(err); }
    });
  };
  const server = options.tls === undefined ? net.createServer(serve) : tls.createServer(options.tls, serve);
  if (options.tls !== undefined) {
    server.on('tlsClientError', (e: Error) => options.onTlsError?.(e));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as net.AddressInfo;
  return {
    host,
    port: addr.port,
    close: () => new Promise<void>((resolve) => {
      for (const c of [...connections]) c.shutdown();
      server.close(() => resolve());
      // Give clients a moment to read the close frames, then cut what is left.
      const t = setTimeout(() => { for (const s of sockets) s.destroy(); }, 200);
      t.unref();
      if (sockets.size === 0) clearTimeout(t);
    }),
  };
}
