/** `connect()`: one cold, owned STOMP connection as an Observable of its session. */
import { map, Observable } from 'rxjs';
import { readCoalescingOf } from '../../transport/read-hold.js';
import { UrlError } from '../../transport/url.js';
import { parseProxy, type ProxyConfig } from '../../transport/proxy.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type TransportTarget } from '../../transport/types.js';
import type { StompEngineOptions } from '../engine/engine.js';
import type { StompConnectOptions } from './options.js';
import { withVirtualHostHint } from './hints.js';
import { createSession, type StompSession } from './session.js';
import { parseStompUrl } from './url.js';
import { StompWire } from './wire.js';

/** The default of `responseTimeout` (ms), as for AMQP. */
const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

/** Resolve URL and options into a transport target and engine options. */
export function resolveOptions(o: string | StompConnectOptions): { target: TransportTarget; engine: StompEngineOptions; options: StompConnectOptions; hostDefaulted: boolean; proxy: ProxyConfig | undefined } {
  const options: StompConnectOptions = typeof o === 'string' ? { url: o } : o;
  for (const [name, v, min] of [['connectTimeout', options.connectTimeout ?? options.connectTimeoutMs, 1], ['responseTimeout', options.responseTimeout, 0]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min)) throw new RangeError(`${name} must be a number of milliseconds >= ${min}, got ${String(v)}`);
  }
  const proxy = options.proxy === undefined ? undefined : parseProxy(options.proxy);
  const ep = options.url !== undefined ? parseStompUrl(options.url, options.tls) : undefined;
  const target = options.target ?? ep?.target;
  if (!target) throw new UrlError('connect() needs a url or a target');
  const host = options.host ?? ep?.host ?? (target.kind === 'websocket' ? new URL(target.url).hostname : target.host);
  return {
    target,
    options,
    proxy,
    // Nobody named a virtual host: the host header is the host name (see withVirtualHostHint).
    hostDefaulted: options.host === undefined && (ep === undefined || ep.hostFromUrlHost),
    engine: {
      host,
      login: options.login ?? ep?.login,
      passcode: options.passcode ?? ep?.passcode,
      versions: options.versions,
      heartbeat: options.heartbeat,
      heartbeatTolerance: options.heartbeatTolerance,
      heartbeatGraceMs: options.heartbeatGraceMs,
      connectCommand: options.connectCommand,
      connectHeaders: options.connectHeaders,
      limits: options.limits,
      responseTimeout: options.responseTimeout ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    },
  };
}

/**
 * Connect on subscribe; emit the session after CONNECTED. Unsubscribing sends DISCONNECT with a
 * receipt, waits for it (bounded) and closes the socket. A failure (ERROR frame, dead peer,
 * socket error) is an error notification; a clean remote close completes.
 */
export function connect(urlOrOptions: string | StompConnectOptions): Observable<StompSession> {
  return connectSession(urlOrOptions).pipe(map((c) => c.session));
}

/** A session and a way to learn when its connection has ended (the reconnecting client waits for it). */
export interface SessionOnWire {
  readonly session: StompSession;
  /** Resolves when the connection has ended: after the DISCONNECT receipt (or its timeout) on a graceful close. */
  readonly ended: Promise<void>;
}

/** `connect()`, emitting the session together with its end (internal: not exported from rx-mq/stomp). */
export function connectSession(urlOrOptions: string | StompConnectOptions): Observable<SessionOnWire> {
  return new Observable<SessionOnWire>((sub) => {
    let resolved;
    let readCoalescing: number;
    try {
      resolved = resolveOptions(urlOrOptions);
      readCoalescing = readCoalescingOf(resolved.options.readCoalescing);
    } catch (e) {
      sub.error(e);
      return undefined;
    }
    const { target, engine, options, hostDefaulted, proxy } = resolved;
    const wire = new StompWire(engine, Date.now, options.maxWriteBuffer, readCoalescing);
    let unend: (() => void) | undefined;
    wire.open(target, options.connectTimeout ?? options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.transport, proxy).then(() => {
      if (sub.closed) return;
      unend = wire.onEnd((end) => (end.clean ? sub.complete() : sub.error(end.error)));
      const ended = new Promise<void>((resolve) => { wire.onEnd(() => resolve()); });
      sub.next({ session: createSession(wire), ended });
    }, (e: unknown) => sub.error(withVirtualHostHint(e, engine.host, hostDefaulted)));
    return () => {
      unend?.();
      void wire.close(options.disconnectTimeoutMs ?? 3000);
    };
  });
}
