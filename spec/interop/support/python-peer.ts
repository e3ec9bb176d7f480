/**
 * Interop support: start a Python peer (Debian's Python with python3-qpid-proton or python3-stomp)
 * that prints READY when listening, and stop exactly that process afterwards.
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
