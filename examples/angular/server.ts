/**
 * Serves a built example app: index.html (which loads the zoneless bundle, or the zone.js one
 * with `?zone`), the bundles, and config.json with the broker's WebSocket URLs. Loopback only.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppConfig } from './app/config.js';

const INDEX = readFileSync(join(import.meta.dirname, 'index.html'));

export interface ExampleServer {
  readonly url: string;
  close(): Promise<void>;
}

export function serveExample(bundleDir: string, config: AppConfig, port = 0): Promise<ExampleServer> {
  const files: Record<string, { type: string; body: () => Buffer | string }> = {
    '/': { type: 'text/html; charset=utf-8', body: () => INDEX },
    '/config.json': { type: 'application/json', body: () => JSON.stringify(config) },
    '/main.js': { type: 'text/javascript', body: () => readFileSync(join(bundleDir, 'main.js')) },
    '/main.zone.js': { type: 'text/javascript', body: () => readFileSync(join(bundleDir, 'main.zone.js')) },
  };
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (file === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}
