/**
 * CPU time of the process on the other end of a benchmark: the broker, found by the TCP port it
 * listens on. A client's throughput through a broker is bounded by what the broker spends per
 * message on the same CPUs, so the large-message report shows that bound next to the client's
 * figures. Linux only (/proc); elsewhere every function answers undefined and the report says
 * n/a.
 *
 * Reading /proc is untimed work: the lookup runs before the clock starts and one stat read at
 * each end of the timed region.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** TCP state "listen" as /proc/net/tcp writes it. */
const TCP_LISTEN = '0A';

/** The socket inodes listening on `port` (IPv4 and IPv6, any local address). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(table, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      const localPort = Number.parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16);
      if (localPort === port && f[9] !== '0') inodes.add(f[9]);
    }
  }
  return inodes;
}

/** The id of the process holding a socket that listens on `port`, or undefined. */
export function listenerPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return undefined; }
  for (const pid of pids) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; } // gone, or not ours to read
    for (const fd of fds) {
      let target: string;
      try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m !== null && inodes.has(m[1])) return Number(pid);
    }
  }
  return undefined;
}

let ticksPerSecond: number | undefined;
/** The kernel's clock ticks per second, in which /proc reports CPU time (USER_HZ, usually 100). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU of process `pid` (all its threads) so far, microseconds; undefined if gone. */
export function processCpuUs(pid: number): number | undefined {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1e6) / clockTicks();
}

/**
 * A meter of the peer's CPU, started when made (just before the timed region); `stop()` after it
 * answers the microseconds the peer spent in between, or undefined when they could not be read.
 */
export function peerCpuMeter(port: number): { stop(): number | undefined } {
  const pid = listenerPid(port);
  const t0 = pid === undefined ? undefined : processCpuUs(pid);
  return {
    stop: () => {
      if (pid === undefined || t0 === undefined) return undefined;
      const t1 = processCpuUs(pid);
      return t1 === undefined ? undefined : t1 - t0;
    },
  };
}
