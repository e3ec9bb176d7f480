/**
 * The built command: `tsc -p tsconfig.build.json` (what `npm run build` runs) into a temporary
 * outDir inside the repository, so that package.json and node_modules resolve as they do from
 * dist/; then the built cli/main.js runs with plain node (no tsx) against the embedded broker.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { ROOT, jsonLines, runCli, uniqueName, type Entry } from './helpers.js';

const run = promisify(execFile);

describe('cli e2e: the built command', function () {
  this.timeout(120_000);
  const outDir = join(ROOT, `.cli-build-test-${process.pid}`);
  let broker: EmbeddedBroker;
  let entry: Entry;

  before(async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT });
    entry = { args: [join(outDir, 'cli', 'main.js')] };
    broker = await startBroker({ amqpPort: 0, stompPort: 0 });
  });
  after(async () => {
    rmSync(outDir, { recursive: true, force: true });
    await broker?.close();
  });

  it('starts with a node shebang, as package.json bin needs', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(pkg.bin).to.deep.equal({ 'rx-mq': 'dist/cli/main.js' });
    expect(readFileSync(join(outDir, 'cli', 'main.js'), 'utf8').split('\n')[0]).to.equal('#!/usr/bin/env node');
  });

  it('runs with plain node: version, and a send and receive round trip over AMQP and STOMP', async () => {
    const v = await runCli(['--version'], { entry });
    expect(v.code).to.equal(0);
    expect(v.stdout).to.match(/^rx-mq \d+\.\d+\.\d+/);
    for (const url of [broker.amqpUrl, broker.stompUrl as string]) {
      const q = `/queue/${uniqueName('dist')}`;
      const sent = await runCli(['send', url, q, '--count', '3', '--property', 'k=v'], { entry });
      expect(sent.code, sent.stderr).to.equal(0);
      const got = await runCli(['receive', url, q, '--count', '3', '--json'], { entry });
      expect(got.code, got.stderr).to.equal(0);
      expect(jsonLines(got.stdout).map((m) => m.body)).to.deep.equal(['message 1', 'message 2', 'message 3']);
    }
    const refused = await runCli(['receive', 'stomp://127.0.0.1:1', '/queue/x'], { entry });
    expect(refused).to.include({ code: 3, stderr: 'rx-mq: cannot connect to stomp://127.0.0.1:1: connection refused\n' });
  });
});
