/**
 * The command as a whole, spawned: help and version, usage errors, and the `broker` subcommand
 * run as its own process, used by send and receive (AMQP and STOMP), and stopped with SIGINT.
 */
import { expect } from 'chai';
import { exited, firstLines, jsonLines, runCli, spawnCli, uniqueName } from './helpers.js';
import { readFileSync } from 'node:fs';
import { ROOT } from './helpers.js';

const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };

describe('cli e2e: help, version, usage', function () {
  this.timeout(30_000);

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r).to.include({ code: 0, stdout: `rx-mq ${pkg.version}\n`, stderr: '' });
  });

  it('prints the command list with --help and -h, and exits 2 without a command', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli([flag]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Usage: rx-mq COMMAND/);
      for (const c of ['broker', 'send', 'receive']) expect(r.stdout).to.match(new RegExp(`^  ${c} `, 'm'));
      expect(r.stdout).to.contain('Exit codes:');
    }
    const none = await runCli([]);
    expect(none.code).to.equal(2);
    expect(none.stdout).to.match(/^Usage: rx-mq COMMAND/);
  });

  const expected: Record<string, string[]> = {
    broker: ['--amqp-port', '--stomp-port', '--no-stomp', '--ws-port', '--host', '--user', '--max-queue-depth',
      '--users', '--tls-key', '--tls-cert', '--tls-ca', '--tls-client-cert', '--amqps-port', '--stomp-ssl-port', '--wss-port',
      '--max-message-size', '--handshake-timeout', '--max-write-buffer', '--max-connections', '--max-sessions', '--max-links',
      '--max-transactions', '--max-transaction-work', '--max-transaction-bytes', '--max-transaction-frames', '--max-orphaned-send-bytes', '--max-queues', '--idle-node-timeout', '(default 16777216)'],
    send: ['--count', '--body', '--file', '--property', '--header', '--rate', '--settle', '--content-type', '--durable'],
    receive: ['--count', '--credit', '--fetch', '--timeout', '--ack', '--json'],
  };
  for (const [command, options] of Object.entries(expected)) {
    it(`prints help for ${command} with --help and -h`, async () => {
      const [long, short] = await Promise.all([runCli([command, '--help']), runCli([command, '-h'])]);
      expect(long.code).to.equal(0);
      expect(long.stderr).to.equal('');
      expect(short.stdout).to.equal(long.stdout);
      expect(long.stdout).to.match(new RegExp(`^Usage: rx-mq ${command}`));
      for (const o of [...options, '--help']) expect(long.stdout).to.contain(o);
      expect(long.stdout).to.match(/Exit codes: 0 ok; 1 runtime failure.*2 usage error/s);
    });
  }

  it('exits 2 with one line for an unknown command or option, naming the help to read', async () => {
    const cmd = await runCli(['publish']);
    expect(cmd).to.include({ code: 2, stdout: '', stderr: 'rx-mq: unknown command "publish" (see rx-mq --help)\n' });
    const opt = await runCli(['receive', 'amqp://h', 'q', '--cout', '3']);
    expect(opt).to.include({ code: 2, stderr: 'rx-mq: unknown option --cout (see rx-mq receive --help)\n' });
    const missing = await runCli(['send', 'amqp://h']);
    expect(missing).to.include({ code: 2, stderr: 'rx-mq: missing ADDRESS (see rx-mq send --help)\n' });
  });
});

describe('cli e2e: the broker subcommand', function () {
  this.timeout(60_000);

  it('runs a broker, serves send and receive over AMQP and STOMP, and stops on SIGINT with exit 0', async () => {
    const child = spawnCli(['broker', '--amqp-port', '0', '--stomp-port', '0', '--user', 'app:s3cret', '--max-queue-depth', '100']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    try {
      const lines = await firstLines(child, 2);
      expect(lines[0]).to.match(/^amqp:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[1]).to.match(/^stomp:\/\/127\.0\.0\.1:\d+$/);
      const [amqp, stomp] = lines.map((u) => u.replace('://', '://app:s3cret@'));
      const q = `/queue/${uniqueName('broker')}`;
      expect((await runCli(['send', amqp, q, '--count', '3', '--body', 'a{n}'])).code).to.equal(0);
      expect((await runCli(['send', stomp, q, '--count', '2', '--body', 's{n}'])).code).to.equal(0);
      const got = await runCli(['receive', amqp, q, '--count', '5', '--json']);
      expect(got.code, got.stderr).to.equal(0);
      expect(jsonLines(got.stdout).map((m) => m.body)).to.deep.equal(['a1', 'a2', 'a3', 's1', 's2']);
      const denied = await runCli(['send', lines[0].replace('://', '://app:nope@'), q]);
      expect(denied.code).to.equal(4);
    } finally {
      child.kill('SIGINT');
    }
    const end = await exited(child);
    expect(end).to.deep.equal({ code: 0, signal: null });
    // The refused login was reported by the broker on stderr, once, without the password.
    expect(stderr).not.to.contain('nope');
    expect(stderr).not.to.contain('s3cret');
  });

  it('--max-message-size and the other limits reach the broker: a larger message is refused on both protocols', async () => {
    const child = spawnCli(['broker', '--amqp-port', '0', '--stomp-port', '0', '--max-message-size', '100', '--max-queues', '50']);
    try {
      const [amqp, stomp] = await firstLines(child, 2);
      const q = uniqueName('limit');
      const small = await runCli(['send', amqp, q, '--body', 'fits']);
      expect(small.code, small.stderr).to.equal(0);
      const big = await runCli(['send', amqp, q, '--body', 'x'.repeat(200)]);
      expect(big.code).to.equal(1);
      expect(big.stderr).to.match(/message-size-exceeded|max-message-size 100/);
      const bigStomp = await runCli(['send', stomp, `/queue/${q}`, '--body', 'x'.repeat(200)]);
      expect(bigStomp.code).to.equal(1);
      expect(bigStomp.stderr).to.match(/message too large: 200 bytes/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).to.deep.equal({ code: 0, signal: null });
  });

  it('--ws-port also serves both protocols over WebSocket and prints their URLs', async () => {
    const child = spawnCli(['broker', '--amqp-port', '0', '--stomp-port', '0', '--ws-port', '0']);
    try {
      const lines = await firstLines(child, 4);
      expect(lines[2]).to.match(/^amqp\+ws:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[3]).to.equal(lines[2].replace('amqp+ws:', 'ws:'));
      const q = `/queue/${uniqueName('ws')}`;
      expect((await runCli(['send', lines[2], q, '--count', '2', '--body', 'w{n}'])).code).to.equal(0);
      const got = await runCli(['receive', lines[3], q, '--count', '2', '--json']);
      expect(got.code, got.stderr).to.equal(0);
      expect(jsonLines(got.stdout).map((m) => m.body)).to.deep.equal(['w1', 'w2']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).to.deep.equal({ code: 0, signal: null });
  });

  it('exits 1 with one line when the port is taken', async () => {
    const first = spawnCli(['broker', '--amqp-port', '0', '--stomp-port', '0']);
    try {
      const [amqp] = await firstLines(first, 1);
      const port = amqp.split(':').pop() as string;
      const r = await runCli(['broker', '--amqp-port', port, '--no-stomp']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`rx-mq: cannot start the broker on 127.0.0.1: address already in use\n`);
    } finally {
      first.kill('SIGTERM');
    }
    expect(await exited(first)).to.deep.equal({ code: 0, signal: null });
  });
});
