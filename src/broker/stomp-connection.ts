/**
 * One STOMP client connection of the embedded broker: the sans-IO StompServerEngine run over the
 * accepted Transport by the shared driver (src/transport/driver.ts: output once per turn, one
 * timer for heart-beats), its events applied to the broker's nodes.
 *
 * Full queues. A SEND to a node without room (maxQueueDepth) is never dropped: it is parked, with
 * every later frame, until the node has room, and the RECEIPT (if asked for) only comes once it is
 * stored. ACK, NACK and SUBSCRIBE frames are still applied while SENDs are parked, because they
 * are what makes room (a client producing to and consuming from the same full queue would
 * otherwise wait for itself); their RECEIPTs may therefore overtake those of the parked SENDs.
 * When the parked frames exceed `maxParkedBytes` the socket stops being read, so TCP holds the
 * client back; nothing grows without bound. SENDs still parked when the client goes away are
 * stored all the same once there is room (the broker read them, so they are not lost), within a
 * broker-wide budget (maxOrphanedSendBytes): beyond it they are dropped and reported.
 */
import { resolveAddress } from './address.js';
import { BrokerConnectionError, report } from './boundary.js';
import { BrokerLimitError } from './limits.js';
import { OrphanedSends, orphanBytes, type OrphanBudget } from './orphaned-sends.js';
import type { AcceptedConnection } from './listener.js';
import type { StoredMessage } from './message.js';
import type { Node, NodeRegistry } from './nodes.js';
import { amqpToStomp, stompToAmqp } from './stomp-mapping.js';
import { browsingOf, prefetchOf, selectorOf, StompSubscriber, type SubscriberHost } from './stomp-subscriber.js';
import { StompServerEngine, type StompServerOptions } from '../stomp/engine/server.js';
import type { ServerSendEvent, ServerSubscribeEvent, StompServerEvent } from '../stomp/engine/server-events.js';
import { StompProtocolError } from '../stomp/errors.js';
import { EngineDriver } from '../transport/driver.js';
import type { Transport, TransportError } from '../transport/types.js';

/** The body of a browser's last MESSAGE. */
const NO_BODY = new Uint8Array(0);

export interface StompConnectionSettings {
  readonly engine: StompServerOptions;
  readonly registry: NodeRegistry;
  /** Connection-level problems (failed logins, protocol errors), for logging. */
  readonly onError?: (error: Error) => void;
  /** Stop handing messages to this connection while more bytes than this wait unwritten. Default 1 MiB. */
  readonly maxWriteBuffer?: number;
  /** Stop reading the socket while parked SENDs hold more bytes than this. Default 1 MiB. */
  readonly maxParkedBytes?: number;
  /** Largest SEND body accepted; a larger one gets an ERROR frame. Default no bound. */
  readonly maxMessageSize?: number;
  /**
   * What SENDs parked when their connection ended may hold, broker-wide (shared by every STOMP
   * connection): beyond it such SENDs are dropped. Default no bound.
   */
  readonly orphans?: OrphanBudget;
}

/** What each connection's orphaned SENDs cost besides their bytes (their list and holder). */
const ORPHAN_OVERHEAD = 1024;

interface Held {
  readonly sub: StompSubscriber;
  readonly m: StoredMessage;
}

export class BrokerStompConnection implements AcceptedConnection, SubscriberHost {
  readonly engine: StompServerEngine;
  private readonly registry: NodeRegistry;
  private readonly subs = new Map<string, StompSubscriber>();
  /** Delivered, unacknowledged messages of client-mode subscriptions, by message id. */
  private readonly held = new Map<string, Held>();
  /** Frames waiting behind a SEND to a full node, in wire order. */
  private readonly parked: StompServerEvent[] = [];
  private parkedBytes = 0;
  private stopWaiting: (() => void) | undefined;
  private paused = false;
  private starved = false;
  private readonly io: EngineDriver<StompServerEvent[], StompServerEngine>;
  private readonly maxWriteBuffer: number;
  private readonly maxParkedBytes: number;
  private faulted = false;

  constructor(private readonly transport: Transport, private readonly settings: StompConnectionSettings) {
    this.engine = new StompServerEngine(settings.engine, Date.now());
    this.registry = settings.registry;
    this.maxWriteBuffer = settings.maxWriteBuffer ?? 1024 * 1024;
    this.maxParkedBytes = settings.maxParkedBytes ?? 1024 * 1024;
    this.io = new EngineDriver<StompServerEvent[], StompServerEngine>(this.engine, {
      onEvents: (events) => this.handle(events),
      // The socket closed: subscriptions end; only parked SENDs still matter.
      onEnd: () => { this.releaseAll(); this.keepParkedSends(); },
      // Output moved into the socket; if that made room, subscriptions held back may go on.
      afterFlush: () => { if (this.starved && this.canWrite()) setImmediate(() => this.guarded(() => this.repump())); },
      onFault: (err) => this.fault(err),
    });
    this.io.attach(transport);
    this.io.flush(); // nothing to write yet: arms the timer for the CONNECT deadline
  }

  /** The connection ended, from either side. */
  private get finished(): boolean {
    return this.io.ended;
  }

  onData(chunk: Uint8Array): void {
    try {
      this.io.onData(chunk);
    } catch (err) {
      // A bug must cost this connection, not the process that embeds the broker.
      this.fault(err);
    }
  }

  onClose(error?: TransportError): void {
    this.guarded(() => this.io.onTransportClose(error));
  }

  onDrain(): void {
    this.guarded(() => this.repump());
  }

  /**
   * The boundary (boundary.ts): an unexpected error in this connection ends it with an ERROR
   * frame and is reported; the broker and every other connection go on. Never throws.
   */
  fault(error: unknown): void {
    if (this.faulted) return;
    this.faulted = true;
    report(this.settings.onError, new BrokerConnectionError('stomp', error));
    try {
      if (!this.finished) this.engine.error('internal error: the broker failed to handle this connection', Date.now());
      this.finish();
    } catch {
      this.io.destroy();
      try { this.releaseAll(); } catch { /* a broken connection: nothing left to free */ }
    }
  }

  /** Run `f` inside the boundary (for callbacks that reach this connection from elsewhere). */
  private guarded(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.fault(err);
    }
  }

  shutdown(): void {
    if (this.finished) return;
    this.engine.error('the broker is shutting down', Date.now());
    this.finish();
    this.dropParked();
  }

  // SubscriberHost ------------------------------------------------------------------------------

  canWrite(): boolean {
    if (this.finished) return false;
    const ok = this.engine.pendingOutput + this.transport.bufferedAmount < this.maxWriteBuffer;
    if (!ok) this.starved = true;
    return ok;
  }

  deliver(sub: StompSubscriber, m: StoredMessage): boolean {
    if (this.finished || !this.engine.hasSubscription(sub.id)) return false;
    // Called from whichever connection published: a failure here is this connection's.
    try {
      const r = amqpToStomp(m.payload, m.deliveryCount);
      const id = this.engine.message(sub.id, r.headers, r.body, Date.now());
      if (sub.ack !== 'auto' && !sub.browsing) {
        this.held.set(id, { sub, m });
        sub.unacked++;
      }
      this.io.flushSoon();
      return true;
    } catch (err) {
      this.fault(err);
      return false;
    }
  }

  browseEnd(sub: StompSubscriber): void {
    if (this.finished || !this.engine.hasSubscription(sub.id)) return;
    try {
      this.engine.message(sub.id, [['browser', 'end']], NO_BODY, Date.now());
      this.io.flushSoon();
    } catch (err) {
      this.fault(err);
    }
  }

  // events ----------------------------------------------------------------------------------------

  private handle(events: readonly StompServerEvent[]): void {
    for (const e of events) {
      if (this.finished) break;
      if (this.parked.length > 0 && !this.mayOvertake(e)) this.park(e);
      else if (!this.apply(e)) this.park(e);
    }
  }

  /**
   * What can make room goes ahead of parked SENDs: settlements and new consumers. A SUBSCRIBE
   * reusing the id of a parked UNSUBSCRIBE waits for it, so the two apply in order.
   */
  private mayOvertake(e: StompServerEvent): boolean {
    if (e.type === 'ack' || e.type === 'nack' || e.type === 'closed') return true;
    return e.type === 'subscribe' && !this.parked.some((p) => p.type === 'unsubscribe' && p.id === e.id);
  }

  /** Act on one event; false when it is a SEND to a node without room (park it). */
  private apply(e: StompServerEvent): boolean {
    const now = Date.now();
    switch (e.type) {
      case 'connected':
        return true;
      case 'send':
        return this.onSend(e, now);
      case 'subscribe':
        this.onSubscribe(e, now);
        return true;
      case 'unsubscribe': {
        const sub = this.subs.get(e.id);
        this.subs.delete(e.id);
        sub?.close();
        this.release(e.unacked);
        if (e.receipt !== undefined) this.engine.receipt(e.receipt, now);
        return true;
      }
      case 'ack':
      case 'nack':
        for (const id of e.messageIds) {
          const h = this.held.get(id);
          if (h === undefined) continue;
          this.held.delete(id);
          h.sub.unacked--;
          // NACK gives the message back as a failed delivery: redelivered, delivery-count + 1.
          h.sub.queue.settle(h.m, e.type === 'ack' ? { kind: 'accepted' } : { kind: 'modified', deliveryFailed: true }, h.sub);
        }
        if (e.receipt !== undefined) this.engine.receipt(e.receipt, now);
        return true;
      case 'commit':
        if (e.receipt !== undefined) this.engine.receipt(e.receipt, now);
        return true;
      case 'disconnect':
        this.release(e.unacked);
        if (e.receipt !== undefined) this.engine.receipt(e.receipt, now);
        this.finish();
        return true;
      case 'closed':
        this.settings.onError?.(new StompProtocolError(e.reason));
        this.release(e.unacked);
        this.finish();
        return true;
    }
  }

  private onSend(e: ServerSendEvent, now: number): boolean {
    const most = this.settings.maxMessageSize ?? Infinity;
    if (e.body.length > most) {
      this.handle([this.engine.error(`message too large: ${e.body.length} bytes, more than the broker's limit of ${most} (maxMessageSize)`, now, e.receipt)]);
      return true;
    }
    let node: Node;
    try {
      node = this.nodeOf(e.destination);
    } catch (err) {
      if (!(err instanceof BrokerLimitError)) throw err;
      this.handle([this.engine.error(err.message, now, e.receipt)]);
      return true;
    }
    if (this.registry.room(node) <= 0) return false;
    let payload: Uint8Array;
    try {
      payload = stompToAmqp(e.headers, e.body);
    } catch (err) {
      this.handle([this.engine.error(`cannot store the message: ${(err as Error).message}`, now, e.receipt)]);
      return true;
    }
    this.registry.publish(node, payload);
    if (e.receipt !== undefined && !this.finished) this.engine.receipt(e.receipt, now);
    return true;
  }

  private onSubscribe(e: ServerSubscribeEvent, now: number): void {
    const address = resolveAddress(e.destination) ?? { kind: 'queue' as const, name: e.destination };
    let accepts: ((m: StoredMessage) => boolean) | undefined;
    try {
      accepts = selectorOf(e.headers);
    } catch (err) {
      // A selector that does not parse: ERROR (with the receipt-id asked for), then closed.
      this.handle([this.engine.error((err as Error).message, now, e.receipt)]);
      return;
    }
    let queue;
    let onClose: () => void = () => {};
    try {
      if (address.kind === 'queue') {
        queue = this.registry.queue(address.name);
      } else {
        const t = this.registry.subscribe(this.registry.topic(address.name), accepts);
        queue = t.queue;
        onClose = () => t.close();
      }
    } catch (err) {
      if (!(err instanceof BrokerLimitError)) throw err;
      this.handle([this.engine.error(err.message, now, e.receipt)]);
      return;
    }
    const prefetch = e.ack === 'auto' ? Infinity : prefetchOf(e.headers);
    // Browsing is of a queue's waiting messages: a topic subscription has none, and is a plain one.
    const browsing = address.kind === 'queue' && browsingOf(e.headers);
    const sub = new StompSubscriber(e.id, e.ack, prefetch, queue, this, onClose, accepts, browsing);
    this.subs.set(e.id, sub);
    // RECEIPT before the first MESSAGE: the consumer exists once it is written.
    if (e.receipt !== undefined) this.engine.receipt(e.receipt, now);
    if (browsing) queue.addBrowser(sub);
    else queue.addConsumer(sub);
  }

  private nodeOf(destination: string): Node {
    return this.registry.node(resolveAddress(destination) ?? { kind: 'queue', name: destination });
  }

  // parking (full nodes) --------------------------------------------------------------------------

  private park(e: StompServerEvent): void {
    this.parked.push(e);
    this.parkedBytes += e.type === 'send' ? orphanBytes(e) : 64;
    if (this.parkedBytes > this.maxParkedBytes && !this.paused) {
      this.paused = true;
      this.transport.pauseReads?.();
    }
    this.waitForRoom();
  }

  /** Listen for room at the node the first parked SEND waits for. */
  private waitForRoom(): void {
    if (this.stopWaiting !== undefined) return;
    const first = this.parked[0];
    if (first?.type !== 'send') return;
    const node = this.nodeOf(first.destination);
    // Deferred: room is announced from inside another connection's settle().
    this.stopWaiting = this.registry.onRoom(node, () => queueMicrotask(() => this.guarded(() => this.unpark())));
  }

  private unpark(): void {
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    while (this.parked.length > 0) {
      const e = this.parked[0];
      if (!this.apply(e)) break;
      this.parked.shift();
      this.parkedBytes -= e.type === 'send' ? orphanBytes(e) : 64;
    }
    if (this.parked.length > 0) this.waitForRoom();
    else if (this.paused && !this.finished) {
      this.paused = false;
      this.transport.resumeReads?.();
    }
    this.io.flush();
  }

  /**
   * The connection ended: only the parked SENDs still matter. They are handed over to an
   * OrphanedSends, which stores them when there is room, so that this connection is freed now;
   * within the broker-wide budget only, beyond which they are dropped and reported.
   */
  private keepParkedSends(): void {
    const sends = this.parked.filter((e): e is ServerSendEvent => e.type === 'send');
    this.dropParked();
    if (sends.length === 0) return;
    const budget = this.settings.orphans;
    let bytes = ORPHAN_OVERHEAD;
    for (const e of sends) bytes += orphanBytes(e);
    if (budget !== undefined && budget.used + bytes > budget.max) {
      report(this.settings.onError, new BrokerLimitError('maxOrphanedSendBytes', budget.max,
        `${sends.length} SEND(s) parked for a full queue were dropped when their connection ended`));
      return;
    }
    new OrphanedSends(sends, this.registry, budget, bytes, this.settings.onError);
  }

  private dropParked(): void {
    this.stopWaiting?.();
    this.stopWaiting = undefined;
    this.parked.length = 0;
    this.parkedBytes = 0;
  }

  // output and teardown ---------------------------------------------------------------------------

  private repump(): void {
    if (this.finished || !this.starved) return;
    this.starved = false;
    for (const s of [...this.subs.values()]) s.queue.pump();
  }

  private release(ids: readonly string[]): void {
    for (const id of ids) {
      const h = this.held.get(id);
      if (h === undefined) continue;
      this.held.delete(id);
      h.sub.unacked--;
      h.sub.queue.settle(h.m, { kind: 'modified', deliveryFailed: true }, h.sub);
    }
  }

  /** Every subscription ends; unacknowledged messages go back as failed deliveries. */
  private releaseAll(): void {
    const subs = [...this.subs.values()];
    this.subs.clear();
    for (const s of subs) s.closed = true;
    this.release([...this.held.keys()]);
    for (const s of subs) s.close();
  }

  private finish(): void {
    if (this.finished) return;
    this.io.end();
    this.releaseAll();
    this.keepParkedSends();
  }
}
