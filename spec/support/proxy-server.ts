/**
 * In-process SOCKS5 (RFC 1928/1929) and HTTP CONNECT proxies for the hermetic tier, written from
 * the RFCs on the server side, with a script for what real proxies do to a client: refuse the
 * target (a SOCKS5 reply code, an HTTP status), refuse credentials, answer one byte at a time
 * (split over reads), send the target's first bytes in the same write as the answer, or never
 * answer. They record what clients asked for, so a test can see the proxy was really used.
 */
import net from 'node:net';

export interface ProxyScript {
  /** Credentials the proxy requires (none: it requires none). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Answer CONNECT with this SOCKS5 reply code / HTTP status instead of connecting. */
  readonly refuse?: number;
  /** Write every answer one byte per TCP segment. */
  readonly dribble?: boolean;
  /** Hold the success answer until the target has sent something, and send both in one write. */
  readonly coalesce?: boolean;
  /** Accept the connection and never answer. */
  readonly silent?: boolean;
  /** Close the connection as soon as the client has said something. */
  readonly hangup?: boolean;
}

export interface TestProxy {
  readonly port: number;
  /** `socks5://user:pass@127.0.0.1:port` or `http://...`, with the given credentials. */
  url(credentials?: { readonly username: string; readonly password: string }): string;
  /** Each CONNECT the proxy was asked for, as host and port. */
  readonly requests: { readonly host: string; readonly port: number; readonly atyp?: number }[];
  /** HTTP: each request head received. */
  readonly heads: string[];
  /** Tunnels opened to a target. */
  tunnels: number;
  /** Destroy every open connection (the tunnels too), and keep listening. */
  cut(): void;
  close(): Promise<void>;
}

/** A socket's bytes as something to await a number of bytes, or a delimiter, from. */
class Reader {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => { this.buf = Buffer.concat([this.buf, c]); this.wake?.(); });
    socket.on('close', () => { this.ended = true; this.wake?.(); });
    socket.on('error', () => {});
  }
  async take(n: number): Promise<Buffer> {
    while (this.buf.length < n) await this.more();
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async until(delim: string): Promise<Buffer> {
    for (;;) {
      const i = this.buf.indexOf(delim);
      if (i >= 0) return this.take(i + delim.length);
      await this.more();
    }
  }
  /** Stop reading: what is buffered, and what comes later, goes to the returned socket's new listeners. */
  detach(): Buffer {
    this.socket.removeAllListeners('data');
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
  private more(): Promise<void> {
    if (this.ended) return Promise.reject(new Error('client closed'));
    return new Promise((r) => { this.wake = () => { this.wake = undefined; r(); }; });
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function answer(socket: net.Socket, bytes: Buffer, dribble: boolean | undefined): Promise<void> {
  if (!dribble) { socket.write(bytes); return; }
  for (const b of bytes) {
    if (socket.destroyed) return;
    socket.write(Buffer.of(b));
    await pause(3);
  }
}

/** Pipe client and target both ways; `first` (bytes the client sent early) goes to the target first. */
function splice(client: net.Socket, target: net.Socket, first: Buffer): void {
  if (first.length > 0) target.write(first);
  client.pipe(target);
  target.pipe(client);
  client.on('close', () => target.destroy());
  target.on('close', () => client.destroy());
  target.on('error', () => {});
}

/** Connect to the target; resolve with the socket and, with `coalesce`, its first bytes. */
function dial(host: string, port: number, coalesce: boolean | undefined): Promise<{ target: net.Socket; early: Buffer }> {
  return new Promise((resolve, reject) => {
    const target = net.connect({ host, port });
    target.once('error', reject);
    target.once('connect', () => {
      target.off('error', reject);
      if (!coalesce) return resolve({ target, early: Buffer.alloc(0) });
      target.pause();
      target.once('readable', () => resolve({ target, early: (target.read() as Buffer | null) ?? Buffer.alloc(0) }));
    });
  });
}

async function serveSocks5(client: net.Socket, script: ProxyScript, proxy: TestProxy): Promise<void> {
  const r = new Reader(client);
  const [ver, n] = await r.take(2);
  if (ver !== 5) return void client.destroy();
  const methods = [...(await r.take(n))];
  const method = script.auth !== undefined ? (methods.includes(2) ? 2 : 0xff) : (methods.includes(0) ? 0 : 0xff);
  await answer(client, Buffer.of(5, method), script.dribble);
  if (method === 0xff) return void client.end();
  if (method === 2) {
    const [, ulen] = await r.take(2);
    const user = (await r.take(ulen)).toString('utf8');
    const [plen] = await r.take(1);
    const pass = (await r.take(plen)).toString('utf8');
    const ok = user === script.auth?.username && pass === script.auth?.password;
    await answer(client, Buffer.of(1, ok ? 0 : 1), script.dribble);
    if (!ok) return void client.end();
  }
  const [, cmd, , atyp] = await r.take(4);
  let host: string;
  if (atyp === 1) host = [...(await r.take(4))].join('.');
  else if (atyp === 3) host = (await r.take((await r.take(1))[0])).toString('utf8');
  else if (atyp === 4) host = (await r.take(16)).toString('hex').match(/.{4}/g)?.join(':') ?? '';
  else return void client.destroy();
  const port = (await r.take(2)).readUInt16BE(0);
  proxy.requests.push({ host, port, atyp });
  const reply = (code: number): Buffer => Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
  if (cmd !== 1) return void (await answer(client, reply(7), script.dribble), client.end());
  if (script.refuse !== undefined) return void (await answer(client, reply(script.refuse), script.dribble), client.end());
  let dialed;
  try {
    dialed = await dial(host, port, script.coalesce);
  } catch {
    return void (await answer(client, reply(5), script.dribble), client.end());
  }
  proxy.tunnels++;
  await answer(client, Buffer.concat([reply(0), dialed.early]), script.dribble);
  splice(client, dialed.target, r.detach());
}

async function serveHttp(client: net.Socket, script: ProxyScript, proxy: TestProxy): Promise<void> {
  const r = new Reader(client);
  const head = (await r.until('\r\n\r\n')).toString('latin1');
  proxy.heads.push(head);
  const m = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.1\r\n/.exec(head);
  const status = (code: number, text: string, extra = ''): Buffer =>
    Buffer.from(`HTTP/1.1 ${code} ${text}\r\n${extra}Content-Length: 0\r\n\r\n`, 'latin1');
  if (m === null) return void (await answer(client, status(405, 'Method Not Allowed'), script.dribble), client.end());
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  proxy.requests.push({ host, port });
  if (script.auth !== undefined) {
    const want = `Basic ${Buffer.from(`${script.auth.username}:${script.auth.password}`, 'utf8').toString('base64')}`;
    const got = /\r\nProxy-Authorization: ([^\r]*)\r\n/i.exec(head)?.[1];
    if (got !== want) {
      return void (await answer(client, status(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="rx-mq test"\r\n'), script.dribble), client.end());
    }
  }
  if (script.refuse !== undefined) return void (await answer(client, status(script.refuse, 'Refused by script'), script.dribble), client.end());
  let dialed;
  try {
    dialed = await dial(host, port, script.coalesce);
  } catch {
    return void (await answer(client, status(502, 'Bad Gateway'), script.dribble), client.end());
  }
  proxy.tunnels++;
  await answer(client, Buffer.concat([Buffer.from('HTTP/1.1 200 Connection established\r\nX-Proxy: rx-mq-test\r\n\r\n', 'latin1'), dialed.early]), script.dribble);
  splice(client, dialed.target, r.detach());
}

/** Start a scripted proxy of `kind` on an ephemeral loopback port. */
export async function startTestProxy(kind: 'socks5' | 'http', script: ProxyScript = {}): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  let proxy: TestProxy;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.setNoDelay(true);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (script.silent) return;
    if (script.hangup) return void client.once('data', () => client.destroy());
    (kind === 'socks5' ? serveSocks5 : serveHttp)(client, script, proxy).catch(() => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  proxy = {
    port,
    requests: [],
    heads: [],
    tunnels: 0,
    url: (c) => `${kind}://${c !== undefined ? `${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@` : ''}127.0.0.1:${port}`,
    cut: () => { for (const s of sockets) s.destroy(); },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  return proxy;
}
