/**
 * Test support for the broker's STOMP side: stomp.py runs (spec/broker/stomppy_client.py), a raw
 * TCP client that writes exact bytes and reads frames, and an @stomp/stompjs client over TCP.
 */
import { Client, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { StompDecoder, type StompFrame } from '../../src/stomp/codec/index.js';
import { PYTHON } from '../support/python-peer.js';

const CLIENT = fileURLToPath(new URL('./stomppy_client.py', import.meta.url));

export interface PyRun {
  readonly child: ChildProcess;
  /** Resolves with the exit code. */
  readonly exit: Promise<number | null>;
  /** stdout lines so far. */
  readonly lines: string[];
  /** JSON lines that carry a message. */
  messages(): { hex: string; headers: Record<string, string> }[];
  /** Resolves when a line matching `pred` has been printed. */
  line(pred: (l: string) => boolean, ms?: number): Promise<string>;
}

const running = new Set<ChildProcess>();

/** Run the stomp.py client in `mode`; see the script for the modes. */
export function stomppy(mode: string, port: number, ...args: string[]): PyRun {
  const child = spawn(PYTHON, [CLIENT, mode, String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => {
    running.delete(child);
    if (code !== 0) process.stderr.write(err);
    r(code);
  }));
  const line = (pred: (l: string) => boolean, ms = 15_000): Promise<string> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`stomp.py printed no matching line: ${lines.join('\n')} ${err}`)), ms);
    const check = (): void => {
      const l = lines.find(pred);
      if (l !== undefined) { clearTimeout(t); resolve(l); } else waiters.push(check);
    };
    check();
  });
  const messages = () => lines.filter((l) => l.startsWith('{"hex"')).map((l) => JSON.parse(l) as { hex: string; headers: Record<string, string> });
  return { child, exit, lines, messages, line };
}

/** Stop every stomp.py process this file started and that is still running. */
export function stopStomppy(): void {
  for (const c of running) if (c.exitCode === null) c.kill('SIGKILL');
  running.clear();
}

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
