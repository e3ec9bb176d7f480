/**
 * The embedded broker's limits: what one client (or many) may make it hold, with defaults safe
 * for a broker exposed to careless or hostile clients, all configurable (`startBroker({ limits })`,
 * `rx-mq broker --max-...`). docs/BROKER.md lists them with their defaults.
 */
import { RxMqError } from '../errors.js';

/** Limits of {@link BrokerOptions.limits}. Every one is optional; `Infinity` (or 0 for the timers) turns one off. */
export interface BrokerLimits {
  /**
   * Largest message accepted, in bytes (AMQP: advertised as max-message-size in each producer's
   * attach, a larger transfer detaches the link with amqp:link:message-size-exceeded; STOMP: a
   * larger SEND body gets an ERROR frame). Default 16 MiB.
   */
  readonly maxMessageSize?: number;
  /**
   * Time a client has to finish its handshake, in ms (AMQP: protocol header, SASL and open;
   * STOMP: CONNECT), however slowly it trickles bytes. 0 turns it off. Default 10000.
   */
  readonly handshakeTimeout?: number;
  /**
   * Output waiting for one connection's socket, in bytes: no message is handed to a connection
   * with more than this unwritten (AMQP and STOMP), and delivery resumes when its socket
   * drains. Default 1 MiB.
   */
  readonly maxWriteBuffer?: number;
  /** Client connections open at once, all listeners together; more are closed at once. Default 1000. */
  readonly maxConnections?: number;
  /** AMQP sessions one connection may have (its channel-max is one less). Default 64. */
  readonly maxSessionsPerConnection?: number;
  /** AMQP links one connection may have attached (also each session's handle-max). Default 1024. */
  readonly maxLinksPerConnection?: number;
  /**
   * Bytes of AMQP messages still arriving over several transfers on one connection, all its links
   * together (each one is bounded by maxMessageSize; this bounds their sum, which would otherwise
   * be links times maxMessageSize). Beyond it the connection is closed with
   * amqp:resource-limit-exceeded. Default 64 MiB.
   */
  readonly maxIncompleteBytesPerConnection?: number;
  /** Transactions one connection may have open (STOMP BEGIN, AMQP declare). Default 64. */
  readonly maxTransactions?: number;
  /**
   * Messages posted plus messages settled in one AMQP transaction. The item beyond is refused and
   * the transaction can then only roll back (its commit is rejected with amqp:transaction:rollback).
   * Default 10000, as `maxTransactionFrames` for STOMP.
   */
  readonly maxTransactionWork?: number;
  /** Bytes (message bodies) one STOMP transaction may hold until COMMIT. Default 16 MiB. */
  readonly maxTransactionBytes?: number;
  /** Frames one STOMP transaction may hold. Default 10000. */
  readonly maxTransactionFrames?: number;
  /**
   * STOMP SENDs parked for a full queue (maxQueueDepth) are still stored once there is room when
   * their connection ends, up to this many bytes broker-wide (each such connection counting
   * 1 KiB besides its SENDs); beyond it they are dropped and `onError` hears of it. Default 16 MiB.
   */
  readonly maxOrphanedSendBytes?: number;
  /** Queues and topics that may exist at once (dynamic and auto-created ones alike). Default 10000. */
  readonly maxQueues?: number;
  /**
   * An auto-created queue or topic with no messages, no consumers and no producers is deleted
   * after about this long, in ms (between this and twice this). 0 keeps them. Default 300000.
   */
  readonly idleNodeTimeout?: number;
}

/** The defaults, one place. */
export const DEFAULT_BROKER_LIMITS: Readonly<Required<BrokerLimits>> = {
  maxMessageSize: 16 * 1024 * 1024,
  handshakeTimeout: 10_000,
  maxWriteBuffer: 1024 * 1024,
  maxConnections: 1000,
  maxSessionsPerConnection: 64,
  maxLinksPerConnection: 1024,
  maxIncompleteBytesPerConnection: 64 * 1024 * 1024,
  maxTransactions: 64,
  maxTransactionWork: 10_000,
  maxTransactionBytes: 16 * 1024 * 1024,
  maxTransactionFrames: 10_000,
  maxOrphanedSendBytes: 16 * 1024 * 1024,
  maxQueues: 10_000,
  idleNodeTimeout: 300_000,
};

/** The limits in force: the defaults with the given ones over them, each checked. */
export function resolveLimits(given: BrokerLimits | undefined): Readonly<Required<BrokerLimits>> {
  const out = { ...DEFAULT_BROKER_LIMITS };
  for (const [k, v] of Object.entries(given ?? {}) as [keyof BrokerLimits, number | undefined][]) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_BROKER_LIMITS)) throw new RangeError(`unknown broker limit ${k}`);
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (v !== Infinity && !Number.isInteger(v))) {
      throw new RangeError(`broker limit ${k} must be a whole number of at least 0 (or Infinity), got ${String(v)}`);
    }
    const min = k === 'handshakeTimeout' || k === 'idleNodeTimeout' ? 0 : 1;
    if (v < min) throw new RangeError(`broker limit ${k} must be at least ${min}, got ${v}`);
    out[k] = v;
  }
  return out;
}

/**
 * A limit of the broker was reached: which one, and its value. Raised where a client asked for
 * more (a queue beyond `maxQueues`, a connection beyond `maxConnections`); the client is
 * answered with amqp:resource-limit-exceeded or an ERROR frame, and `onError` hears of it.
 */
export class BrokerLimitError extends RxMqError {
  constructor(readonly limit: keyof BrokerLimits, readonly value: number, what: string) {
    super(`${what} (limit ${limit} = ${value})`);
  }
}
