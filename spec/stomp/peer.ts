/**
 * A tiny loopback STOMP peer we control: it answers CONNECT with a CONNECTED frame of our choice,
 * records the frames it receives and can go silent. Used for heart-beat and close tests.
 */
import net from 'node:net';
import tls from 'node:tls';
import { StompDecoder, type StompFrame } from '../../src/stomp/codec/index.js';

export interface FakePeer {
  readonly port: number;
  readonly frames: StompFrame[];
  readonly sockets: net.Socket[];
  /** Bytes received, heart-beats included. */
  received: number;
  close(): Promise<void>;
}

export interface PeerOptions {
  /** Listen address; default 127.0.0.1. */
  readonly host?: string;
  /** Serve TLS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export async function fakePeer(onFrame: (f: StompFrame, socket: net.Socket) => void, options: PeerOptions = {}): Promise<FakePeer> {
  const frames: StompFrame[] = [];
  const sockets: net.Socket[] = [];
  const peer: FakePeer = {
    port: 0, frames, sockets, received: 0,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
  const handler = (socket: net.Socket): void => {
    sockets.push(socket);
    const d = new StompDecoder({ version: '1.2' });
    socket.on('data', (chunk: Buffer) => {
      peer.received += chunk.length;
      for (const item of d.push(new Uint8Array(chunk))) {
        if (item.kind !== 'frame') continue;
        frames.push(item.frame);
        onFrame(item.frame, socket);
      }
    });
    socket.on('error', () => undefined);
  };
  const server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : net.createServer(handler);
  await new Promise<void>((r) => server.listen(0, options.host ?? '127.0.0.1', () => r()));
  (peer as { port: number }).port = (server.address() as net.AddressInfo).port;
  return peer;
}
