/**
 * A TLS terminator for tests: accepts TLS with the test CA's server certificate (for localhost,
 * made by scripts/gen-test-certs.sh) and pipes each connection in plain TCP to `upstream`, the way
 * a load balancer fronts a broker. It records the SNI server name each client sent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const CERTS = path.join(os.tmpdir(), `rx-mq-test-certs-${process.pid}`);
const SCRIPT = fileURLToPath(new URL('../../scripts/gen-test-certs.sh', import.meta.url));

/** The test CA and server certificate (generated once per process). */
export function testCerts(): { readonly ca: string; readonly key: string; readonly cert: string } {
  execFileSync('bash', [SCRIPT, CERTS]);
  const read = (f: string): string => readFileSync(path.join(CERTS, f), 'utf8');
  return { ca: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
}

export interface TlsTerminator {
  readonly port: number;
  /** The SNI server name of each accepted connection (undefined: none sent). */
  readonly serverNames: (string | undefined)[];
  close(): Promise<void>;
}

export async function startTlsTerminator(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TlsTerminator> {
  const { key, cert } = testCerts();
  const sockets = new Set<net.Socket>();
  const serverNames: (string | undefined)[] = [];
  const server = tls.createServer({ key, cert }, (client) => {
    const sni = (client as tls.TLSSocket & { servername?: string | false }).servername;
    serverNames.push(typeof sni === 'string' ? sni : undefined);
    const up = net.connect({ host: upstreamHost, port: upstreamPort });
    sockets.add(client).add(up);
    client.pipe(up).pipe(client);
    const done = (): void => { client.destroy(); up.destroy(); sockets.delete(client); sockets.delete(up); };
    client.on('close', done).on('error', done);
    up.on('close', done).on('error', done);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    serverNames,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
