/**
 * Test support for the broker's STOMP side: a raw TCP client that writes exact bytes and reads
 * frames, and an @stomp/stompjs client over TCP. (stomp.py runs live in the interop tier.)
 */
import { Client, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import net from 'node:net';
import { StompDecoder, type StompFrame } from '../../src/stomp/codec/index.js';

/** A raw TCP STOMP client: exact bytes out, decoded frames in. */
export interface RawClient {
  readonly socket: net.Socket;
  readonly frames: StompFrame[];
  /** Bytes received so far. */
  received(): number;
  write(text: string | Uint8Array): void;
  frame(pred: (f: StompFrame) => boolean, ms?: number): Promise<StompFrame>;
  /** Resolves when the broker closed the connection. */
  readonly closed: Promise<void>;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const decoder = new StompDecoder({ version: '1.2' });
  const frames: StompFrame[] = [];
  const waiters: (() => void)[] = [];
  let count = 0;
  socket.on('data', (d: Buffer) => {
    count += d.length;
    try {
      for (const item of decoder.push(new Uint8Array(d))) if (item.kind === 'frame') frames.push(item.frame);
    } catch { /* the test looks at frames, not at our decoder */ }
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return {
    socket, frames, closed,
    received: () => count,
    write: (t) => { socket.write(typeof t === 'string' ? Buffer.from(t, 'utf8') : t); },
    frame: (pred, ms = 5000) => new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching frame; got ${frames.map((f) => f.command).join(',')}`)), ms);
      const check = (): void => {
        const f = frames.find(pred);
        if (f !== undefined) { clearTimeout(t); resolve(f); } else waiters.push(check);
      };
      check();
    }),
  };
}

/** An @stomp/stompjs client over TCP, connected. */
export async function stompjs(port: number, opts: { login?: string; passcode?: string; heartbeat?: number } = {}): Promise<Client> {
  const js = new Client({
    webSocketFactory: () => new TCPWrapper('127.0.0.1', port),
    connectHeaders: { login: opts.login ?? 'guest', passcode: opts.passcode ?? 'guest', host: '/' },
    heartbeatIncoming: opts.heartbeat ?? 0, heartbeatOutgoing: opts.heartbeat ?? 0, reconnectDelay: 0,
  });
  await new Promise<void>((resolve, reject) => {
    js.onConnect = () => resolve();
    js.onStompError = (f) => reject(new Error(f.headers.message));
    js.activate();
  });
  return js;
}

export type { IMessage };
