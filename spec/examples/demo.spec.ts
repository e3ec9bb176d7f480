/**
 * The README's first command, `npm run demo`, runs here as a child process (with a smaller count),
 * so the main job can never silently break. The demo checks itself (exit code 1 when anything is
 * lost or the credit bound is exceeded); this test also reads its summary, so a demo that printed
 * "ok" over wrong figures would still fail.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** The numbers of one summary line, asserting it is there. */
function figures(out: string, line: RegExp): number[] {
  const m = line.exec(out);
  expect(m, `no line matching ${line} in:\n${out}`).to.not.equal(null);
  return (m as RegExpExecArray).slice(1).map(Number);
}

describe('examples: the demo (npm run demo)', function () {
  this.timeout(90_000);

  it('moves every order through the embedded broker within the credit bound, with STOMP totals from AMQP', async () => {
    const r = await run('npm', ['run', '--silent', 'demo', '--', '--count', '3000', '--credit', '20'], 80_000);
    const all = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.code, all).to.equal(0);
    expect(figures(r.stdout, /messages:\s+(\d+) processed of (\d+) sent \((\d+) accepted/)).to.deep.equal([3000, 3000, 3000]);
    const [largest, credit] = figures(r.stdout, /largest unsettled:\s+(\d+) \(credit (\d+)\)/);
    expect(credit).to.equal(20);
    // Bounded by the credit, and the pipeline really ran concurrently (more than one at a time).
    expect(largest).to.be.within(2, 20);
    expect(figures(r.stdout, /STOMP running totals:\s+(\d+) of (\d+)/)).to.deep.equal([30, 30]);
    expect(r.stdout).to.match(/last "3000 orders, total \d+"/);
    expect(figures(r.stdout, /left on the queue:\s+(\d+)/)).to.deep.equal([0]);
    expect(r.stdout).to.match(/result:\s+ok/);
  });

  it('refuses a bad option with exit code 1 and a one-line reason', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--count', 'many'], 30_000);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('--count needs a positive integer');
  });

  it('tours the type system losslessly (examples/types-tour.ts)', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'examples/types-tour.ts'], 30_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.match(/lossless round trip: yes/g)).to.have.length(2);
    expect(r.stdout).to.not.contain('NO');
  });
});
