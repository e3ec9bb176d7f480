/**
 * The physical limit for the large-message scenario: the same number of bytes copied over a raw
 * TCP loopback connection inside one process (a server that counts and discards, a client that
 * writes 1 MiB chunks respecting backpressure). No protocol, no broker.
 */
import net from 'node:net';
import { MIB, deferred, timed, type IoParams, type IoResult } from './common.js';

async function copy(chunks: number): Promise<void> {
  const total = chunks * MIB;
  const done = deferred();
  let received = 0;
  const server = net.createServer((s) => {
    s.on('data', (b: Buffer) => { received += b.length; if (received >= total) done.resolve(); });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  await new Promise<void>((res, rej) => { client.once('connect', res); client.once('error', rej); });
  const chunk = Buffer.alloc(MIB, 0x5a);
  let written = 0;
  const pump = () => {
    while (written < chunks) {
      written++;
      if (!client.write(chunk)) { client.once('drain', pump); return; }
    }
  };
  pump();
  await done.promise;
  client.destroy();
  server.close();
}

export async function tcpCopy(scenario: string, p: IoParams): Promise<IoResult> {
  await copy(p.warmup);
  const t = await timed(() => copy(p.count));
  return { scenario, side: 'tcp', count: p.count, bytes: p.count * MIB, ...t };
}
