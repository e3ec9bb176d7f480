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
import { warnOnce, type AmqpWarningHandler } from './warnings.js';
import { renderSafely } from '../../redact.js';

export type LinkListener = (e: EngineEvent) => void;

type Events = readonly EngineEvent[];

export class ConnectionDriver {
  readonly engine: Connection;
  private readonly io: EngineDriver<Events, Connection>;
  private readonly linkListeners = new Map<Link, LinkListener>();
  private readonly sessionListeners = new Map<Session, LinkListener>();
  private readonly connectionListeners = new Set<LinkListener>();
  /** Where this connection's warnings go (the `onWarning` option of connect()). */
  onWarning: AmqpWarningHandler = warnOnce;

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
      onEvents: (events) => this.routeGuarded(events),
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
    // Only its own: a later listener of the same link (see quiesce.ts) stays.
    return () => { if (this.linkListeners.get(link) === l) this.linkListeners.delete(link); };
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

  /**
   * The last line of defence: whatever a peer sends, nothing may throw out of the socket's
   * callback (or the timer's). A handler that throws anyway (a case no one foresaw) fails this
   * connection, typed, with `amqp:internal-error` told to the peer, and every stream on it hears
   * of it like any other connection failure; the process and other connections go on.
   */
  private routeGuarded(events: Events): void {
    try {
      this.route(events);
    } catch (e) {
      if (this.engine.done) return;
      const why = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.engine.failConnection('amqp:internal-error', `rx-mq could not handle the peer's frames (${why})`);
      try {
        this.route(this.engine.tick(this.now()));
      } catch {
        // A second failure while reporting the first: the connection is failed already.
      }
    }
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

// What these print (util.inspect, JSON, String): state and names, never the SASL credentials the
// engine's options hold (src/redact.ts).
renderSafely(Connection, (c) => ({ state: c.state, containerId: c.options.containerId, hostname: c.options.hostname }));
renderSafely(ConnectionDriver, (d) => ({ state: d.engine.state, containerId: d.engine.options.containerId }));
