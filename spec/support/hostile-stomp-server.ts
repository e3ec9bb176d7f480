/**
 * A scripted STOMP server of our own for the hostile-server suite: it answers CONNECT (or stays
 * silent, or trickles CONNECTED), records the frames the client sends, and from then on writes
 * whatever raw bytes the test script says. See hostile-amqp-server.ts for the AMQP one.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { StompDecoder, type StompFrame } from '../../src/stomp/codec/index.js';

export type StompHandshake = 'normal' | 'silent' | 'trickle-connected';

export interface StompScriptedConnection {
  readonly socket: net.Socket;
  readonly frames: StompFrame[];
  write(bytes: Uint8Array | string): void;
  /** Answer nothing from now on (the script is not called); the socket stays open. */
  mute(): void;
}

export interface StompServerOptions {
  readonly handshake?: StompHandshake;
  readonly trickleMs?: number;
  /** The CONNECTED frame's heart-beat header (default "0,0"). */
  readonly heartBeat?: string;
  /** The CONNECTED frame's server header (default: none). */
  readonly server?: string;
  /** Write an EOL (a heart-beat) this often once connected, whatever happens (ms; 0 = never). */
  readonly heartbeatEveryMs?: number;
  /** Called for each frame after CONNECTED; the default answers receipts. Return true when handled. */
  readonly script?: (f: StompFrame, conn: StompScriptedConnection) => boolean | void;
}

export interface ScriptedStompServer {
  readonly url: string;
  readonly connections: StompScriptedConnection[];
  close(): Promise<void>;
}

const header = (f: StompFrame, name: string): string | undefined => f.headers.find(([k]) => k === name)?.[1];

export async function scriptedStompServer(options: StompServerOptions = {}): Promise<ScriptedStompServer> {
  const connections: StompScriptedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    timers.add(t);
  };
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let muted = false;
    const decoder = new StompDecoder({ version: '1.2' });
    const conn: StompScriptedConnection = {
      socket, frames: [],
      write: (b) => { if (!socket.destroyed) socket.write(b); },
      mute: () => { muted = true; },
    };
    connections.push(conn);
    socket.on('data', (chunk: Buffer) => {
      let items;
      try {
        items = decoder.push(new Uint8Array(chunk));
      } catch {
        socket.destroy();
        return;
      }
      for (const item of items) {
        if (item.kind !== 'frame') continue;
        const f = item.frame;
        conn.frames.push(f);
        if (options.handshake === 'silent' || muted) continue;
        if (f.command === 'CONNECT' || f.command === 'STOMP') {
          const connected = `CONNECTED\nversion:1.2\nheart-beat:${options.heartBeat ?? '0,0'}${options.server === undefined ? '' : `\nserver:${options.server}`}\n\n\0`;
          if (options.handshake === 'trickle-connected') {
            let i = 0;
            const step = (): void => {
              if (socket.destroyed || i >= connected.length) return;
              socket.write(connected[i++]);
              later(step, options.trickleMs ?? 500);
            };
            step();
          } else {
            socket.write(connected);
            const every = options.heartbeatEveryMs ?? 0;
            if (every > 0) {
              const beat = (): void => { if (!socket.destroyed) { socket.write('\n'); later(beat, every); } };
              later(beat, every);
            }
          }
          continue;
        }
        if (options.script?.(f, conn) === true) continue;
        const receipt = header(f, 'receipt');
        if (receipt !== undefined) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
        if (f.command === 'DISCONNECT') socket.end();
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `stomp://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    connections,
    close: () => new Promise<void>((r) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}
