/**
 * bench/io/peer-cpu.ts: the process listening on a port is found through /proc, and its CPU time
 * follows what it really spends. The peer is a child Node process that listens on a port of its
 * own choosing and burns CPU on request, so both answers are known in advance.
 */
import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { listenerPid, peerCpuMeter, processCpuUs } from '../../bench/io/peer-cpu.js';
import { cpuBoundMbPerS } from '../../bench/io/harness.js';

const PEER = `
const net = require('node:net');
const s = net.createServer().listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
// Burns the given milliseconds of this process's own CPU time (not of the wall clock, which on a
// busy machine passes while the process waits for a CPU).
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
process.stdin.on('data', (d) => {
  const t = cpuMs();
  while (cpuMs() - t < Number(d.toString())) { /* burn */ }
  process.stdout.write('done\\n');
});
`;

function nextLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
}

describe('bench: peer CPU (/proc)', function () {
  this.timeout(20_000);
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => { child?.kill(); child = undefined; });

  before(function () {
    if (process.platform !== 'linux') throw new Error('peer-cpu reads /proc: these tests run on Linux (as CI does)');
  });

  it('finds the process listening on a port, and none for a port nobody listens on', async () => {
    child = spawn(process.execPath, ['-e', PEER]);
    const port = Number(await nextLine(child));
    expect(listenerPid(port)).to.equal(child.pid);
    // A port this process connects from (not a listener) names no process.
    const idle = net.createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const free = (idle.address() as AddressInfo).port;
    await new Promise<void>((r) => idle.close(() => r()));
    expect(listenerPid(free)).to.equal(undefined);
  });

  it('measures the CPU the peer spends between start and stop, not before', async () => {
    child = spawn(process.execPath, ['-e', PEER]);
    const port = Number(await nextLine(child));
    child.stdin.write('300');
    await nextLine(child); // 300 ms burnt before the meter starts: not counted
    const meter = peerCpuMeter(port);
    child.stdin.write('400');
    await nextLine(child);
    const us = meter.stop();
    // 400 ms of the peer's CPU time; /proc counts in ticks of 10 ms (so it may read up to a tick
    // short), and the peer does a little more (the read, the write, the loop's last pass). CPU time
    // does not stretch on a busy machine the way wall-clock time does.
    expect(us).to.be.a('number');
    expect(us as number).to.be.within(380_000, 600_000);
    expect(processCpuUs(child.pid as number) as number).to.be.at.least(700_000);
  });

  it('answers undefined for a process that is gone', async () => {
    child = spawn(process.execPath, ['-e', PEER]);
    const port = Number(await nextLine(child));
    const meter = peerCpuMeter(port);
    const pid = child.pid as number;
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill();
    await exited;
    expect(meter.stop()).to.equal(undefined);
    expect(processCpuUs(pid)).to.equal(undefined);
  });

  it('turns CPU per MiB into the throughput that keeps every CPU busy', () => {
    // 1,000 us per MiB on 2 CPUs: 2,000 MiB/s, 2,097.152 MB/s.
    expect(cpuBoundMbPerS(1000, 2)).to.be.closeTo(2097.152, 1e-9);
    expect(cpuBoundMbPerS(4000, 2)).to.be.closeTo(524.288, 1e-9);
  });
});
