/**
 * Runs the examples (examples/amqp-*.ts and examples/stomp-*.ts) as child processes, so that they
 * cannot rot: each must exit 0 on its own and print its key lines. The hermetic tier runs them
 * against the embedded broker (spec/examples/examples.spec.ts), the interop tier against the real
 * brokers. AMQP examples read AMQP_URL (request/reply AMQP_RR_URL first); STOMP ones take the URL
 * as their first argument.
 *
 * Children run as `node --import tsx FILE` (much faster to start than `npx tsx`).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
/** Each example promises to finish in a few seconds; tsx compiling the sources takes some too. */
export const CHILD_TIMEOUT_MS = 30_000;

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runExample(file: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${EXAMPLES}${file}`, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    // A hanging example is a failing one: stop exactly this child.
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Exit 0, with the output in the failure message when not. */
export function expectSuccess(r: Run): void {
  expect(r.code, `exit code ${r.code} (signal ${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(0);
}

/** The number a key line reports, asserting the line is there. */
function reported(r: Run, line: RegExp): number[] {
  const m = line.exec(r.stdout);
  expect(m, `no line matching ${line} in:\n${r.stdout}`).to.not.equal(null);
  return (m as RegExpExecArray).slice(1).map(Number);
}

/** What each example must print, beyond exiting 0. */
export const AMQP_CHECKS: { readonly [file: string]: (r: Run) => void } = {
  'amqp-send-receive.ts': (r) => {
    expect(r.stdout).to.match(/^received "hello"$/m);
    expect(r.stdout).to.match(/^sent "rx-mq": accepted$/m);
    expect(r.stdout).to.include('ok: 3 messages sent and received');
  },
  'amqp-credit-pipeline.ts': (r) => {
    expect(reported(r, /^processed (\d+) messages/m)).to.deep.equal([50]);
    const [max] = reported(r, /^largest number of messages in flight: (\d+)$/m);
    expect(max).to.be.at.least(1);
    expect(max, 'credit 10 bounds the unsettled messages').to.be.at.most(10);
  },
  'amqp-fetch-loop.ts': (r) => {
    const [total, batches] = reported(r, /^fetched (\d+) messages in (\d+) batches; the queue is empty$/m);
    expect(total).to.be.at.least(25);
    expect(batches).to.equal(Math.floor(total / 10) + 1);
    expect(r.stdout).to.match(/^batch of 10: /m);
  },
  'amqp-request-reply.ts': (r) => {
    expect(r.stdout).to.match(/^request "ping" -> reply "PING" \(correlationId [0-9a-f-]{36}\)$/m);
    expect(r.stdout).to.include('ok: 3 requests answered');
  },
  'amqp-transactions.ts': (r) => {
    expect(r.stdout).to.match(/^sent 2 drafts in transaction [0-9a-f]+: accepted, accepted$/m);
    expect(r.stdout).to.match(/^rolled back: the drafts are discarded$/m);
    expect(r.stdout).to.match(/^committed: moved 3 messages$/m);
    expect(r.stdout).to.match(/^output queue: \["packed apple","packed pear","packed plum"\]$/m);
    expect(r.stdout).to.match(/^input queue: 0 left$/m);
  },
  'amqp-reconnect.ts': (r) => {
    const [received, total, reconnects] = reported(r, /^received (\d+) of (\d+) distinct messages across (\d+) reconnect/m);
    expect(received).to.equal(total);
    expect(reconnects).to.be.at.least(1);
    expect(r.stdout).to.match(/^client state: connecting to amqp:\/\/[^ ]*:\*\*\*@127\.0\.0\.1:1 \(attempt 1\)$/m);
    expect(r.stdout).to.match(/^client state: reconnecting in \d+ ms \(attempt \d+\) after: /m);
  },
};

/** What each STOMP example must print, beyond exiting 0 (`server`: the line naming the broker). */
export const STOMP_CHECKS: { readonly [file: string]: (r: Run, server: RegExp) => void } = {
  'stomp-hello.ts': (r, server) => {
    expect(r.stdout).to.match(server);
    expect(r.stdout.match(/^received .*$/gm)).to.deep.equal(['received "hello" (5 bytes)', 'received "from" (4 bytes)', 'received "rx-mq" (5 bytes)']);
    expect(r.stdout).to.match(/^sent 3 messages, all receipted, receipted, receipted$/m);
    expect(r.stdout).to.match(/^disconnected$/m);
  },
  'stomp-transaction.ts': (r) => {
    expect(r.stdout).to.match(/^before commit: \[\]$/m);
    expect(r.stdout).to.match(/^after commit and abort: \["one","two"\]$/m);
  },
  'stomp-client.ts': (r) => {
    expect(r.stdout.match(/^state: .*$/gm)).to.deep.equal(['state: closed', 'state: connecting', 'state: open', 'state: closed']);
    expect(r.stdout.match(/^confirmed \(receipted\) 6 bytes$/gm)).to.have.length(10);
    expect(r.stdout).to.match(/^received 10 of 10 messages$/m);
  },
};

/** The example files of one protocol, sorted. */
export const exampleFiles = (protocol: 'amqp' | 'stomp'): string[] =>
  readdirSync(EXAMPLES).filter((f) => f.startsWith(`${protocol}-`) && f.endsWith('.ts')).sort();

/** A test that the checks above know exactly the examples there are. */
export function itKnowsEveryExample(protocol: 'amqp' | 'stomp'): void {
  it('finds the examples this spec knows, and knows every example it finds', () => {
    const files = exampleFiles(protocol);
    const known = Object.keys(protocol === 'amqp' ? AMQP_CHECKS : STOMP_CHECKS);
    expect(files).to.include.members(known);
    expect(known).to.include.members(files);
  });
}
