/**
 * One client connection of the embedded broker: a ServerConnection engine run over the accepted
 * Transport by the shared driver (src/transport/driver.ts: output once per turn, the heart-beat
 * timer), its events routed to the broker's link ends.
 */
import { ServerConnection, type ServerConnectionOptions } from '../amqp/engine/server-connection.js';
import type { EngineEvent } from '../amqp/engine/events.js';
import type { Link } from '../amqp/engine/link.js';
import { EngineDriver } from '../transport/driver.js';
import type { Transport, TransportError } from '../transport/types.js';
import { answerAttach, Consumer, Producer, type BrokerLink, type LinkContext } from './links.js';
import type { AcceptedConnection } from './listener.js';
import type { NodeRegistry } from './nodes.js';
import { durableSubscriptionsOf } from './durable.js';

type Events = readonly EngineEvent[];

export interface AmqpConnectionSettings {
  readonly engine: ServerConnectionOptions;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  /** Connection-level problems (authentication failures, protocol errors), for logging. */
  readonly onError?: (error: Error) => void;
}

export class BrokerAmqpConnection implements LinkContext, AcceptedConnection {
  readonly engine: ServerConnection;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  private readonly links = new Map<Link, BrokerLink>();
  private readonly io: EngineDriver<Events, ServerConnection>;

  constructor(transport: Transport, private readonly settings: AmqpConnectionSettings) {
    this.engine = new ServerConnection(settings.engine);
    this.registry = settings.registry;
    this.producerCredit = settings.producerCredit;
    this.io = new EngineDriver<Events, ServerConnection>(this.engine, {
      onEvents: (events) => this.handle(events),
      // The socket closed (cleanly or not): every link of this connection goes.
      onEnd: () => this.closeLinks(),
    });
    this.io.attach(transport);
    this.engine.start(Date.now());
    this.io.flush();
  }

  onData(chunk: Uint8Array): void {
    this.io.onData(chunk);
  }

  onClose(error?: TransportError): void {
    this.io.onTransportClose(error);
  }

  /** Close the connection from the broker side (broker shutdown). */
  shutdown(): void {
    if (this.io.ended) return;
    this.engine.close();
    this.finish();
  }

  flushSoon(): void {
    this.io.flushSoon();
  }

  get containerId(): string {
    return this.engine.remote?.containerId ?? '';
  }

  /** Route the engine's events to the link ends (the driver writes what they produce). */
  private handle(events: Events): void {
    for (const e of events) {
      switch (e.type) {
        case 'link-attach':
          // A link the client detached in the same read is closed already: nothing to answer.
          if (e.remoteInitiated && e.link.state === 'attach-received') {
            const l = answerAttach(e.link, this);
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
          if (l instanceof Producer) l.onDelivery(e.delivery);
          else if (!e.delivery.settled) e.link.settle(e.delivery, { kind: 'released' });
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
  }
}
