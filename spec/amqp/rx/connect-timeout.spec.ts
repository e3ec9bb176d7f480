/**
 * connectTimeout covers the whole handshake, not only the TCP connect: a peer that accepts the
 * socket and says nothing, and one that trickles its protocol header a byte at a time, both fail
 * connect() with a TimeoutError at the deadline (not after the 60 s idle time-out).
 */
import { expect } from 'chai';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { connect, TimeoutError } from '../../../src/amqp/index.js';

/** A server that accepts and then does what `onSocket` says; closed afterwards. */
async function server(onSocket: (s: net.Socket) => void): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); onSocket(s); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `amqp://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => { for (const s of sockets) s.destroy(); srv.close(); },
  };
}

describe('amqp/rx connectTimeout covers the handshake', function () {
  this.timeout(10_000);

  for (const [name, behave] of [
    ['accepts and stays silent', (_s: net.Socket) => {}],
    ['trickles its protocol header, a byte every 200 ms', (s: net.Socket) => {
      const header = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
      let i = 0;
      const t = setInterval(() => { if (i < header.length && !s.destroyed) s.write(header.subarray(i, ++i)); else clearInterval(t); }, 200);
      s.on('close', () => clearInterval(t));
    }],
  ] as const) {
    it(`fails with TimeoutError at the deadline when the peer ${name}`, async () => {
      const peer = await server(behave);
      try {
        const t0 = Date.now();
        const err = await firstValueFrom(connect({ url: peer.url, connectTimeout: 600 })).then(() => undefined, (e: unknown) => e);
        const took = Date.now() - t0;
        expect(err).to.be.instanceOf(TimeoutError);
        expect((err as Error).message).to.match(/within 600 ms/);
        expect(took).to.be.within(550, 3000);
      } finally {
        peer.close();
      }
    });
  }
});
