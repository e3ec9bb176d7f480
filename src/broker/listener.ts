/**
 * The broker's TCP listener (Node): accepts sockets and hands each one, as a byte pipe, to a
 * protocol connection made by `accept`. Knows nothing about AMQP.
 */
import net from 'node:net';

/** What a protocol connection needs from the socket listener. */
export interface AcceptedConnection {
  onData(chunk: Uint8Array): void;
  onClose(): void;
  /** Close from the server side (shutdown). */
  shutdown(): void;
  /** The socket's write buffer emptied after a write that exceeded it (backpressure). */
  onDrain?(): void;
}

export interface SocketPipe {
  write(bytes: Uint8Array): void;
  end(): void;
  /** Stop reading from the socket (the peer is then held back by TCP flow control). */
  pause?(): void;
  resume?(): void;
  /** Bytes written but not yet handed to the operating system. */
  buffered?(): number;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Listen on host:port (0 = a free port) and serve each socket with `accept`. */
export async function listen(host: string, port: number, accept: (pipe: SocketPipe) => AcceptedConnection): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const connections = new Set<AcceptedConnection>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = accept({
      write: (b) => { if (!socket.destroyed) socket.write(b); },
      end: () => { if (!socket.destroyed) socket.end(); },
      pause: () => { socket.pause(); },
      resume: () => { if (!socket.destroyed) socket.resume(); },
      buffered: () => socket.writableLength,
    });
    connections.add(conn);
    socket.on('data', (c: Buffer) => conn.onData(new Uint8Array(c.buffer, c.byteOffset, c.length)));
    socket.on('error', () => { /* reported through close */ });
    socket.on('drain', () => conn.onDrain?.());
    socket.on('close', () => {
      sockets.delete(socket);
      connections.delete(conn);
      conn.onClose();
    });
  });
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
