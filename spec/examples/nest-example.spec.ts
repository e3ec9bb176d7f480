/**
 * examples/nest: runs as `npm run example:nest` (tsx, ESM) and, compiled with its own tsconfig
 * (Nest's CommonJS setup), with plain node: a quote, an RpcException and two events, over AMQP and
 * STOMP against the embedded broker.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const EXPECTED = ['amqp', 'stomp'].flatMap((p) => [
  `${p}: quote {"id":"A-1","total":21}`,
  `${p}: refused {"code":"EMPTY_ORDER","message":"order A-2 has no items"}`,
  `${p}: shipped ["A-1","A-3"]`,
]);

describe('examples: nest', function () {
  this.timeout(60_000);

  it('runs with tsx (npm run example:nest)', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/nest/main.ts'], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim().split('\n')).to.deep.equal(EXPECTED);
  });

  it('compiles with a CommonJS tsconfig and runs with plain node', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'examples/nest/tsconfig.json'], { cwd: ROOT, timeout: 30_000 });
    const out = join(ROOT, '.scratch', 'nest-example');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'package.json'), '{ "type": "commonjs" }\n');
    const { stdout } = await run(process.execPath, [join(out, 'examples', 'nest', 'main.js')], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim().split('\n')).to.deep.equal(EXPECTED);
  });
});
