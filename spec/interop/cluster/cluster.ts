/**
 * The three-node RabbitMQ cluster of scripts/cluster.sh, as the failover test sees it: its nodes
 * and ports (the same defaults and variables as the script), the script's commands run without
 * blocking the event loop, and a check that fails (never skips) with the command that starts it.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RABBITMQ } from '../../support/peers.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../scripts/cluster.sh');
export const START_COMMAND = 'bash scripts/cluster.sh start (npm run test:cluster runs it first)';

const base = (env: string, fallback: number): number => {
  const v = process.env[env];
  return v === undefined ? fallback : Number(v);
};
const AMQP_BASE = base('RXMQ_CLUSTER_AMQP_BASE', 5680);
const STOMP_BASE = base('RXMQ_CLUSTER_STOMP_BASE', 61630);

export interface ClusterNode {
  /** 1, 2 or 3: what `scripts/cluster.sh ctl N` takes. */
  readonly n: number;
  readonly name: string;
  readonly amqpPort: number;
  readonly stompPort: number;
  readonly amqpUrl: string;
  readonly stompUrl: string;
}

export const NODES: readonly ClusterNode[] = [1, 2, 3].map((n) => ({
  n,
  name: `rxmq-c${n}@localhost`,
  amqpPort: AMQP_BASE + n,
  stompPort: STOMP_BASE + n,
  amqpUrl: RABBITMQ.amqpUrl({ port: AMQP_BASE + n }),
  stompUrl: RABBITMQ.stompUrl({ port: STOMP_BASE + n }),
}));

/** The node a client's URL (as `state$` shows it, password redacted) points at. */
export function nodeOfUrl(url: string | undefined): ClusterNode | undefined {
  if (url === undefined) return undefined;
  let port: number;
  try { port = Number(new URL(url).port); } catch { return undefined; }
  return NODES.find((n) => n.amqpPort === port || n.stompPort === port);
}

/** Run scripts/cluster.sh with `args`; resolves with its output, rejects with it on failure. */
export function cluster(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/cluster.sh ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => { clearTimeout(t); s.destroy(); resolve(ok); };
    const t = setTimeout(() => done(false), 3000);
    s.once('connect', () => done(true)).once('error', () => done(false));
  });
}

/** In a describe block: fail every test when a node's AMQP or STOMP port is closed. */
export function requireCluster(): void {
  before(async function () {
    this.timeout(30_000);
    const closed: string[] = [];
    for (const node of NODES) {
      for (const port of [node.amqpPort, node.stompPort]) if (!(await reachable(port))) closed.push(`${node.name} port ${port}`);
    }
    if (closed.length > 0) throw new Error(`RabbitMQ cluster not running (${closed.join(', ')} closed); start it with ${START_COMMAND}`);
  });
}
