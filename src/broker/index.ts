/**
 * `rx-mq/broker`: an embedded, in-memory AMQP 1.0 and STOMP 1.0/1.1/1.2 broker for demos and
 * tests. It is not a production broker (no persistence, no clustering); see docs/BROKER.md.
 * STOMP `/queue/X` is the AMQP queue `X` and `/topic/X` the AMQP topic `X`.
 *
 * ```ts
 * const broker = await startBroker();   // AMQP and STOMP, each on a free port
 * connect(broker.amqpUrl) ...           // rx-mq/amqp
 * connect(broker.stompUrl) ...          // rx-mq/stomp
 * // startBroker({ wsPort: 0 }) adds one WebSocket port for both: broker.amqpWsUrl, broker.stompWsUrl
 * // startBroker({ tls: { key, cert } }) adds amqps, stomp+ssl and wss: broker.amqpsUrl, broker.stompSslUrl, ...
 * // startBroker({ users: { app: { password, permissions: { read, write, create } } } }): per-user access
 * await broker.close();
 * ```
 */
import { symbol, string, map } from '../amqp/codec/values.js';
import type { SaslLogin } from '../amqp/engine/server-connection.js';
import { Admission } from './admission.js';
import { refuseAmqp, refuseStomp } from './refusal.js';
import { BrokerAmqpConnection } from './amqp-connection.js';
import { resolveLimits, type BrokerLimits } from './limits.js';
import { listen, type AcceptedConnection, type Listener, type ListenOptions } from './listener.js';
import { uninitializedBytes } from '../transport/node.js';
import type { Transport } from '../transport/types.js';
import { BrokerStompConnection } from './stomp-connection.js';
import { NodeRegistry, type BrokerStats } from './nodes.js';
import { listenWebSocket, type WsProtocol } from './ws-listener.js';
import { serverTlsOptions, type BrokerTlsOptions } from './tls.js';
import { Accounts, type BrokerUsers, type NodeAccess } from './permissions.js';
import { resolveAddress } from './address.js';

export { resolveAddress, formatAddress } from './address.js';
export type { NodeAddress, NodeKind } from './address.js';
export type { BrokerStats } from './nodes.js';
export type { BrokerUser, BrokerUsers, UserPermissions } from './permissions.js';
export type { BrokerTlsOptions } from './tls.js';
export { BrokerConnectionError } from './boundary.js';
export { BrokerLimitError, DEFAULT_BROKER_LIMITS } from './limits.js';
export type { BrokerLimits } from './limits.js';
export type { BrokerProtocol } from './boundary.js';

/**
 * Options of {@link startBroker}. Everything is optional: `startBroker()` alone listens for AMQP
 * and STOMP on free loopback ports and accepts any login.
 */
export interface BrokerOptions {
  /** AMQP 1.0 port; 0 (the default) picks a free port. */
  readonly amqpPort?: number;
  /**
   * STOMP 1.0/1.1/1.2 port; 0 (the default) picks a free port, `false` turns STOMP off (then
   * `stompUrl` is undefined). With `users`, CONNECT's login and passcode must match one of them.
   */
  readonly stompPort?: number | false;
  /**
   * STOMP heart-beats the broker offers, [can send every, wants to hear every] in ms; a client
   * silent for twice the negotiated interval (plus a second) is dropped. Default [10000, 10000].
   */
  readonly stompHeartbeat?: readonly [number, number];
  /**
   * WebSocket port for both protocols (what browsers use): the subprotocol the client offers picks
   * AMQP 1.0 (`amqp`) or STOMP (`v12.stomp`, `v11.stomp`, `v10.stomp`). 0 picks a free port;
   * absent or `false` (the default), no WebSocket listener.
   */
  readonly wsPort?: number | false;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /**
   * Accounts: a user name to its password, or to `{ password?, permissions?, actAs? }` (see
   * {@link BrokerUser}: `read`, `write` and `create` regular expressions over node addresses,
   * enforced on both protocols). When set, clients must authenticate (SASL PLAIN, or EXTERNAL
   * with a TLS client certificate; STOMP login and passcode); when absent, any login is accepted
   * (ANONYMOUS, PLAIN with anything, or no SASL at all) and everything is allowed.
   */
  readonly users?: BrokerUsers;
  /** Most messages one queue (or topic subscription) holds; producers get no credit beyond it. Default: no bound. */
  readonly maxQueueDepth?: number;
  /** Address rejected messages are moved to. Default none: they are dropped and counted in `stats()`. */
  readonly deadLetterAddress?: string;
  /** Credit window granted to each producing link. Default 100. */
  readonly producerCredit?: number;
  /** Largest frame accepted (AMQP and STOMP). Default 1 MiB. */
  readonly maxFrameSize?: number;
  /**
   * AMQP idle-time-out in ms: advertised in the open frame (clients heartbeat at half of it) and
   * enforced; a connection silent for longer is closed with amqp:resource-limit-exceeded. 0 turns
   * it off. Default 60000. (STOMP uses `stompHeartbeat`.)
   */
  readonly idleTimeout?: number;
  /** Container id sent in the open frame. Default `rx-mq-broker`. */
  readonly containerId?: string;
  /**
   * What clients may make the broker hold: message size, handshake time, output per connection,
   * connections, sessions and links, STOMP transactions, queues, and how long unused auto-created
   * queues and topics live. Each has a safe default (docs/BROKER.md, `DEFAULT_BROKER_LIMITS`).
   */
  readonly limits?: BrokerLimits;
  /**
   * Connection-level errors (failed logins, protocol errors); never carries credentials. An
   * unexpected error inside one connection arrives here as a `BrokerConnectionError` (that
   * connection was closed with amqp:internal-error or an ERROR frame; every other one goes on).
   */
  readonly onError?: (error: Error) => void;
  /**
   * TLS listeners: with a key and certificate, the broker also listens for `amqps` (`amqpsUrl`),
   * `stomp+ssl` (`stompSslUrl`) and `wss` for both protocols (`amqpWssUrl`, `stompWssUrl`), each
   * on its own port (free ones by default). `requestCert` asks clients for certificates: a
   * verified one is a login (SASL EXTERNAL, or a STOMP CONNECT without `login`), its subject CN
   * the user name. See {@link BrokerTlsOptions}.
   */
  readonly tls?: BrokerTlsOptions;
}

/** What a queue holds right now. */
export interface QueueInfo {
  /** The queue's name (without a `queue/` prefix). */
  readonly name: string;
  /** Messages waiting plus delivered-but-unsettled. */
  readonly depth: number;
  /** Messages waiting to be delivered (not yet sent to any consumer). */
  readonly ready: number;
  /** Consumers attached right now (AMQP receiving links and STOMP subscriptions). */
  readonly consumers: number;
}

/**
 * A running embedded broker, as {@link startBroker} resolves it: where it listens, its counters,
 * and `close()`. It runs in this process; nothing outlives `close()` (queues are in memory).
 */
export interface EmbeddedBroker {
  /** `amqp://HOST:PORT` of the AMQP 1.0 listener. */
  readonly amqpUrl: string;
  /** `stomp://HOST:PORT` of the STOMP listener; undefined when started with `stompPort: false`. */
  readonly stompUrl: string | undefined;
  /** The AMQP port actually bound. */
  readonly amqpPort: number;
  /** The STOMP port actually bound; undefined when STOMP is off. */
  readonly stompPort: number | undefined;
  /** `amqp+ws://HOST:PORT` of the WebSocket listener (subprotocol `amqp`); undefined without `wsPort`. */
  readonly amqpWsUrl: string | undefined;
  /** `ws://HOST:PORT` of the WebSocket listener for STOMP (subprotocols `v1x.stomp`); undefined without `wsPort`. */
  readonly stompWsUrl: string | undefined;
  /** The WebSocket port actually bound; undefined without `wsPort`. */
  readonly wsPort: number | undefined;
  /** `amqps://HOST:PORT` of the AMQP-over-TLS listener; undefined without `tls`. */
  readonly amqpsUrl: string | undefined;
  /** The AMQP-over-TLS port actually bound; undefined without `tls`. */
  readonly amqpsPort: number | undefined;
  /** `stomp+ssl://HOST:PORT` of the STOMP-over-TLS listener; undefined without `tls` or with it off. */
  readonly stompSslUrl: string | undefined;
  /** The STOMP-over-TLS port actually bound; undefined when there is none. */
  readonly stompSslPort: number | undefined;
  /** `amqp+wss://HOST:PORT` of the WebSocket-over-TLS listener (subprotocol `amqp`); undefined without it. */
  readonly amqpWssUrl: string | undefined;
  /** `wss://HOST:PORT` of the WebSocket-over-TLS listener for STOMP; undefined without it. */
  readonly stompWssUrl: string | undefined;
  /** The WebSocket-over-TLS port actually bound; undefined without it. */
  readonly wssPort: number | undefined;
  /** Counters since start. */
  stats(): BrokerStats;
  /** One queue's state, if the queue exists. */
  queue(name: string): QueueInfo | undefined;
  /** Close every connection (AMQP with a close frame, STOMP with an ERROR frame) and stop listening. */
  close(): Promise<void>;
}

/** Start the embedded broker. Resolves once it is listening. */
export async function startBroker(options: BrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const limits = resolveLimits(options.limits);
  const registry = new NodeRegistry({ maxQueueDepth: options.maxQueueDepth, deadLetterAddress: options.deadLetterAddress, maxQueues: limits.maxQueues });
  const admission = new Admission(limits.maxConnections, options.onError);
  const finite = (n: number): number | undefined => (n === Infinity ? undefined : n);
  const accounts = options.users === undefined ? undefined : new Accounts(options.users);
  const amqpLogin = (l: SaslLogin): boolean => {
    if (l.mechanism === 'EXTERNAL') return l.username !== undefined && (accounts === undefined || accounts.loginWithCertificate(l.username, l.authzid) !== undefined);
    if (accounts === undefined) return true;
    return l.mechanism === 'PLAIN' && accounts.loginWithPassword(l.username, l.password, l.authzid) !== undefined;
  };
  // One bound on open transactions for both protocols; AMQP's work bound is its own (messages).
  const transactionLimits = { maxTransactions: limits.maxTransactions, maxTransactionWork: limits.maxTransactionWork };
  const accessOf = accounts === undefined ? undefined : (user: string) => accounts.accessOf(user);
  const acceptAmqp = admission.guard((transport: Transport): AcceptedConnection => {
    // EXTERNAL is offered to a client whose TLS certificate was verified: its subject CN is the login.
    const external = certificateIdentity(transport);
    const mechanisms = accounts === undefined ? ['ANONYMOUS', 'PLAIN'] as const : ['PLAIN'] as const;
    return new BrokerAmqpConnection(transport, {
      registry,
      producerCredit: options.producerCredit ?? 100,
      transactionLimits,
      onError: options.onError,
      accessOf,
      maxLinks: limits.maxLinksPerConnection,
      maxMessageSize: finite(limits.maxMessageSize),
      maxWriteBuffer: limits.maxWriteBuffer,
      engine: {
        containerId: options.containerId ?? 'rx-mq-broker',
        maxFrameSize: options.maxFrameSize,
        idleTimeout: options.idleTimeout,
        maxIncompleteBytes: finite(limits.maxIncompleteBytesPerConnection),
        handshakeTimeout: limits.handshakeTimeout,
        // Sessions: channels 0 .. maxSessions - 1; links: handles 0 .. maxLinks - 1 in each session
        // (the connection-wide count is the broker's).
        channelMax: Math.min(65535, limits.maxSessionsPerConnection - 1),
        session: { handleMax: Math.min(0xffffffff, limits.maxLinksPerConnection - 1) },
        sasl: {
          mechanisms: external === undefined ? mechanisms : ['EXTERNAL', ...mechanisms],
          authenticate: amqpLogin,
          externalIdentity: external,
        },
        allowNoSasl: accounts === undefined,
        offeredCapabilities: ['ANONYMOUS-RELAY'],
        properties: map([[symbol('product'), string('rx-mq-broker')]]),
        allocate: uninitializedBytes,
      },
    });
  }, (transport, reason) => refuseAmqp(transport, reason, options.containerId ?? 'rx-mq-broker'));
  const orphans = { used: 0, max: limits.maxOrphanedSendBytes };
  const acceptStomp = admission.guard((transport: Transport): AcceptedConnection => {
    const cert = certificateIdentity(transport);
    // Who this connection is, once CONNECT is accepted, and what that user may do.
    let access: NodeAccess | undefined;
    const authenticate = accounts === undefined ? undefined : (login: string | undefined, passcode: string | undefined): boolean => {
      // No login on a connection with a verified client certificate: the certificate's CN is the user.
      const user = login === undefined && cert !== undefined ? accounts.loginWithCertificate(cert) : accounts.loginWithPassword(login, passcode);
      if (user === undefined) return false;
      access = accounts.accessOf(user);
      return true;
    };
    const authorize = accounts === undefined ? undefined : (command: 'SEND' | 'SUBSCRIBE', destination: string): string | undefined => {
      if (access === undefined) return undefined;
      const node = resolveAddress(destination) ?? { kind: 'queue' as const, name: destination };
      const why = access.refusal(command === 'SEND' ? 'write' : 'read', node, registry.has(node));
      return why === undefined ? undefined : `access refused: ${why}`;
    };
    return new BrokerStompConnection(transport, {
      registry,
      orphans,
      onError: options.onError,
      maxWriteBuffer: limits.maxWriteBuffer,
      maxMessageSize: finite(limits.maxMessageSize),
      engine: {
        authenticate,
        authorize,
        server: 'rx-mq-broker',
        heartbeat: options.stompHeartbeat,
        connectTimeoutMs: limits.handshakeTimeout,
        maxTransactionFrames: limits.maxTransactionFrames,
        maxTransactionBytes: limits.maxTransactionBytes,
        maxTransactions: limits.maxTransactions,
        limits: { maxFrameSize: options.maxFrameSize ?? 1024 * 1024 },
      },
    });
  }, refuseStomp);
  // Unused auto-created queues and topics go after idleNodeTimeout (two sweeps apart).
  const sweeper = limits.idleNodeTimeout > 0 && limits.idleNodeTimeout !== Infinity
    ? setInterval(() => registry.sweepIdle(), Math.max(1, Math.floor(limits.idleNodeTimeout / 2)))
    : undefined;
  sweeper?.unref();
  // Every listener opened so far is closed again if a later one cannot listen.
  const listeners: Listener[] = [];
  const opened = async (l: Promise<Listener>): Promise<Listener> => {
    try {
      const got = await l;
      listeners.push(got);
      return got;
    } catch (err) {
      await Promise.all(listeners.map((x) => x.close()));
      if (sweeper !== undefined) clearInterval(sweeper);
      throw err;
    }
  };
  const listener = await opened(listen(host, options.amqpPort ?? 0, acceptAmqp));
  const stomp = options.stompPort === false ? undefined : await opened(listen(host, options.stompPort ?? 0, acceptStomp));
  const acceptWs = (protocol: WsProtocol, transport: Transport): AcceptedConnection => (protocol === 'amqp' ? acceptAmqp(transport) : acceptStomp(transport));
  const ws = options.wsPort === undefined || options.wsPort === false ? undefined : await opened(listenWebSocket(host, options.wsPort, acceptWs));
  const t = options.tls;
  const secure: ListenOptions | undefined = t === undefined ? undefined : {
    tls: serverTlsOptions(t),
    // A refused handshake (no or an untrusted client certificate) is reported like a failed login.
    onTlsError: (e) => options.onError?.(e),
  };
  const amqps = secure === undefined ? undefined : await opened(listen(host, t?.amqpsPort ?? 0, acceptAmqp, secure));
  const stompSslPort = t?.stompSslPort ?? (options.stompPort === false ? false : 0);
  const stompSsl = secure === undefined || stompSslPort === false ? undefined : await opened(listen(host, stompSslPort, acceptStomp, secure));
  const wss = secure === undefined || t?.wssPort === false ? undefined : await opened(listenWebSocket(host, t?.wssPort ?? 0, acceptWs, secure));
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    amqpsUrl: amqps === undefined ? undefined : `amqps://${hostPart}:${amqps.port}`,
    amqpsPort: amqps?.port,
    stompSslUrl: stompSsl === undefined ? undefined : `stomp+ssl://${hostPart}:${stompSsl.port}`,
    stompSslPort: stompSsl?.port,
    amqpWssUrl: wss === undefined ? undefined : `amqp+wss://${hostPart}:${wss.port}`,
    stompWssUrl: wss === undefined ? undefined : `wss://${hostPart}:${wss.port}`,
    wssPort: wss?.port,
    amqpUrl: `amqp://${hostPart}:${listener.port}`,
    stompUrl: stomp === undefined ? undefined : `stomp://${hostPart}:${stomp.port}`,
    amqpPort: listener.port,
    stompPort: stomp?.port,
    amqpWsUrl: ws === undefined ? undefined : `amqp+ws://${hostPart}:${ws.port}`,
    stompWsUrl: ws === undefined ? undefined : `ws://${hostPart}:${ws.port}`,
    wsPort: ws?.port,
    stats: () => ({ ...registry.stats }),
    queue: (name) => {
      const q = registry.findQueue(name);
      return q === undefined ? undefined : { name, depth: q.depth, ready: q.readyCount, consumers: q.consumerCount };
    },
    close: async () => {
      if (sweeper !== undefined) clearInterval(sweeper);
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}

/** The subject CN of a TLS client certificate the listener verified; undefined otherwise. */
function certificateIdentity(t: Transport): string | undefined {
  return t.info.authorized === true ? t.info.peerCertificateSubject : undefined;
}
