/**
 * The one driver: runs a sans-IO engine (src/driven-engine.ts) over one Transport, for both
 * protocols and both ends (the AMQP and STOMP clients, the embedded broker's AMQP and STOMP
 * connections). It is the only place where an engine meets I/O and time:
 * - bytes read are fed to the engine and its events handed to the owner (`onEvents`);
 * - output is written once per turn: any number of `flushSoon` calls in one synchronous run cost
 *   one microtask and one transport write (a gathered write where the engine hands out pieces);
 *   events being handed out end with a flush anyway, so nothing is scheduled meanwhile;
 * - one timer serves the engine's deadlines (heart-beats, idle time-outs), re-armed only when the
 *   deadline moves earlier or the timer fires, never cleared and set again on every write;
 * - read coalescing: after a read whose events show a stream in full flow (the protocol says what
 *   that looks like, `ReadHold`), the transport is asked to hold its reads for a moment;
 * - the end: a transport that closes ends the driver once, the timer with it, and the owner is
 *   told (`onEnd`) with the transport's error, if any; what that means is the protocol's to say.
 * Protocol-neutral: it knows engines only through DrivenEngine and never looks at an event.
 */
import type { DrivenEngine } from '../driven-engine.js';
import { AdaptiveHold } from './read-hold.js';
import type { Transport, TransportError } from './types.js';

/** When a protocol wants reads held (see Transport.holdReads and src/transport/read-hold.ts). */
export interface ReadHold<E> {
  /** How long to hold, in ms; 0 turns holding off. */
  readonly ms: number;
  /**
   * True when the events of one chunk of `bytes` bytes show a stream in full flow. Asked after
   * the owner has handled them (so link credit and the like are as the owner left them).
   */
  readonly inFullFlow: (events: E, bytes: number) => boolean;
  /**
   * How many of the chunk's events belong to a stream in full flow (the count behind
   * `inFullFlow`). With it the hold is adaptive: a read that followed a hold keeps holding only
   * when it brought at least KEEP_HOLDING_PER_MS (read-hold.ts) such events per millisecond held;
   * else no hold starts for HOLD_QUIET_MS. Without it, every chunk in full flow holds.
   */
  readonly streamEvents?: (events: E, bytes: number) => number;
}

export { HOLD_QUIET_MS, KEEP_HOLDING_PER_MS } from './read-hold.js';

/** The timer functions the driver uses; injectable so that tests can count and fire them. */
export interface DriverTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A monotonic clock with sub-millisecond resolution (Node and browsers alike). */
const hiResNow = (): number => performance.now();

const SYSTEM_TIMERS: DriverTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What the owner of a driver (the protocol layer) provides. */
export interface DriverOwner<E> {
  /** Events from a read or a tick. Output they cause is flushed right after they are handled. */
  readonly onEvents: (events: E) => void;
  /** The transport ended (not after the driver was ended locally); `error` when not cleanly. */
  readonly onEnd?: (error: TransportError | undefined) => void;
  /** After each flush that reached the transport (a moment to check for room in its buffer). */
  readonly afterFlush?: () => void;
  readonly readHold?: ReadHold<E>;
  /**
   * An error thrown by the engine or the owner in a callback the driver itself schedules (the
   * deadline timer, a deferred flush), where nothing else could catch it. Without it such an
   * error propagates (and, from a timer, ends a Node process); the broker closes the connection.
   */
  readonly onFault?: (error: unknown) => void;
  /** The clock passed to the engine; default Date.now. */
  readonly now?: () => number;
  /** The clock of read holds (ms, sub-millisecond: see AdaptiveHold); default performance.now. */
  readonly holdClock?: () => number;
  readonly timers?: DriverTimers;
}

export class EngineDriver<E, G extends DrivenEngine<E> = DrivenEngine<E>> {
  private transport: Transport | undefined;
  /** The transport carries messages (WebSocket), not a stream: see DrivenEngine.takeWrites. */
  private messages = false;
  private flushQueued = false;
  /** True while events are handed to the owner (a flush follows). */
  private dispatching = false;
  private timer: unknown;
  private timerArmed = false;
  /** When the armed timer fires (ms, absolute). */
  private timerAt = 0;
  private done = false;
  // The owner's hooks, read once: they are called for every read and every flush.
  private readonly onEvents: (events: E) => void;
  private readonly onEnd: ((error: TransportError | undefined) => void) | undefined;
  private readonly afterFlush: (() => void) | undefined;
  private readonly onFault: ((error: unknown) => void) | undefined;
  private readonly holdMs: number;
  private readonly inFullFlow: ((events: E, bytes: number) => boolean) | undefined;
  private readonly streamEvents: ((events: E, bytes: number) => number) | undefined;
  /** Whether holds are paying (see AdaptiveHold). */
  private readonly adaptive = new AdaptiveHold();
  private readonly now: () => number;
  /** The clock of read holds: sub-millisecond, for the rate of reads microseconds apart (AdaptiveHold). */
  private readonly holdClock: () => number;
  private readonly timers: DriverTimers;

  constructor(readonly engine: G, owner: DriverOwner<E>) {
    this.onEvents = owner.onEvents;
    this.onEnd = owner.onEnd;
    this.afterFlush = owner.afterFlush;
    this.onFault = owner.onFault;
    this.holdMs = owner.readHold?.ms ?? 0;
    this.inFullFlow = this.holdMs > 0 ? owner.readHold?.inFullFlow : undefined;
    this.streamEvents = this.holdMs > 0 ? owner.readHold?.streamEvents : undefined;
    this.now = owner.now ?? Date.now;
    this.holdClock = owner.holdClock ?? hiResNow;
    this.timers = owner.timers ?? SYSTEM_TIMERS;
  }

  /** The pipe to write to. Write nothing before it is attached: `flush` keeps output until then. */
  attach(transport: Transport): void {
    this.transport = transport;
    this.messages = transport.info.kind === 'websocket';
  }

  /** The attached transport, if any. */
  get pipe(): Transport | undefined {
    return this.transport;
  }

  /** True once the transport ended or `end`/`destroy` was called. */
  get ended(): boolean {
    return this.done;
  }

  /** The clock, as the driver passes it to the engine. */
  time(): number {
    return this.now();
  }

  /** Bytes from the transport (TransportHandlers.onData). Ignored once ended. */
  onData(chunk: Uint8Array): void {
    if (this.done) return;
    const now = this.now();
    const events = this.engine.receive(chunk, now);
    this.dispatch(events);
    if (this.inFullFlow !== undefined && this.wantsHold(events, chunk.length)) this.transport?.holdReads?.(this.holdMs);
  }

  /** Whether to hold the next read after this chunk (see ReadHold and KEEP_HOLDING_PER_MS). */
  private wantsHold(events: E, bytes: number): boolean {
    const inFullFlow = this.inFullFlow as (events: E, bytes: number) => boolean;
    const count = this.streamEvents;
    if (count === undefined) return inFullFlow(events, bytes);
    return this.adaptive.next(this.holdClock(), this.holdMs, events, bytes, inFullFlow, count);
  }

  /** Where the transport had best read to next (TransportHandlers.nextRead). */
  nextRead(): Uint8Array | number | undefined {
    return this.done ? undefined : this.engine.nextRead?.();
  }

  /** The transport ended (TransportHandlers.onClose): tell the owner, once, unless it ended us. */
  onTransportClose(error: TransportError | undefined): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.onEnd?.(error);
  }

  /** Hand events the owner got from the engine itself to the owner's handler, then flush. */
  dispatch(events: E): void {
    this.dispatching = true;
    try {
      this.onEvents(events);
    } finally {
      this.dispatching = false;
    }
    // Handlers usually produce output (settlements, credit, receipts): it goes in this turn.
    this.flush();
  }

  /**
   * Write what the engine produced at the end of this turn; many calls in one turn cost one
   * write. While events are handed out nothing is scheduled: a flush follows them anyway.
   */
  flushSoon(): void {
    if (this.flushQueued || this.dispatching || this.done) return;
    this.flushQueued = true;
    queueMicrotask(this.flushTask);
  }

  /** A queued flush that a synchronous one has done meanwhile is skipped. */
  private readonly flushTask = (): void => {
    if (!this.flushQueued) return;
    if (this.onFault === undefined) return this.flush();
    try {
      this.flush();
    } catch (err) {
      this.onFault(err);
    }
  };

  /** Write what the engine produced now, and keep the timer right for its next deadline. */
  flush(): void {
    this.flushQueued = false;
    const t = this.transport;
    if (t === undefined || this.done) return;
    const out = this.engine.takeWrites(this.now(), this.messages);
    if (out instanceof Uint8Array) {
      if (out.length > 0) t.write(out);
    } else if (out !== undefined && out.length > 0) {
      if (out.length === 1) t.write(out[0]);
      // One gathered write on a stream; on a message transport each array is one message.
      else if (t.writev !== undefined && !this.messages) t.writev(out);
      else for (const p of out) t.write(p);
    }
    this.armTimer();
    this.afterFlush?.();
  }

  /** Flush, then end the transport after what was written. */
  end(): void {
    this.flush();
    this.done = true;
    this.clearTimer();
    this.transport?.end();
  }

  /** Close the transport now, dropping anything unwritten. */
  destroy(): void {
    this.done = true;
    this.clearTimer();
    this.transport?.destroy();
  }

  private armTimer(): void {
    const at = this.engine.nextDeadline();
    if (at === undefined) return this.clearTimer();
    // Deadlines move later while traffic flows (they follow the last byte sent and received), so
    // a timer armed for an earlier time stays: it fires early, the engine finds nothing due, and
    // the flush after that tick arms it for the deadline then. Re-arming on every flush would
    // cost a clearTimeout and a setTimeout per write.
    if (this.timerArmed && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timerArmed = true;
    this.timer = this.timers.setTimeout(this.fire, Math.max(0, at - this.now()));
    // A heart-beat timer alone must not keep a Node process alive (the socket does, while open).
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  private readonly fire = (): void => {
    this.timerArmed = false;
    this.timer = undefined;
    if (this.done) return;
    if (this.onFault === undefined) return this.dispatch(this.engine.tick(this.now()));
    try {
      this.dispatch(this.engine.tick(this.now()));
    } catch (err) {
      this.onFault(err);
    }
  };

  private clearTimer(): void {
    if (this.timerArmed) this.timers.clearTimeout(this.timer);
    this.timerArmed = false;
    this.timer = undefined;
  }
}
