/**
 * Where the interop tier finds its outside peers: every real broker and Python tool the suite
 * talks to, in one place. Each address can be overridden from the environment, so the suite can
 * be pointed at a user's own RabbitMQ:
 *
 *   RXMQ_RABBITMQ_AMQP=host:port        RabbitMQ AMQP 1.0            (127.0.0.1:5672)
 *   RXMQ_RABBITMQ_STOMP=host:port       RabbitMQ STOMP               (127.0.0.1:61613)
 *   RXMQ_RABBITMQ_WEB_STOMP=host:port   RabbitMQ Web-STOMP           (127.0.0.1:15674)
 *   RXMQ_RABBITMQ_USER / _PASSWORD      its account                  (guest / guest)
 *   RXMQ_ACTIVEMQ_STOMP=host:port       ActiveMQ STOMP               (127.0.0.1:61614)
 *   RXMQ_PROTON_C=host:port             Qpid Proton's C broker       (127.0.0.1:5673)
 *   RXMQ_PYTHON=path                    the Python with python3-qpid-proton and python3-stomp
 *   RXMQ_CHROMIUM=path                  headless Chromium (Debian's chromium-headless-shell)
 *   RXMQ_SOCKS5_PROXY=host:port         SOCKS5 proxy, no authentication (microsocks, 127.0.0.1:11080)
 *   RXMQ_SOCKS5_AUTH_PROXY=host:port    SOCKS5 proxy with user/password  (microsocks, 127.0.0.1:11081)
 *   RXMQ_HTTP_PROXY=host:port           HTTP CONNECT proxy, Basic auth   (tinyproxy, 127.0.0.1:13128)
 *   RXMQ_PROXY_USER / _PASSWORD         the proxies' account             (rxmq-proxy / rxmq-proxy-pw)
 *
 * A peer that is not there is a failure that names it, its address and the command that starts
 * it (`requirePeers`), never a skipped test. The hermetic tier (`npm test`) imports nothing here
 * but the ids and free-port helper.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/** The command that installs and starts every interop peer. */
export const START_COMMAND = 'bash scripts/brokers.sh (as root; npm run test:interop runs it first)';

export interface TcpPeer {
  readonly kind: 'tcp';
  readonly name: string;
  readonly env: string;
  readonly host: string;
  readonly port: number;
}

export interface PythonModulePeer {
  readonly kind: 'python';
  readonly name: string;
  /** The module `import`ed to check it is there. */
  readonly module: string;
  /** The Debian package that provides it. */
  readonly debian: string;
}

export interface ProgramPeer {
  readonly kind: 'program';
  readonly name: string;
  /** Where the program is (its variable overrides it). */
  readonly path: string;
  readonly env: string;
  /** The Debian package that provides it. */
  readonly debian: string;
}

export type Peer = TcpPeer | PythonModulePeer | ProgramPeer;

function tcp(name: string, env: string, fallback: string): TcpPeer {
  const value = process.env[env] ?? fallback;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value);
  if (!m) throw new Error(`${env}=${value}: expected host:port`);
  return { kind: 'tcp', name, env, host: m[1], port: Number(m[2]) };
}

/** Debian's Python, where python3-qpid-proton and python3-stomp are installed. */
export const PYTHON = process.env.RXMQ_PYTHON ?? '/usr/bin/python3';

export const PEERS = {
  rabbitAmqp: tcp('RabbitMQ AMQP 1.0', 'RXMQ_RABBITMQ_AMQP', '127.0.0.1:5672'),
  rabbitStomp: tcp('RabbitMQ STOMP', 'RXMQ_RABBITMQ_STOMP', '127.0.0.1:61613'),
  rabbitWebStomp: tcp('RabbitMQ Web-STOMP', 'RXMQ_RABBITMQ_WEB_STOMP', '127.0.0.1:15674'),
  activemqStomp: tcp('ActiveMQ STOMP', 'RXMQ_ACTIVEMQ_STOMP', '127.0.0.1:61614'),
  protonC: tcp('Qpid Proton C example broker', 'RXMQ_PROTON_C', '127.0.0.1:5673'),
  protonPython: { kind: 'python', name: 'Qpid Proton for Python', module: 'proton', debian: 'python3-qpid-proton' },
  stomppy: { kind: 'python', name: 'stomp.py', module: 'stomp', debian: 'python3-stomp' },
  socks5Proxy: tcp('SOCKS5 proxy (microsocks, no authentication)', 'RXMQ_SOCKS5_PROXY', '127.0.0.1:11080'),
  socks5AuthProxy: tcp('SOCKS5 proxy (microsocks, user/password)', 'RXMQ_SOCKS5_AUTH_PROXY', '127.0.0.1:11081'),
  httpProxy: tcp('HTTP CONNECT proxy (tinyproxy, Basic auth)', 'RXMQ_HTTP_PROXY', '127.0.0.1:13128'),
  chromium: {
    kind: 'program', name: 'headless Chromium', env: 'RXMQ_CHROMIUM', debian: 'chromium-headless-shell',
    path: process.env.RXMQ_CHROMIUM ?? '/usr/bin/chromium-headless-shell',
  },
} as const satisfies Record<string, Peer>;

const RABBIT_USER = process.env.RXMQ_RABBITMQ_USER ?? 'guest';
const RABBIT_PASSWORD = process.env.RXMQ_RABBITMQ_PASSWORD ?? 'guest';

/** How a URL may differ from the peer's own: another account, or another port (a proxy's on loopback). */
export interface UrlOptions { readonly user?: string; readonly password?: string; readonly port?: number }

const authority = (p: TcpPeer, o: UrlOptions, withAccount: boolean): string => {
  const host = o.port === undefined ? p.host : '127.0.0.1';
  const hp = `${host.includes(':') ? `[${host}]` : host}:${o.port ?? p.port}`;
  if (!withAccount) return hp;
  return `${encodeURIComponent(o.user ?? RABBIT_USER)}:${encodeURIComponent(o.password ?? RABBIT_PASSWORD)}@${hp}`;
};

/** URLs of the real brokers, with the suite's account unless another is given. */
export const RABBITMQ = {
  user: RABBIT_USER,
  password: RABBIT_PASSWORD,
  amqpUrl: (o: UrlOptions = {}): string => `amqp://${authority(PEERS.rabbitAmqp, o, true)}`,
  /** STOMP on the virtual host "/" unless another is named (RabbitMQ refuses an unknown one). */
  stompUrl: (o: UrlOptions & { readonly vhost?: string } = {}): string => `stomp://${authority(PEERS.rabbitStomp, o, true)}/${o.vhost ?? '%2F'}`,
  webStompUrl: (o: UrlOptions = {}): string => `ws://${authority(PEERS.rabbitWebStomp, o, true)}/ws?vhost=%2F`,
} as const;
const PROXY_USER = process.env.RXMQ_PROXY_USER ?? 'rxmq-proxy';
const PROXY_PASSWORD = process.env.RXMQ_PROXY_PASSWORD ?? 'rxmq-proxy-pw';

/** Proxy URLs of the real proxies (the account of brokers.sh unless another is given). */
export const PROXIES = {
  user: PROXY_USER,
  password: PROXY_PASSWORD,
  socks5: (): string => `socks5://${authority(PEERS.socks5Proxy, {}, false)}`,
  socks5Auth: (o: { readonly user?: string; readonly password?: string } = {}): string =>
    `socks5://${encodeURIComponent(o.user ?? PROXY_USER)}:${encodeURIComponent(o.password ?? PROXY_PASSWORD)}@${authority(PEERS.socks5AuthProxy, {}, false)}`,
  http: (o: { readonly user?: string; readonly password?: string } = {}): string =>
    `http://${encodeURIComponent(o.user ?? PROXY_USER)}:${encodeURIComponent(o.password ?? PROXY_PASSWORD)}@${authority(PEERS.httpProxy, {}, false)}`,
} as const;
export const ACTIVEMQ = { stompUrl: (o: UrlOptions = {}): string => `stomp://${authority(PEERS.activemqStomp, o, false)}` } as const;
export const PROTON_C = { url: (o: UrlOptions = {}): string => `amqp://${authority(PEERS.protonC, o, false)}` } as const;

function tcpReachable(p: TcpPeer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: p.host, port: p.port });
    const done = (ok: boolean): void => { clearTimeout(t); s.destroy(); resolve(ok); };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true)).once('error', () => done(false));
  });
}

function pythonHas(p: PythonModulePeer): boolean {
  const r = spawnSync(PYTHON, ['-c', `import ${p.module}`], { stdio: 'ignore', timeout: 15_000 });
  return r.status === 0;
}

const checked = new Map<Peer, Promise<string | undefined>>();

/** Why `p` cannot be used (naming it and how to start it), or undefined when it is there. */
export function missingReason(p: Peer): Promise<string | undefined> {
  let r = checked.get(p);
  if (!r) {
    switch (p.kind) {
      case 'tcp':
        r = tcpReachable(p, 3000).then((ok) => ok ? undefined
          : `${p.name} is not reachable at ${authority(p, {}, false)} (set ${p.env} to use another address); start it with ${START_COMMAND}`);
        break;
      case 'python':
        r = Promise.resolve(pythonHas(p) ? undefined
          : `${p.name} is missing: ${PYTHON} cannot import ${p.module} (Debian package ${p.debian}, set RXMQ_PYTHON for another Python); install it with ${START_COMMAND}`);
        break;
      case 'program':
        r = Promise.resolve(existsSync(p.path) ? undefined
          : `${p.name} is missing: no ${p.path} (Debian package ${p.debian}, set ${p.env} for another); install it with ${START_COMMAND}`);
        break;
    }
    checked.set(p, r);
  }
  return r;
}

/**
 * In a describe block of the interop tier: fail (not skip) every test of the block when one of
 * `peers` is not there, with a message that names the peer and the command that starts it.
 */
export function requirePeers(...peers: readonly Peer[]): void {
  before(async function () {
    this.timeout(30_000);
    const reasons = (await Promise.all(peers.map(missingReason))).filter((r): r is string => r !== undefined);
    if (reasons.length > 0) throw new Error(`interop peer missing:\n  ${reasons.join('\n  ')}`);
  });
}
