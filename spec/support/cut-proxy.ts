/**
 * A loopback TCP proxy in front of a real broker whose connections the test can cut (to force
 * reconnects) or freeze (to make the broker look dead while every socket stays open), and which
 * records what the client wrote.
 */
import net from 'node:net';

export interface CutProxy {
  readonly port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** What clients wrote, per accepted connection, in order. */
  readonly written: Buffer[][];
  /** Destroy every open connection (both sides). */
  cut(): void;
  /**
   * Stop forwarding in both directions on every open connection, and drop what arrives: a silent
   * peer (a network partition). The client's socket stays open even when the broker, missing our
   * heart-beats, closes its side; only heart-beat detection can notice. Connections accepted
   * later are not frozen.
   */
  freeze(): void;
  close(): Promise<void>;
}

interface Pair { readonly client: net.Socket; readonly upstream: net.Socket; frozen: boolean }

/** Options of {@link cutProxy}. */
export interface CutProxyOptions {
  /**
   * Destroy every connection this long (ms) after it was accepted: a broker that accepts every
   * connection and then loses it, for the reconnect backoff.
   */
  readonly dropAfterMs?: number;
}

export async function cutProxy(targetPort: number, targetHost = '127.0.0.1', opts: CutProxyOptions = {}): Promise<CutProxy> {
  const open = new Set<Pair>();
  const written: Buffer[][] = [];
  const proxy: CutProxy = {
    port: 0,
    accepted: 0,
    written,
    cut: () => { for (const p of open) { p.client.destroy(); p.upstream.destroy(); } open.clear(); },
    freeze: () => { for (const p of open) p.frozen = true; },
    close: () => new Promise<void>((r) => { proxy.cut(); server.close(() => r()); }),
  };
  const server = net.createServer((client) => {
    proxy.accepted++;
    const log: Buffer[] = [];
    written.push(log);
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, frozen: false };
    open.add(pair);
    client.on('data', (d: Buffer) => {
      log.push(d);
      if (!pair.frozen) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => { if (!pair.frozen) client.write(d); });
    const end = () => { clearTimeout(drop); client.destroy(); upstream.destroy(); open.delete(pair); };
    const drop = opts.dropAfterMs === undefined ? undefined : setTimeout(end, opts.dropAfterMs);
    client.on('error', end).on('close', end);
    // A frozen connection keeps the client side open when the broker gives up on it.
    const upstreamEnd = () => { if (pair.frozen) upstream.destroy(); else end(); };
    upstream.on('error', upstreamEnd).on('close', upstreamEnd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (proxy as { port: number }).port = (server.address() as net.AddressInfo).port;
  return proxy;
}
