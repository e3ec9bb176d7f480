/**
 * Runs one engine Connection over one Transport: feeds bytes in, writes the engine's output
 * (batched: one socket write per turn of the event loop however many frames were produced),
 * drives heartbeats and the idle timeout with one timer, and routes engine events to whoever
 * registered for them (a session, a link, the connection). The only place with I/O and timers.
 */
import { Connection, type ConnectionOptions } from '../engine/connection.js';
import type { EngineEvent } from '../engine/events.js';
import type { Link } from '../engine/link.js';
import type { Session } from '../engine/session.js';
import { TransportError, type Transport } from '../../transport/types.js';
import { DEFAULT_READ_COALESCING_MS } from '../../transport/read-hold.js';
import { inFullFlow } from './read-coalescing.js';

export type LinkListener = (e: EngineEvent) => void;

export class ConnectionDriver {
  readonly engine: Connection;
  private transport: Transport | undefined;
  private flushScheduled = false;
  /** True while engine events are being routed to listeners (a flush follows). */
  private dispatching = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = 0;
  private readonly linkListeners = new Map<Link, LinkListener>();
  private readonly sessionListeners = new Map<Session, LinkListener>();
  private readonly connectionListeners = new Set<LinkListener>();
  private ended = false;

  /**
   * @param readCoalescingMs how long to hold reads while a stream is in full flow (0: never);
   *   see read-coalescing.ts.
   */
  constructor(
    options: ConnectionOptions,
    private readonly now: () => number = Date.now,
    private readonly readCoalescingMs: number = DEFAULT_READ_COALESCING_MS,
  ) {
    this.engine = new Connection(options);
  }

  /** Attach the transport and start the protocol. */
  start(transport: Transport): void {
    this.transport = transport;
    this.engine.start(this.now());
    this.flush();
  }

  /** Bytes from the transport. */
  onData(chunk: Uint8Array): void {
    const events = this.engine.receive(chunk, this.now());
    this.dispatch(events);
    if (this.readCoalescingMs > 0 && inFullFlow(events, chunk.length)) this.transport?.holdReads?.(this.readCoalescingMs);
  }

  /** Where the transport had best read to next (see Connection.nextRead). */
  nextRead(): Uint8Array | number | undefined {
    return this.ended ? undefined : this.engine.nextRead();
  }

  /** The transport ended; tell everyone (the engine cannot send anything any more). */
  onTransportClose(error: TransportError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimer();
    const lost = error ?? new TransportError('connection lost: the peer closed the socket without an AMQP close');
    // The engine ends its sessions and links, so late settles and sends fail typed, not silently.
    this.engine.transportClosed(lost);
    for (const l of [...this.connectionListeners]) l({ type: 'connection-error', error: lost });
  }

  /**
   * Schedule a write of whatever the engine produced; many calls in one turn cost one write. While
   * events are being dispatched nothing is scheduled: the dispatch ends with a flush anyway (and
   * a send or a settlement in every listener call would otherwise queue a microtask per read).
   */
  flushSoon(): void {
    if (this.flushScheduled || this.dispatching) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushTask);
  }

  /** A scheduled flush that a synchronous one has done meanwhile is skipped. */
  private readonly flushTask = (): void => {
    if (this.flushScheduled) this.flush();
  };

  flush(): void {
    this.flushScheduled = false;
    if (this.transport === undefined || this.ended) return;
    const parts = this.engine.takeOutputParts(this.now());
    if (parts.length === 1) this.transport.write(parts[0]);
    else if (parts.length > 1) {
      // Frame headers and large message bodies (by reference): one gathered write.
      if (this.transport.writev !== undefined) this.transport.writev(parts);
      else for (const p of parts) this.transport.write(p);
    }
    this.armTimer();
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
    this.ended = true;
    this.clearTimer();
    this.transport?.destroy();
  }

  /** Flush, then end the socket after what was written. */
  end(): void {
    this.flush();
    this.ended = true;
    this.clearTimer();
    this.transport?.end();
  }

  private dispatch(events: readonly EngineEvent[]): void {
    this.dispatching = true;
    try {
      this.route(events);
    } finally {
      this.dispatching = false;
    }
    // Listeners usually produce output (settlements, credit); write it in this same turn.
    this.flush();
  }

  private route(events: readonly EngineEvent[]): void {
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

  private armTimer(): void {
    const at = this.engine.nextDeadline();
    if (at === undefined) return this.clearTimer();
    // Deadlines only move later while traffic flows (they follow the last byte sent and
    // received), so a timer armed for an earlier time stays: it fires early, finds nothing due,
    // and the flush after its tick arms it for the new deadline. Re-arming on every flush would
    // cost a clearTimeout and a setTimeout per write.
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dispatch(this.engine.tick(this.now()));
    }, Math.max(0, at - this.now()));
    // A heartbeat timer alone must not keep a Node process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
