/**
 * Test support: start a Python interop peer (Debian's /usr/bin/python3 with python3-qpid-proton or
 * python3-stomp) that prints READY when listening, and stop exactly that process afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const PYTHON = '/usr/bin/python3';

/** A free loopback TCP port (bound and released; good enough for tests on one machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

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
