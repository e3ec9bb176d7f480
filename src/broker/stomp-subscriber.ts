/**
 * One STOMP subscription as a consumer of a queue (a topic subscription is a queue of its own).
 * Its credit is what the queue may hand it now: nothing while the connection's unwritten output
 * is above its bound (socket backpressure, every ack mode), and in client / client-individual
 * mode at most `prefetch` unacknowledged messages.
 *
 * A subscription with `browser:true` to a queue (ActiveMQ's queue browsing) is a browser instead:
 * it is sent a copy of each message waiting in the queue, in order, taking none away and needing
 * no ACK, then one MESSAGE with the header `browser:end` and an empty body, and nothing more.
 */
import type { StoredMessage } from './message.js';
import { MessageSelector } from './selector.js';
import type { Queue, QueueBrowser } from './queue.js';
import type { AckMode } from '../stomp/engine/engine.js';
import type { StompHeaderList } from '../stomp/codec/frame.js';

/** What a subscriber needs from its connection. */
export interface SubscriberHost {
  /** Whether more output may be queued now (false while the socket is backed up). */
  canWrite(): boolean;
  /** Write a MESSAGE for this message; returns false when the connection cannot take it. */
  deliver(sub: StompSubscriber, m: StoredMessage): boolean;
  /** Write a browser's last MESSAGE (header `browser:end`, no body). */
  browseEnd(sub: StompSubscriber): void;
}

/** Whether a SUBSCRIBE asks to browse (`browser:true`, ActiveMQ's header). */
export function browsingOf(headers: StompHeaderList): boolean {
  for (const [k, v] of headers) if (k === 'browser') return v.trim().toLowerCase() === 'true';
  return false;
}

/** The prefetch a SUBSCRIBE asks for: RabbitMQ's `prefetch-count`, ActiveMQ's `activemq.prefetchSize`. */
export function prefetchOf(headers: StompHeaderList): number {
  let p = Infinity;
  for (const [k, v] of headers) {
    if ((k === 'prefetch-count' || k === 'activemq.prefetchSize') && /^\d{1,9}$/.test(v.trim()) && Number(v) > 0) p = Math.min(p, Number(v));
  }
  return p;
}

/**
 * The `selector` header of a SUBSCRIBE (ActiveMQ's and Artemis's name), compiled; undefined
 * without one. Throws SelectorError when it does not parse.
 */
export function selectorOf(headers: StompHeaderList): ((m: StoredMessage) => boolean) | undefined {
  for (const [k, v] of headers) {
    if (k !== 'selector') continue;
    if (v.trim() === '') return undefined; // JMS: an empty selector selects everything
    const s = new MessageSelector(v);
    return (m) => s.matches(m);
  }
  return undefined;
}

export class StompSubscriber implements QueueBrowser {
  /** Messages delivered and not yet acknowledged (client modes; never for a browser). */
  unacked = 0;
  /** A browser's place in its queue (see QueueBrowser); unused by a consumer. */
  cursor = 0;
  /** A browser that has been sent everything and its `browser:end`. */
  private browsed = false;
  /**
   * Set first when the connection ends, so that what it gives back is not handed to it again;
   * `close()` then takes it off its queue (it must, even when already marked closed).
   */
  closed = false;
  private removed = false;

  constructor(
    readonly id: string,
    readonly ack: AckMode,
    /** Most unacknowledged messages in client modes (Infinity: no bound but backpressure). */
    readonly prefetch: number,
    readonly queue: Queue,
    private readonly host: SubscriberHost,
    /** Called once when the subscription ends (a topic subscription deletes its queue). */
    private readonly onClose: () => void,
    /** Its `selector` header, compiled; undefined: every message. */
    readonly accepts: ((m: StoredMessage) => boolean) | undefined = undefined,
    /** A queue browser (`browser:true`), not a consumer. */
    readonly browsing = false,
  ) {}

  get credit(): number {
    if (this.closed || this.browsed || !this.host.canWrite()) return 0;
    return this.ack === 'auto' || this.browsing ? Infinity : Math.max(0, this.prefetch - this.unacked);
  }

  /** ack:auto messages are done once written: the queue forgets them (a browser takes copies). */
  get presettled(): boolean {
    return this.ack === 'auto' || this.browsing;
  }

  deliver(m: StoredMessage): boolean {
    return !this.closed && this.host.deliver(this, m);
  }

  idle(): void {
    // STOMP has no drain: nothing to answer. A browser that has seen every waiting message is done.
    if (!this.browsing || this.browsed || this.closed) return;
    this.browsed = true;
    this.queue.removeBrowser(this);
    this.host.browseEnd(this);
  }

  close(): void {
    if (this.removed) return;
    this.closed = true;
    this.removed = true;
    if (this.browsing) this.queue.removeBrowser(this);
    else this.queue.removeConsumer(this);
    this.onClose();
  }
}
