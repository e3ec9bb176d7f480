/**
 * `rx-mq/broker`: an embedded, in-memory AMQP 1.0 broker for demos and tests. It is not a
 * production broker (no persistence, no clustering, no transactions); see docs/BROKER.md.
 *
 * ```ts
 * const broker = await startBroker({ amqpPort: 0 });
 * connect(broker.amqpUrl) ...
 * await broker.close();
 * ```
 */
import { symbol, string, map } from '../amqp/codec/values.js';
import type { SaslLogin } from '../amqp/engine/server-connection.js';
import { BrokerAmqpConnection } from './amqp-connection.js';
import { listen, type Listener } from './listener.js';
import { NodeRegistry, type BrokerStats } from './nodes.js';

export { resolveAddress, formatAddress } from './address.js';
export type { NodeAddress, NodeKind } from './address.js';
export type { BrokerStats } from './nodes.js';

export interface BrokerOptions {
  /** AMQP 1.0 port; 0 (the default) picks a free port. */
  readonly amqpPort?: number;
  /**
   * STOMP port. The STOMP side is not implemented yet: the option is accepted and ignored, and
   * `stompUrl` stays undefined.
   */
  readonly stompPort?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /**
   * Accounts (user name to password). When set, clients must authenticate with SASL PLAIN;
   * when absent, any login is accepted (ANONYMOUS, PLAIN with anything, or no SASL at all).
   */
  readonly users?: Readonly<Record<string, string>>;
  /** Most messages one queue (or topic subscription) holds; producers get no credit beyond it. Default: no bound. */
  readonly maxQueueDepth?: number;
  /** Address rejected messages are moved to. Default none: they are dropped and counted in `stats()`. */
  readonly deadLetterAddress?: string;
  /** Credit window granted to each producing link. Default 100. */
  readonly producerCredit?: number;
  /** Largest frame accepted. Default 1 MiB. */
  readonly maxFrameSize?: number;
  /** Close connections silent for this long (ms); 0 = never. Default 60000. */
  readonly idleTimeout?: number;
  /** Container id sent in the open frame. Default `rx-mq-broker`. */
  readonly containerId?: string;
  /** Connection-level errors (failed logins, protocol errors); never carries credentials. */
  readonly onError?: (error: Error) => void;
}

/** What a queue holds right now. */
export interface QueueInfo {
  readonly name: string;
  /** Messages waiting plus delivered-but-unsettled. */
  readonly depth: number;
  readonly ready: number;
  readonly consumers: number;
}

export interface EmbeddedBroker {
  /** `amqp://HOST:PORT` of the AMQP 1.0 listener. */
  readonly amqpUrl: string;
  /**
   * `stomp://HOST:PORT` of the STOMP listener. Undefined for now: the STOMP side of the
   * embedded broker does not exist yet.
   */
  readonly stompUrl: string | undefined;
  /** The AMQP port actually bound. */
  readonly amqpPort: number;
  /** Counters since start. */
  stats(): BrokerStats;
  /** One queue's state, if the queue exists. */
  queue(name: string): QueueInfo | undefined;
  /** Close every connection (with a close frame) and stop listening. */
  close(): Promise<void>;
}

/** Start the embedded broker. Resolves once it is listening. */
export async function startBroker(options: BrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const registry = new NodeRegistry({ maxQueueDepth: options.maxQueueDepth, deadLetterAddress: options.deadLetterAddress });
  const users = options.users;
  const authenticate = users === undefined
    ? () => true
    : (l: SaslLogin) => l.mechanism === 'PLAIN' && l.username !== undefined &&
      Object.prototype.hasOwnProperty.call(users, l.username) && users[l.username] === l.password;
  const listener: Listener = await listen(host, options.amqpPort ?? 0, (pipe) => new BrokerAmqpConnection(pipe, {
    registry,
    producerCredit: options.producerCredit ?? 100,
    onError: options.onError,
    engine: {
      containerId: options.containerId ?? 'rx-mq-broker',
      maxFrameSize: options.maxFrameSize,
      idleTimeout: options.idleTimeout,
      sasl: { mechanisms: users === undefined ? ['ANONYMOUS', 'PLAIN'] : ['PLAIN'], authenticate },
      allowNoSasl: users === undefined,
      offeredCapabilities: ['ANONYMOUS-RELAY'],
      properties: map([[symbol('product'), string('rx-mq-broker')]]),
    },
  }));
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    amqpUrl: `amqp://${hostPart}:${listener.port}`,
    stompUrl: undefined,
    amqpPort: listener.port,
    stats: () => ({ ...registry.stats }),
    queue: (name) => {
      const q = registry.findQueue(name);
      return q === undefined ? undefined : { name, depth: q.depth, ready: q.readyCount, consumers: q.consumerCount };
    },
    close: () => listener.close(),
  };
}
