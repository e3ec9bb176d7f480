/**
 * One client connection of the embedded broker: a ServerConnection engine over a byte pipe.
 * Feeds bytes in, writes output once per turn of the event loop, drives heartbeats with one
 * timer, and routes engine events to the broker's link ends.
 */
import { ServerConnection, type ServerConnectionOptions } from '../amqp/engine/server-connection.js';
import type { EngineEvent } from '../amqp/engine/events.js';
import type { Link } from '../amqp/engine/link.js';
import { answerAttach, Consumer, Producer, type BrokerLink, type LinkContext } from './links.js';
import type { NodeRegistry } from './nodes.js';

/** The socket side, as the listener provides it. */
export interface BytePipe {
  write(bytes: Uint8Array): void;
  /** Close after what was written. */
  end(): void;
}

export interface AmqpConnectionSettings {
  readonly engine: ServerConnectionOptions;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  /** Connection-level problems (authentication failures, protocol errors), for logging. */
  readonly onError?: (error: Error) => void;
}

export class BrokerAmqpConnection implements LinkContext {
  readonly engine: ServerConnection;
  readonly registry: NodeRegistry;
  readonly producerCredit: number;
  private readonly links = new Map<Link, BrokerLink>();
  private flushScheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished = false;

  constructor(private readonly pipe: BytePipe, private readonly settings: AmqpConnectionSettings) {
    this.engine = new ServerConnection(settings.engine);
    this.registry = settings.registry;
    this.producerCredit = settings.producerCredit;
    this.engine.start(Date.now());
    this.armTimer();
  }

  onData(chunk: Uint8Array): void {
    if (this.finished) return;
    this.handle(this.engine.receive(chunk, Date.now()));
  }

  /** The socket closed (cleanly or not): every link of this connection goes. */
  onClose(): void {
    this.finished = true;
    this.clearTimer();
    this.closeLinks();
  }

  /** Close the connection from the broker side (broker shutdown). */
  shutdown(): void {
    if (this.finished) return;
    this.engine.close();
    this.flush();
    this.finished = true;
    this.closeLinks();
    this.pipe.end();
  }

  flushSoon(): void {
    if (this.flushScheduled || this.finished) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.finished) return;
    const out = this.engine.takeOutput(Date.now());
    if (out.length > 0) this.pipe.write(out);
    this.armTimer();
  }

  private handle(events: readonly EngineEvent[]): void {
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
          this.links.get(e.link)?.close();
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
    this.flush();
  }

  /** The engine is done: write its last frames, end the socket, drop the links. */
  private finish(): void {
    this.flush();
    this.finished = true;
    this.clearTimer();
    this.closeLinks();
    this.pipe.end();
  }

  private closeLinks(): void {
    const all = [...this.links.values()];
    this.links.clear();
    for (const l of all) l.close();
  }

  private armTimer(): void {
    this.clearTimer();
    const at = this.engine.nextDeadline();
    if (at === undefined || this.finished) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.handle(this.engine.tick(Date.now()));
    }, Math.max(0, at - Date.now()));
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
