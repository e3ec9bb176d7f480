/**
 * stomp.py (Debian's python3-stomp) against the embedded broker: runs of
 * spec/interop/broker/stomppy_client.py, with their output lines and exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../support/peers.js';

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
