/**
 * Node transports: TCP (no-delay, keep-alive), TLS and WebSocket (the `ws` package). Each resolves
 * once the pipe is usable and then reports data and its end through TransportHandlers.
 */
import type { ClientRequestArgs } from 'node:http';
import type { WebSocket as WsClass } from 'ws';
import net from 'node:net';
import tls from 'node:tls';
import { ProxyError, type ProxyConfig } from './proxy.js';
import { openTunnel } from './tunnel.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS, TransportError, type OpenOptions, type TlsOptions, type Transport, type TransportHandlers, type TransportInfo,
  type TransportTarget,
} from './types.js';

export { DEFAULT_CONNECT_TIMEOUT_MS };

/** Open a transport to `target`. Rejects with TransportError when the pipe cannot be set up. */
export function openTransport(target: TransportTarget, handlers: TransportHandlers, options: OpenOptions = {}): Promise<Transport> {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (options.proxy !== undefined) return openThroughProxy(target, handlers, options.proxy, timeout);
  switch (target.kind) {
    case 'tcp': {
      // TCP reads go through `onread` (our own read buffer, no stream machinery per chunk) so
      // that they can be held: see TcpReader.
      const reader = new TcpReader(handlers);
      const socket = net.connect({ host: target.host, port: target.port, onread: { buffer: reader.buffer, callback: reader.callback } });
      reader.socket = socket;
      return openSocket(socket, 'connect', { kind: 'tcp' }, handlers, timeout, describe(target), reader);
    }
    case 'tls':
      return openSocket(
        tls.connect({ host: target.host, port: target.port, ...tlsOptions(target.tls, target.host) }),
        'secureConnect', { kind: 'tls' }, handlers, timeout, describe(target), undefined,
      );
    case 'websocket':
      return openWebSocket(target, handlers, timeout);
  }
}

/**
 * The same transports through a proxy's tunnel: the tunnel is a socket to the proxy that now
 * carries the target's bytes; TCP runs over it as it is, TLS inside it (SNI and the certificate
 * check name the target host, not the proxy), WebSocket over it (ws://) or over TLS inside it
 * (wss://). One deadline, `timeoutMs` from now, covers the proxy, the tunnel and TLS or WebSocket.
 */
async function openThroughProxy(target: TransportTarget, handlers: TransportHandlers, proxy: ProxyConfig, timeoutMs: number): Promise<Transport> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  if (target.kind === 'tcp') {
    const { socket } = await openTunnel(proxy, target.host, target.port, deadline);
    return openSocket(socket, undefined, { kind: 'tcp' }, handlers, left(), describe(target), undefined);
  }
  // Loaded before the tunnel opens, so that no wait comes between the tunnel and its transport.
  const ws = target.kind === 'websocket' ? (await import('ws')).default : undefined;
  const [host, port] = target.kind === 'tls' ? [target.host, target.port] : hostPortOf(target.url);
  const tunnel = await openTunnel(proxy, host, port, deadline);
  const secure = target.kind === 'tls' || target.url.startsWith('wss:');
  if (tunnel.early) {
    // TLS and WebSocket clients speak first: a target that spoke before us is not one of them.
    tunnel.socket.destroy();
    throw new ProxyError(`${describe(target)}: bytes arrived through the proxy before the ${secure ? 'TLS' : 'WebSocket'} handshake began`, { failure: 'protocol', proxyKind: proxy.kind });
  }
  const overTunnel = (): net.Socket => {
    if (secure) return tls.connect({ socket: tunnel.socket, ...tlsOptions(target.tls, host) });
    tunnel.socket.resume();
    return tunnel.socket;
  };
  if (target.kind === 'tls') return openSocket(overTunnel(), 'secureConnect', { kind: 'tls' }, handlers, left(), describe(target), undefined);
  return openWebSocket(target, handlers, left(), ws, overTunnel);
}

/** The host and port of a ws:// or wss:// URL (the default ports 80 and 443 when it has none). */
function hostPortOf(url: string): [string, number] {
  const u = new URL(url);
  return [u.hostname.replace(/^\[(.*)\]$/, '$1'), u.port !== '' ? Number(u.port) : u.protocol === 'wss:' ? 443 : 80];
}

function describe(t: TransportTarget): string {
  return t.kind === 'websocket' ? t.url : `${t.kind}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

function tlsOptions(o: TlsOptions | undefined, host: string): tls.ConnectionOptions {
  const ca = o?.ca === undefined ? undefined : (Array.isArray(o.ca) ? o.ca : [o.ca]).map(pem);
  return {
    ca,
    cert: o?.cert === undefined ? undefined : pem(o.cert),
    key: o?.key === undefined ? undefined : pem(o.key),
    passphrase: o?.passphrase,
    // SNI must not be an IP address; Node warns and ignores it then.
    servername: o?.servername ?? (net.isIP(host) === 0 ? host : undefined),
    rejectUnauthorized: o?.rejectUnauthorized ?? true,
  };
}

const pem = (x: string | Uint8Array): string | Buffer => (typeof x === 'string' ? x : Buffer.from(x));

function errorOf(e: unknown, what: string): TransportError {
  if (e instanceof TransportError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const reason = code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found'
    : code === 'ECONNRESET' ? 'connection reset by peer'
    : code === 'ETIMEDOUT' ? 'timed out'
    : err?.message ?? String(e);
  return new TransportError(`${what}: ${reason}`, code, { cause: e });
}

/**
 * Resolve with `socket` as a Transport once `readyEvent` fires, or at once (undefined) for a
 * socket that is connected already (a proxy's tunnel, paused: it is resumed once the transport's
 * owner has it).
 */
function openSocket(
  socket: net.Socket,
  readyEvent: 'connect' | 'secureConnect' | undefined,
  baseInfo: TransportInfo,
  handlers: TransportHandlers,
  timeoutMs: number,
  what: string,
  reader: TcpReader | undefined,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let open = false;
    let closed = false;
    let lastError: TransportError | undefined;
    const timer = setTimeout(() => {
      socket.destroy(new TransportError(`${what}: no connection within ${timeoutMs} ms`, 'ETIMEDOUT'));
    }, timeoutMs);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const ready = (): void => {
      clearTimeout(timer);
      open = true;
      const t = socket as tls.TLSSocket;
      const info: TransportInfo = readyEvent === 'secureConnect'
        ? { ...baseInfo, authorized: t.authorized, peerCertificateSubject: subjectOf(t) }
        : baseInfo;
      resolve(socketTransport(socket, info, reader === undefined ? {} : { holdReads: (ms: number) => reader.hold(ms) }));
    };
    if (readyEvent !== undefined) socket.once(readyEvent, ready);
    if (reader === undefined) socket.on('data', (chunk: Buffer) => handlers.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('drain', () => handlers.onDrain?.());
    socket.on('error', (e) => { lastError = errorOf(e, what); });
    socket.on('close', () => {
      clearTimeout(timer);
      reader?.stop();
      if (closed) return;
      closed = true;
      if (!open) reject(lastError ?? new TransportError(`${what}: closed before connecting`));
      else handlers.onClose(lastError);
    });
    if (readyEvent === undefined) {
      if (socket.destroyed) {
        clearTimeout(timer);
        closed = true;
        reject(new TransportError(`${what}: the tunnel closed before use`));
        return;
      }
      ready();
      // Bytes (those the proxy's answer came with, first) flow once the owner has attached the
      // transport: its `.then` runs in this turn's microtasks, before the next turn.
      setImmediate(() => socket.resume());
    }
  });
}

/** What a socket transport can do to its reads, beyond what every transport does. */
type ReadControl = Pick<Transport, 'holdReads' | 'pauseReads' | 'resumeReads'>;

/**
 * A connected Node socket (TCP or TLS) as a Transport, for the clients' connections and the
 * embedded broker's accepted ones alike. Writes to a socket already destroyed are dropped (the
 * close is reported separately).
 */
export function socketTransport(socket: net.Socket, info: TransportInfo, reads: ReadControl = {}): Transport {
  return {
    write: (b) => !socket.destroyed && socket.write(b),
    writev: (parts) => {
      if (socket.destroyed) return false;
      // Corked writes leave as one writev when uncorked.
      socket.cork();
      let ok = true;
      for (const p of parts) ok = socket.write(p);
      socket.uncork();
      return ok;
    },
    end: () => { if (!socket.destroyed) socket.end(); },
    destroy: () => socket.destroy(),
    get bufferedAmount() { return socket.writableLength; },
    info,
    ...reads,
  };
}

/**
 * `size` bytes of uninitialised memory, for arrays that are filled completely before they are
 * read (ConnectionCoreOptions.allocate, the TCP read buffer). `new Uint8Array` zeroes its bytes
 * first; for a 1 MiB delivery assembled from frames that zeroing cost as much as the copy that
 * follows it. The array has an ArrayBuffer of its own (never Node's shared pool), and it is a
 * plain Uint8Array, not a Buffer: the engines hand it to applications as message bytes.
 */
export function uninitializedBytes(size: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}

/** Size of the buffer a TCP read lands in (as large as Node's own default read size; see COALESCE_BELOW_BYTES). */
const READ_BUFFER_SIZE = 64 * 1024;
/** Reads at least this large are handed over as they are; smaller ones are copied out. */
const HAND_OVER_BYTES = 16 * 1024;
/** Reads up to this size are copied into a shared slab of SLAB_SIZE bytes; larger ones into arrays of their own. */
const SLAB_COPY_MAX = 4 * 1024;
const SLAB_SIZE = 16 * 1024;

/**
 * Reads of one TCP socket, through Node's `onread` hook: every read lands in one reused buffer
 * and reaches the owner without a Buffer object, a stream `push` and a 'data' event per chunk.
 * Chunks are the owner's to keep (the engines keep views of them), so a read is copied out unless
 * it is large. A small read goes into a 16 KiB slab that the following reads share: an array of
 * its own would be a new ArrayBuffer, which V8 allocates outside its heap at 1.5 to 3 us a time,
 * more than the read's few messages cost to handle. A retained message therefore pins at most
 * its 16 KiB slab, never the 64 KiB read buffer. A medium read gets an array of its exact size
 * (that cost is small beside its many messages), and a large read keeps the buffer, which is
 * replaced for the next read (no copy where copying costs).
 *
 * The owner may choose where a read goes (TransportHandlers.nextRead): into an array of its own,
 * or a short read into the read buffer.
 *
 * `hold(ms)` pauses reading after the current chunk (the callback returns false, which stops
 * libuv reading the socket) and resumes after `ms`; meanwhile the kernel collects what the peer
 * sends, and the next read takes it at once.
 */
class TcpReader {
  socket: net.Socket | undefined;
  private readBuffer = uninitializedBytes(READ_BUFFER_SIZE);
  /** Where small reads are copied, from `slabAt` on (the bytes before belong to earlier chunks). */
  private slab = new ArrayBuffer(SLAB_SIZE);
  /** The owner's array this read goes into (TransportHandlers.nextRead), if it asked for one. */
  private ownerTarget: Uint8Array | undefined;
  /** The view of the read buffer for short reads, kept while the length asked stays the same. */
  private shortView: Uint8Array | undefined;
  private slabAt = 0;
  private holdMs = 0;
  /** True from a pause until the resume: no new hold is taken meanwhile. */
  private holding = false;
  /**
   * One timer serves every hold of the connection (refresh() re-arms it: a new setTimeout per
   * hold cost an allocation and about three times the time, at up to one hold a read).
   */
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  private holdTimerMs = 0;
  private stopped = false;

  constructor(private readonly handlers: TransportHandlers) {}

  /** Node asks for the buffer of every read (the function form of `onread.buffer`). */
  readonly buffer = (): Uint8Array => {
    const want = this.handlers.nextRead?.();
    if (want === undefined) return this.readBuffer;
    if (typeof want !== 'number') {
      this.ownerTarget = want;
      return want;
    }
    // A short read: a view of the read buffer (what arrives is copied out as a small read).
    const n = Math.max(1, Math.min(want, SLAB_COPY_MAX));
    if (this.shortView === undefined || this.shortView.length !== n || this.shortView.buffer !== this.readBuffer.buffer) {
      this.shortView = this.readBuffer.subarray(0, n);
    }
    return this.shortView;
  };

  readonly callback = (n: number, buf: Uint8Array): boolean => {
    let chunk: Uint8Array;
    if (buf === this.ownerTarget) {
      // Read where the owner asked: the bytes are already where they belong.
      this.ownerTarget = undefined;
      chunk = buf.subarray(0, n);
    } else if (n >= HAND_OVER_BYTES) {
      chunk = buf.subarray(0, n);
      this.readBuffer = uninitializedBytes(READ_BUFFER_SIZE);
    } else if (n <= SLAB_COPY_MAX) {
      if (this.slabAt + n > SLAB_SIZE) {
        this.slab = new ArrayBuffer(SLAB_SIZE);
        this.slabAt = 0;
      }
      chunk = new Uint8Array(this.slab, this.slabAt, n);
      chunk.set(buf.subarray(0, n));
      this.slabAt += n;
    } else {
      chunk = uninitializedBytes(n);
      chunk.set(buf.subarray(0, n));
    }
    this.handlers.onData(chunk);
    if (this.holdMs <= 0 || this.stopped) return true;
    if (this.holdTimer !== undefined && this.holdTimerMs === this.holdMs) this.holdTimer.refresh();
    else {
      if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
      this.holdTimer = setTimeout(this.resume, this.holdMs);
      this.holdTimerMs = this.holdMs;
    }
    this.holding = true;
    this.holdMs = 0;
    return false;
  };

  hold(ms: number): void {
    if (!this.holding && ms > this.holdMs) this.holdMs = ms;
  }

  stop(): void {
    this.stopped = true;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.holding = false;
  }

  private readonly resume = (): void => {
    this.holding = false;
    const s = this.socket;
    if (s !== undefined && !s.destroyed && !this.stopped) s.resume();
  };
}

function subjectOf(t: tls.TLSSocket): string | undefined {
  const cn = t.getPeerCertificate?.()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * @param loaded the `ws` class, when the caller loaded it already.
 * @param overTunnel the socket to speak over (a proxy's tunnel) instead of one of ws's own.
 */
async function openWebSocket(
  target: Extract<TransportTarget, { kind: 'websocket' }>,
  handlers: TransportHandlers,
  timeoutMs: number,
  loaded?: typeof WsClass,
  overTunnel?: () => net.Socket,
): Promise<Transport> {
  // Loaded on demand so that code paths not using WebSocket never need the `ws` package.
  const WebSocket = loaded ?? (await import('ws')).default;
  const host = new URL(target.url).hostname.replace(/^\[(.*)\]$/, '$1');
  const ws = new WebSocket(target.url, [...target.protocols], {
    handshakeTimeout: timeoutMs,
    // Text frames (RabbitMQ web-stomp sends STOMP in text frames by default) may carry binary
    // bodies; the protocol layer checks its own encoding.
    skipUTF8Validation: true,
    ...(target.url.startsWith('wss:') ? tlsOptions(target.tls, host) : {}),
    ...(overTunnel !== undefined ? { createConnection: overTunnel as NonNullable<ClientRequestArgs['createConnection']> } : {}),
  });
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    let open = false;
    let lastError: TransportError | undefined;
    ws.once('open', () => {
      open = true;
      if (target.protocols.length > 0 && !target.protocols.includes(ws.protocol)) {
        ws.terminate();
        reject(new TransportError(`${target.url}: server chose no offered subprotocol (${target.protocols.join(', ')})`));
        return;
      }
      resolve({
        write: (b) => { ws.send(b); return ws.bufferedAmount < 1024 * 1024; },
        end: () => ws.close(1000),
        destroy: () => ws.terminate(),
        get bufferedAmount() { return ws.bufferedAmount; },
        info: { kind: 'websocket', protocol: ws.protocol },
      });
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      handlers.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    ws.on('error', (e) => { lastError = errorOf(e, target.url); });
    ws.on('unexpected-response', (_req, res) => {
      lastError = new TransportError(`${target.url}: HTTP ${res.statusCode} instead of a WebSocket upgrade`, `HTTP_${res.statusCode}`);
      ws.terminate();
    });
    ws.on('close', (code, reason) => {
      if (!open) {
        reject(lastError ?? new TransportError(`${target.url}: closed before opening`));
        return;
      }
      const clean = code === 1000 || code === 1005;
      handlers.onClose(clean ? lastError : (lastError ?? new TransportError(`${target.url}: WebSocket closed with ${code} ${reason.toString()}`.trim(), `WS_${code}`)));
    });
  });
}
