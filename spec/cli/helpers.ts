/** Spawning the `rx-mq` command for end-to-end tests. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (spec/cli is two levels down). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

/** The command to run: from source through tsx (default), or a built main.js. */
export interface Entry { readonly args: readonly string[] }
export const SOURCE: Entry = { args: ['--import', 'tsx', 'src/cli/main.ts'] };

/** Start the command; the caller reads its streams. */
export function spawnCli(args: readonly string[], entry: Entry = SOURCE): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...entry.args, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
}

/** Run the command to its end (killed after `timeoutMs`), with optional standard input. */
export function runCli(args: readonly string[], opts: { input?: Uint8Array; timeoutMs?: number; entry?: Entry } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts.entry);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Resolve with the first `n` lines the child writes on stdout. */
export function firstLines(child: ChildProcessWithoutNullStreams, n: number, timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${n} lines on stdout within ${timeoutMs} ms; got ${JSON.stringify(text)}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      const lines = text.split('\n');
      if (lines.length > n) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(lines.slice(0, n));
      }
    };
    child.stdout.on('data', onData);
    child.on('close', () => { clearTimeout(timer); reject(new Error(`exited before ${n} lines; got ${JSON.stringify(text)}`)); });
  });
}

/** Wait for a child's exit. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

let counter = 0;
/** A queue name no other test (or test run) uses. */
export const uniqueName = (what: string): string => `rxmq-cli-${what}-${process.pid}-${Date.now()}-${counter++}`;

/** Parse JSON lines output. */
export const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
