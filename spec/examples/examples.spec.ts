/**
 * Runs every examples/amqp-*.ts and examples/stomp-*.ts as a child process against the real
 * brokers, so the examples cannot rot: each must exit 0 on its own and print its key lines.
 * The STOMP examples run against RabbitMQ's STOMP port (URL as their first argument). RabbitMQ (scripts/brokers.sh) serves all
 * of them except request/reply, which needs dynamic nodes (RabbitMQ 3.10 refuses them with
 * amqp:not-implemented) and runs against the Qpid Proton peer instead.
 *
 * Children run as `node --import tsx FILE` (much faster to start than `npx tsx`).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, startPythonPeer, type PythonPeer } from '../support/python-peer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const PROTON_PEER = fileURLToPath(new URL('../interop/proton_peer.py', import.meta.url));
const RABBIT_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672';
const RABBIT_STOMP_URL = process.env.STOMP_URL ?? 'stomp://guest:guest@127.0.0.1:61613/%2F';
/** Each example promises to finish in a few seconds; tsx compiling the sources takes some too. */
const CHILD_TIMEOUT_MS = 30_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runExample(file: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${EXAMPLES}${file}`, ...args], {
      cwd: ROOT,
      env: { ...process.env, AMQP_URL: RABBIT_URL, ...env },
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
function expectSuccess(r: Run): void {
  expect(r.code, `exit code ${r.code} (signal ${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).to.equal(0);
}

/** The number a key line reports, asserting the line is there. */
function reported(r: Run, line: RegExp): number[] {
  const m = line.exec(r.stdout);
  expect(m, `no line matching ${line} in:\n${r.stdout}`).to.not.equal(null);
  return (m as RegExpExecArray).slice(1).map(Number);
}

/** What each example must print, beyond exiting 0. */
const CHECKS: { readonly [file: string]: (r: Run) => void } = {
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
  'amqp-reconnect.ts': (r) => {
    const [received, total, reconnects] = reported(r, /^received (\d+) of (\d+) distinct messages across (\d+) reconnect/m);
    expect(received).to.equal(total);
    expect(reconnects).to.be.at.least(1);
    expect(r.stdout).to.match(/^client state: reconnecting$/m);
  },
};

describe('examples: every examples/amqp-*.ts runs against real peers', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  let proton: PythonPeer | undefined;
  let protonUrl = '';

  before(async () => {
    const port = await freePort();
    proton = await startPythonPeer(PROTON_PEER, [String(port)]);
    protonUrl = `amqp://localhost:${port}`;
  });
  after(async () => { await proton?.stop(); });

  const files = readdirSync(EXAMPLES).filter((f) => /^amqp-.*\.ts$/.test(f)).sort();

  it('finds the examples this spec knows, and knows every example it finds', () => {
    expect(files).to.include.members(Object.keys(CHECKS));
    expect(Object.keys(CHECKS)).to.include.members(files);
  });

  for (const file of files) {
    const rr = file === 'amqp-request-reply.ts';
    it(`${file}${rr ? ' (Qpid Proton peer: dynamic nodes)' : ' (RabbitMQ)'}`, async () => {
      const r = await runExample(file, rr ? { AMQP_RR_URL: protonUrl } : {});
      expectSuccess(r);
      CHECKS[file]?.(r);
    });
  }

  it('amqp-request-reply.ts fails clearly, with a non-zero exit, where dynamic nodes are refused (RabbitMQ)', async () => {
    const r = await runExample('amqp-request-reply.ts', { AMQP_RR_URL: RABBIT_URL });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('cannot create dynamic nodes');
  });
});

/** What each STOMP example must print, beyond exiting 0. */
const STOMP_CHECKS: { readonly [file: string]: (r: Run) => void } = {
  'stomp-hello.ts': (r) => {
    expect(r.stdout).to.match(/^connected: STOMP 1\.2 to RabbitMQ\/\d/m);
    expect(r.stdout.match(/^received .*$/gm)).to.deep.equal(['received "hello" (5 bytes)', 'received "from" (4 bytes)', 'received "rx-mq" (5 bytes)']);
    expect(r.stdout).to.match(/^sent 3 messages, all receipted, receipted, receipted$/m);
    expect(r.stdout).to.match(/^disconnected$/m);
  },
  'stomp-transaction.ts': (r) => {
    expect(r.stdout).to.match(/^before commit: \[\]$/m);
    expect(r.stdout).to.match(/^after commit and abort: \["one","two"\]$/m);
  },
  'stomp-client.ts': (r) => {
    expect(r.stdout).to.match(/^state: connected$/m);
    expect(r.stdout.match(/^confirmed \(receipted\) 6 bytes$/gm)).to.have.length(10);
    expect(r.stdout).to.match(/^received 10 of 10 messages$/m);
    expect(r.stdout).to.match(/^state: idle$/m);
  },
};

describe('examples: every examples/stomp-*.ts runs against RabbitMQ and exits on its own', function () {
  this.timeout(CHILD_TIMEOUT_MS + 10_000);
  const files = readdirSync(EXAMPLES).filter((f) => /^stomp-.*\.ts$/.test(f)).sort();

  it('finds the examples this spec knows, and knows every example it finds', () => {
    expect(files).to.include.members(Object.keys(STOMP_CHECKS));
    expect(Object.keys(STOMP_CHECKS)).to.include.members(files);
  });

  for (const file of files) {
    it(`${file} (RabbitMQ STOMP)`, async () => {
      const r = await runExample(file, {}, [RABBIT_STOMP_URL]);
      // A child left running past CHILD_TIMEOUT_MS is killed and fails here, with a signal.
      expectSuccess(r);
      STOMP_CHECKS[file]?.(r);
    });
  }
});
