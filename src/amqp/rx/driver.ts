/**
 * Runs one engine Connection over one Transport through the shared driver
 * (src/transport/driver.ts: output once per turn, the deadline timer, read coalescing, the end)
 * and routes engine events to whoever registered for them: a session, a link, the connection.
 */
import { Connection, type ConnectionOptions } from '../engine/connection.js';
import type { EngineEvent } from '../engine/events.js';
import type { Link } from '../engine/link.js';
import type { Session } from '../engine/session.js';
import { EngineDriver } from '../../transport/driver.js';
import { TransportError, type Transport } from '../../transport/types.js';
import { DEFAULT_READ_COALESCING_MS } from '../../transport/read-hold.js';
import { inFullFlow, streamEvents } from './read-coalescing.js';

export type LinkListener = (e: EngineEvent) => void;

type Events = readonly EngineEvent[];

export class ConnectionDriver {
  readonly engine: Connection;
  private readonly io: EngineDriver<Events, Connection>;
  private readonly linkListeners = new Map<Link, LinkListener>();
  private readonly sessionListeners = new Map<Session, LinkListener>();
  private readonly connectionListeners = new Set<LinkListener>();

  /**
   * @param readCoalescingMs how long to hold reads while a stream is in full flow (0: never);
   *   see read-coalescing.ts.
   */
  constructor(
    options: ConnectionOptions,
    private readonly now: () => number = Date.now,
    readCoalescingMs: number = DEFAULT_READ_COALESCING_MS,
  ) {
    this.engine = new Connection(options);
    this.io = new EngineDriver<Events, Connection>(this.engine, {
      onEvents: (events) => this.route(events),
      onEnd: (error) => {
        const e = error ?? new TransportError('connection lost: the peer closed the socket without an AMQP close');
        // The engine ends its sessions and links, so late settles and sends fail typed, not silently.
        this.engine.transportClosed(e);
        for (const l of [...this.connectionListeners]) l({ type: 'connection-error', error: e });
      },
      readHold: { ms: readCoalescingMs, inFullFlow, streamEvents },
      now,
    });
  }

  /** Attach the transport and start the protocol. */
  start(transport: Transport): void {
    this.io.attach(transport);
    this.engine.start(this.now());
    this.io.flush();
  }

  /** Bytes from the transport. */
  onData(chunk: Uint8Array): void {
    this.io.onData(chunk);
  }

  /** Where the transport had best read to next (see Connection.nextRead). */
  nextRead(): Uint8Array | number | undefined {
    return this.io.nextRead();
  }

  /** The transport ended; tell everyone (the engine cannot send anything any more). */
  onTransportClose(error: TransportError | undefined): void {
    this.io.onTransportClose(error);
  }

  /** Write whatever the engine produced at the end of this turn (see EngineDriver.flushSoon). */
  flushSoon(): void {
    this.io.flushSoon();
  }

  flush(): void {
    this.io.flush();
  }

  onLink(link: Link, l: LinkListener): () => void {
    this.linkListeners.set(link, l);
    return () => this.linkListeners.delete(link);
  }

  onSession(s: Session, l: LinkListener): () => void {
    this.sessionListeners.set(s, l);
    return () => this.sessionListeners.delete(s);
  }

  onConnection(l: LinkListener): () => void {
    this.connectionListeners.add(l);
    return () => this.connectionListeners.delete(l);
  }

  /** Close the socket now. */
  destroy(): void {
    this.io.destroy();
  }

  /** Flush, then end the socket after what was written. */
  end(): void {
    this.io.end();
  }

  private route(events: Events): void {
    for (const e of events) {
      switch (e.type) {
        case 'link-attach': case 'link-detach': case 'link-flow':
        case 'delivery': case 'delivery-update': case 'credit-violation':
          this.linkListeners.get(e.link)?.(e);
          break;
        case 'session-begin': case 'session-end':
          this.sessionListeners.get(e.session)?.(e);
          break;
        default:
          for (const l of [...this.connectionListeners]) l(e);
      }
    }
  }
}
