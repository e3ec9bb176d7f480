/** A loopback TCP proxy whose connections the test can cut, to force reconnects. */
import net from 'node:net';

export interface CutProxy {
  readonly port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Destroy every open connection (both sides). */
  cut(): void;
  close(): Promise<void>;
}

export async function cutProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CutProxy> {
  const open = new Set<net.Socket>();
  const proxy: CutProxy = {
    port: 0,
    accepted: 0,
    cut: () => { for (const s of open) s.destroy(); open.clear(); },
    close: () => new Promise<void>((r) => { proxy.cut(); server.close(() => r()); }),
  };
  const server = net.createServer((client) => {
    proxy.accepted++;
    const upstream = net.connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (proxy as { port: number }).port = (server.address() as net.AddressInfo).port;
  return proxy;
}
