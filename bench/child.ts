/**
 * One fresh Node child for a benchmark: run it to its end and take the JSON value of the last line it
 * printed. Every harness (codec, I/O, latency) measures in such children so that no side inherits
 * another's JIT state, garbage or sockets.
 */
import { spawn } from 'node:child_process';

export interface ChildOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A child that runs longer (a broker that stopped answering) is killed; the caller may retry. */
  readonly timeoutMs?: number;
  /** What the child is, for the error when it fails. */
  readonly what: string;
}

export function runJsonChild<T>(args: readonly string[], o: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const limit = o.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') reject(new Error(`${o.what} exited with ${String(code)}: ${err.trim()}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}
