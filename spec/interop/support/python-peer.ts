/**
 * Interop support: start a Python peer (Debian's Python with python3-qpid-proton or python3-stomp)
 * that prints READY when listening, and stop exactly that process afterwards; or run a Python
 * client to its end and take the JSON object it prints last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PYTHON } from '../../support/peers.js';

export { freePort } from '../../support/free-port.js';

export interface PythonPeer {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startPythonPeer(script: string, args: readonly string[], timeoutMs = 15_000): Promise<PythonPeer> {
  const child = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`python peer not ready in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('READY')) { clearTimeout(t); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`python peer exited with ${code}: ${stderr}`)); });
  });
  return {
    child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Run `script` with `args` to its end (killed after `timeoutMs`) and resolve with the JSON value of
 * the last line it printed; reject with its stderr when it fails, prints no JSON or hangs.
 */
export function runPythonJson<T = Record<string, unknown>>(script: string, args: readonly string[], timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const t = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`${script} timed out: ${out} ${err}`)); }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${out} ${err}`));
      }
    });
  });
}
