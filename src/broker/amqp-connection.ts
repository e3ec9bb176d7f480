/**
 * One client connection of the embedded broker: a ServerConnection engine run over the accepted
 * Transport by the shared driver (src/transport/driver.ts: output once per turn, the heart-beat
 * timer), its events routed to the broker's link ends.
 */
import { AmqpError } from '../amqp/engine/errors.js';
import { ServerConnection, type ServerConnectionOptions } from '../amqp/engine/server-connection.js';
import type { EngineEvent } from '../amqp/engine/events.js';
import type { Link } from '../amqp/engine/link.js';
import { EngineDriver } from '../transport/driver.js';
import type { Transport, TransportError } from '../transport/types.js';
import { BrokerConnectionError, report } from './boundary.js';
import { answerAttach, Consumer, Producer, refuseAttach, type BrokerLink, type LinkContext } from './links.js';
import { ControlLink, TransactionCoordinator, type TransactionLimits } from './coordinator.js';
import type { AcceptedConnection } from './listener.js';
import type { NodeRegistry } from './nodes.js';
import { durableSubscriptionsOf } from './durable.js';
import type { NodeAccess } from './permissions.js';

type Events = readonly EngineEvent[];

export interface AmqpConnectionSettings {
  readonly engine: ServerConnectionOptions;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  /** Bounds of the connection's transaction coordinator. */
  readonly transactionLimits: Required<TransactionLimits>;
  /** Connection-level problems (authentication failures, protocol errors), for logging. */
  readonly onError?: (error: Error) => void;
  /** What the authenticated user may do with nodes (undefined: everything), asked once per connection. */
  readonly accessOf?: (user: string) => NodeAccess | undefined;
  /** Links attached at once; more are refused with amqp:resource-limit-exceeded. Default no bound. */
  readonly maxLinks?: number;
  /** Largest message a producer may send (advertised in its attach). Default no bound. */
  readonly maxMessageSize?: number;
  /** No message is handed to this connection while more bytes than this wait unwritten. Default 1 MiB. */
  readonly maxWriteBuffer?: number;
}

export class BrokerAmqpConnection implements LinkContext, AcceptedConnection {
  readonly engine: ServerConnection;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  readonly transactions: TransactionCoordinator;
  readonly maxMessageSize: number | undefined;
  private readonly links = new Map<Link, BrokerLink>();
  private nodeAccess: NodeAccess | undefined | null = null;
  private readonly maxLinks: number;
  private readonly maxWriteBuffer: number;
  /** A consumer found the socket backed up: pump again once it drains. */
  private starved = false;
  private readonly io: EngineDriver<Events, ServerConnection>;
  private readonly transport: Transport;
  private faulted = false;
  /** Events of one read are being handled (see LinkContext.deferRefill). */
  private handling = false;
  private readonly refills = new Set<Producer>();

  constructor(transport: Transport, private readonly settings: AmqpConnectionSettings) {
    this.engine = new ServerConnection(settings.engine);
    this.registry = settings.registry;
    this.producerCredit = settings.producerCredit;
    this.transactions = new TransactionCoordinator(this, settings.transactionLimits);
    this.maxMessageSize = settings.maxMessageSize;
    this.maxLinks = settings.maxLinks ?? Infinity;
    this.maxWriteBuffer = settings.maxWriteBuffer ?? 1024 * 1024;
    this.io = new EngineDriver<Events, ServerConnection>(this.engine, {
      onEvents: (events) => this.handle(events),
      // The socket closed (cleanly or not): every link of this connection goes.
      onEnd: () => this.closeLinks(),
      onFault: (err) => this.fault(err),
      // Output moved into the socket; if that made room, consumers held back may go on.
      afterFlush: () => { if (this.starved && this.canWrite()) setImmediate(this.repump); },
    });
    this.transport = transport;
    this.io.attach(transport);
    this.engine.start(Date.now());
    this.io.flush();
  }

  onData(chunk: Uint8Array): void {
    try {
      this.io.onData(chunk);
    } catch (err) {
      this.fault(err);
    }
  }

  onDrain(): void {
    this.repump();
  }

  /**
   * Whether messages may be handed to this connection now: false while more than maxWriteBuffer
   * bytes wait unwritten (in the engine and in the socket), like STOMP's subscribers, so that a
   * consumer that does not read leaves messages in the queue, where the queue's bound holds.
   */
  canWrite(): boolean {
    if (this.io.ended) return false;
    if (this.engine.pendingOutput + this.transport.bufferedAmount < this.maxWriteBuffer) return true;
    this.starved = true;
    return false;
  }

  /** The socket drained: give consumers held back their turn again. */
  private readonly repump = (): void => {
    if (!this.starved || this.io.ended) return;
    this.starved = false;
    try {
      for (const l of [...this.links.values()]) if (l instanceof Consumer) l.resume();
    } catch (err) {
      this.fault(err);
    }
  };

  onClose(error?: TransportError): void {
    try {
      this.io.onTransportClose(error);
    } catch (err) {
      this.fault(err);
    }
  }

  /**
   * The boundary (boundary.ts): an unexpected error in this connection closes it with
   * amqp:internal-error and is reported; the broker and every other connection go on. Never throws.
   */
  fault(error: unknown): void {
    if (this.faulted) return;
    this.faulted = true;
    report(this.settings.onError, new BrokerConnectionError('amqp', error));
    try {
      if (!this.io.ended) this.engine.close(new AmqpError('amqp:internal-error', 'the broker failed to handle this connection', 'connection', true));
      this.finish();
    } catch {
      // The engine itself is broken: drop the socket without a close frame.
      this.io.destroy();
      try { this.closeLinks(); } catch { /* links of a broken connection: nothing left to free */ }
    }
  }

  /** Close the connection from the broker side (broker shutdown). */
  shutdown(): void {
    if (this.io.ended) return;
    this.engine.close();
    this.finish();
  }

  /** The user's access, known once SASL is done (links come after it); the authzid when given. */
  get access(): NodeAccess | undefined {
    if (this.nodeAccess === null) {
      const p = this.engine.principal;
      const user = p?.authzid ?? p?.username;
      this.nodeAccess = user === undefined ? undefined : this.settings.accessOf?.(user);
    }
    return this.nodeAccess;
  }

  flushSoon(): void {
    this.io.flushSoon();
  }

  get containerId(): string {
    return this.engine.remote?.containerId ?? '';
  }

  deferRefill(p: Producer): boolean {
    if (!this.handling) return false;
    this.refills.add(p);
    return true;
  }

  /** Route the engine's events to the link ends (the driver writes what they produce). */
  private handle(events: Events): void {
    this.handling = true;
    try {
      this.route(events);
    } finally {
      this.handling = false;
    }
    if (this.refills.size === 0) return;
    const due = [...this.refills];
    this.refills.clear();
    for (const p of due) p.refill();
  }

  private route(events: Events): void {
    for (const e of events) {
      switch (e.type) {
        case 'link-attach':
          // A link the client detached in the same read is closed already: nothing to answer.
          if (e.remoteInitiated && e.link.state === 'attach-received') {
            const l = this.links.size >= this.maxLinks
              ? refuseAttach(e.link, this, new AmqpError('amqp:resource-limit-exceeded', `a connection may have at most ${this.maxLinks} links attached (limit maxLinksPerConnection)`, 'link', true))
              : answerAttach(e.link, this);
            if (l !== undefined) this.links.set(e.link, l);
          }
          break;
        case 'link-detach':
          this.links.get(e.link)?.close(e.closed);
          this.links.delete(e.link);
          break;
        case 'link-flow': {
          const l = this.links.get(e.link);
          if (l instanceof Consumer) l.onFlow();
          break;
        }
        case 'delivery': {
          const l = this.links.get(e.link);
          if (l instanceof Producer || l instanceof ControlLink) l.onDelivery(e.delivery);
          // A delivery on a link the broker refused, or one detached in the same read.
          else if (!e.delivery.settled && e.link.state !== 'closed') e.link.settle(e.delivery, { kind: 'released' });
          break;
        }
        case 'delivery-update': {
          const l = this.links.get(e.link);
          if (l instanceof Consumer) l.onUpdate(e.delivery);
          break;
        }
        case 'connection-close':
          this.finish();
          break;
        case 'connection-error':
          this.settings.onError?.(e.error);
          this.finish();
          break;
        default:
          break;
      }
    }
  }

  /** The engine is done: write its last frames, end the socket, drop the links. */
  private finish(): void {
    this.io.end();
    this.closeLinks();
  }

  private closeLinks(): void {
    const all = [...this.links.values()];
    this.links.clear();
    for (const l of all) l.close();
    durableSubscriptionsOf(this.registry).connectionClosed(this);
    // Open transactions end with their connection, rolled back.
    this.transactions.rollbackAll();
  }
}
