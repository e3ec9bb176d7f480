/**
 * What the two roles of an AMQP 1.0 connection share: bytes in (`receive`), bytes out
 * (`takeOutput`), time in (`tick`), heartbeats and the idle timeout, the session table, frame
 * tracing and failure. The client (`Connection`) and the server (`ServerConnection`) add their
 * own protocol-header, SASL and open handling on top. Sans-IO: no sockets, timers or RxJS.
 */
import type { Close, Open, Performative, SaslFrameBody } from '../frames/definitions.generated.js';
import { FramingError, ProtocolHeaderError } from '../frames/errors.js';
import { AmqpFrame, writeHeartbeat, type Frame } from '../frames/frame.js';
import { FrameParser, type ParserEvent } from '../frames/parser.js';
import type { ProtocolId } from '../frames/protocol-header.js';
import { formatFrame } from '../frames/trace.js';
import { DecodeError } from '../../errors.js';
import type { DrivenEngine } from '../../driven-engine.js';
import { AmqpError, IdleTimeoutError } from './errors.js';
import { ResponseTimeoutError } from '../../errors.js';
import type { EngineEvent } from './events.js';
import type { Payload } from './link.js';
import { concatParts, FrameOutput } from './output.js';
import { Session, type SessionHost } from './session.js';

/** The smallest max-frame-size the specification allows. */
export const MIN_MAX_FRAME_SIZE = 512;

/** Options both roles take. */
export interface ConnectionCoreOptions {
  /** Largest frame we accept. Default 1 MiB. */
  readonly maxFrameSize?: number;
  /** Highest channel number we accept. Default 65535. */
  readonly channelMax?: number;
  /** Fail when the peer sends nothing for this long (ms); 0 = never. Default 60000. */
  readonly idleTimeout?: number;
  /**
   * Take the connection for dead when work awaits the peer's answer (an outcome, an attach,
   * detach, begin or end answer, a drain, a liveness probe) and no frame but heart-beats has
   * arrived for this long (ms); 0 = never (the default of the engine; the client's `connect()`
   * passes 30000). With it on, a receiver link holding credit on a connection silent this long
   * is probed with a flow carrying echo=true, which the peer must answer. See ResponseTimeoutError.
   */
  readonly responseTimeout?: number;
  /** Called with one decoded line per frame in and out (credentials redacted). */
  readonly trace?: (line: string) => void;
  /**
   * Where the engine gets the arrays that it fills completely before anyone reads them: a
   * delivery assembled from several transfers, a frame assembled from several reads. Default
   * `new Uint8Array(size)`. A platform may hand out uninitialised memory instead (Node's
   * `Buffer.allocUnsafeSlow`, see transport/node.ts): zeroing a 1 MiB array only to overwrite
   * it took an eighth of the CPU of a 1 MiB receive.
   */
  readonly allocate?: (size: number) => Uint8Array;
  /**
   * Bytes of messages still arriving over several transfers, all receiving links of the connection
   * together (each link's are bounded by its max-message-size; this bounds their sum). Beyond it
   * the connection is closed with amqp:resource-limit-exceeded. Default: no bound.
   */
  readonly maxIncompleteBytes?: number;
}

/** The states every role passes through, whatever it calls the ones before. */
type SharedState = 'opened' | 'close-sent' | 'closed';

export abstract class ConnectionCore<S extends string> implements SessionHost, DrivenEngine<readonly EngineEvent[]> {
  abstract state: S;
  /** The peer's open, once received. */
  remote: Open | undefined;
  /** Largest frame the peer accepts (512 until its open arrives). */
  remoteMaxFrameSize = MIN_MAX_FRAME_SIZE;
  readonly maxFrameSize: number;
  readonly channelMax: number;
  readonly idleTimeout: number;
  readonly responseTimeout: number;
  readonly allocate: (size: number) => Uint8Array;

  protected readonly parser: FrameParser;
  protected readonly output = new FrameOutput();
  protected readonly sessions = new Map<number, Session>();
  protected readonly sessionsByRemote = new Map<number, Session>();
  protected remoteIdleTimeout = 0;
  protected lastReceived = 0;
  protected lastSent = 0;
  protected failed = false;
  private events: EngineEvent[] = [];
  /** When the last frame other than a heart-beat arrived: what proves the peer hears us. */
  private lastFrameAt = 0;
  /** A frame that expects an answer was written since the last output was taken. */
  private expectingAnswer = false;
  /**
   * Since when something has awaited the peer's answer (undefined: nothing, as far as known).
   * Set when such a frame goes out; cleared only by `tick`, which checks precisely.
   */
  private waitingSince: number | undefined;
  /** When the last liveness probe went out (see `probe`); answered once a frame arrives after it. */
  private probeAt: number | undefined;
  /**
   * The peer has sent a flow for one of our receiving links. Only such a peer is probed: the
   * specification obliges every peer to answer an echo, but the Qpid Proton C example broker
   * answers none (and sends receivers no flow at all), and probing it would fail every idle
   * consumer. RabbitMQ sends receivers flows and answers the echo.
   */
  private peerSpeaksFlow = false;

  /**
   * @param core the options both roles share
   * @param streamTransfers hand large transfers over as they arrive (see FrameParser)
   */
  protected constructor(private readonly core: ConnectionCoreOptions, streamTransfers: boolean) {
    this.maxFrameSize = Math.max(MIN_MAX_FRAME_SIZE, core.maxFrameSize ?? 1024 * 1024);
    this.channelMax = core.channelMax ?? 65535;
    this.idleTimeout = core.idleTimeout ?? 60_000;
    this.responseTimeout = core.responseTimeout ?? 0;
    this.allocate = core.allocate ?? ((size) => new Uint8Array(size));
    this.parser = new FrameParser({ maxFrameSize: this.maxFrameSize, streamTransfers, allocate: this.allocate });
  }

  // --- the role's own protocol -----------------------------------------------------------------

  protected abstract onHeader(protocol: ProtocolId): void;
  protected abstract onSasl(p: SaslFrameBody): void;
  protected abstract onOpen(o: Open): void;
  /** A begin on a free channel within channel-max: answer ours or start the peer's session. */
  protected abstract onPeerBegin(b: Performative & { kind: 'begin' }, channel: number): void;
  /**
   * Why this AMQP frame may not come now (undefined when it may): the error the connection fails
   * with, and the condition for the close frame (undefined: no close frame).
   */
  protected abstract refuseAmqpFrame(p: Performative): { readonly error: Error; readonly condition: string | undefined } | undefined;
  /** Whether a close frame may be written now: the peer has seen (or will see) our open. */
  protected abstract canWriteClose(): boolean;
  /** Anything a close frame must follow (the server's open, when it has not sent one yet). */
  protected beforeClose(): void {}

  // --- I/O -------------------------------------------------------------------------------------

  /** Feed bytes from the transport; returns what happened. */
  receive(bytes: Uint8Array, now: number): readonly EngineEvent[] {
    this.lastReceived = now;
    if (this.done) return this.takeEvents();
    this.parser.push(bytes);
    try {
      for (let e = this.parser.next(); e !== undefined; e = this.parser.next()) {
        this.dispatch(e);
        if (this.done) break;
      }
    } catch (err) {
      this.onDecodeFailure(err);
    }
    return this.takeEvents();
  }

  /**
   * Where the transport had best put the bytes it reads next (a hint; any read is fine): while a
   * large transfer streams in, the part of the delivery's own array that its next payload bytes
   * belong in (a read there is handed back to `receive` as a view of it, and nothing is copied);
   * right after one, a number: read no more than that, since the next frame's head is likely
   * followed by payload that belongs in such an array too. Undefined: no preference.
   */
  nextRead(): Uint8Array | number | undefined {
    const p = this.parser;
    if (p.streamRest > 0) return this.sessionsByRemote.get(p.streamedChannel)?.payloadTarget(p.streamRest);
    const head = p.frameHeadWanted;
    return head > 0 ? head : undefined;
  }

  /**
   * Let time pass: sends a heartbeat when the peer would otherwise time us out, and fails the
   * connection when the peer has been silent longer than our idle-time-out.
   */
  tick(now: number): readonly EngineEvent[] {
    if (this.done) return this.takeEvents();
    if (this.idleTimeout > 0 && now - this.lastReceived > this.idleTimeout) {
      this.fail(new IdleTimeoutError(this.idleTimeout), 'amqp:resource-limit-exceeded');
      return this.takeEvents();
    }
    if (this.responseTimeout > 0 && this.is('opened')) this.checkResponses(now);
    if (this.done) return this.takeEvents();
    if (this.remoteIdleTimeout > 0 && this.is('opened') && now - this.lastSent >= this.remoteIdleTimeout / 2) {
      writeHeartbeat(this.output.w);
    }
    return this.takeEvents();
  }

  /**
   * The response deadline (see ConnectionCoreOptions.responseTimeout). Work awaited, and nothing
   * but heart-beats heard for responseTimeout since it began: the connection is dead. Nothing
   * awaited: a receiver holding credit on a connection that silent is probed (a flow with
   * echo=true, which the peer must answer), so that a consumer whose writes are lost is noticed
   * too. The precise look at sessions and links happens only here, when a deadline passes; the
   * per-frame cost is a flag.
   */
  private checkResponses(now: number): void {
    const t = this.responseTimeout;
    if (now - this.lastFrameAt < t) return;
    const since = this.waitingSince;
    if (since !== undefined && now - since < t) return;
    let waitingFor: string | undefined;
    if (this.probeAt !== undefined && this.probeAt > this.lastFrameAt) waitingFor = 'the answer to a liveness probe (a flow with echo=true)';
    else {
      this.probeAt = undefined;
      for (const s of this.sessions.values()) {
        waitingFor = s.awaiting();
        if (waitingFor !== undefined) break;
      }
    }
    if (waitingFor !== undefined) {
      if (since === undefined) { this.waitingSince = now; return; }
      this.fail(new ResponseTimeoutError(waitingFor, t), 'amqp:connection:forced');
      return;
    }
    this.waitingSince = undefined;
    if (!this.peerSpeaksFlow) return;
    for (const s of this.sessions.values()) {
      if (s.probe()) {
        this.probeAt = now;
        this.waitingSince = now;
        return;
      }
    }
  }

  /** When `tick` next has something to do (ms timestamp), or undefined. */
  nextDeadline(): number | undefined {
    if (this.done) return undefined;
    let t: number | undefined;
    if (this.idleTimeout > 0) t = this.lastReceived + this.idleTimeout + 1;
    if (this.responseTimeout > 0 && this.is('opened')) {
      // Work awaited: its deadline; else when a silent connection's receivers are to be probed.
      const from = this.waitingSince === undefined ? this.lastFrameAt : Math.max(this.waitingSince, this.lastFrameAt);
      const r = from + this.responseTimeout;
      t = t === undefined ? r : Math.min(t, r);
    }
    if (this.remoteIdleTimeout > 0 && this.is('opened')) {
      const hb = this.lastSent + Math.floor(this.remoteIdleTimeout / 2);
      t = t === undefined ? hb : Math.min(t, hb);
    }
    return t;
  }

  /**
   * Write every session's queued dispositions now, ahead of what is written next: a discharge must
   * follow the settlements made in its transaction on the wire, whichever session made them.
   */
  flushDispositions(): void {
    for (const s of this.sessions.values()) s.flushDispositions();
  }

  /** Bytes to write to the transport (empty when there are none). */
  takeOutput(now: number): Uint8Array {
    for (const s of this.sessions.values()) s.flushDispositions();
    if (this.output.empty) return EMPTY;
    this.lastSent = now;
    if (this.expectingAnswer) this.startWaiting(now);
    return this.output.take();
  }

  /**
   * The same bytes as `takeOutput`, as pieces to write in order with one gathered write: large
   * message bodies are the application's own arrays, not copies. Empty array when there are none.
   */
  takeOutputParts(now: number): Uint8Array[] {
    for (const s of this.sessions.values()) s.flushDispositions();
    if (this.output.empty) return [];
    this.lastSent = now;
    if (this.expectingAnswer) this.startWaiting(now);
    return this.output.takeParts();
  }

  /** A frame expecting an answer went out at `now`: the response deadline runs from then, unless it already runs. */
  private startWaiting(now: number): void {
    this.expectingAnswer = false;
    if (this.waitingSince === undefined) this.waitingSince = now;
  }

  /**
   * Output for the driver (DrivenEngine): on a stream, the pieces of `takeOutputParts` (one
   * gathered write, large bodies by reference); on a message transport (WebSocket), one array
   * per call, so that everything written together is one message.
   */
  takeWrites(now: number, messages: boolean): Uint8Array | Uint8Array[] {
    return messages ? this.takeOutput(now) : this.takeOutputParts(now);
  }

  /** Bytes of output written and not yet taken (a server's backpressure decisions). */
  get pendingOutput(): number {
    return this.output.size;
  }

  /** True once the connection is closed or failed: no more input is processed. */
  get done(): boolean {
    return this.is('closed') || this.failed;
  }

  // --- SessionHost ---------------------------------------------------------------------------

  writeFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    // Nothing may follow a close (section 2.4.3): a session ending or link detaching as the
    // connection closes is implied by the close itself.
    if ((this.is('close-sent') || this.is('closed')) && p.kind !== 'close') return;
    this.output.writeFrame(channel, p, payload);
    if (this.responseTimeout > 0 && !this.expectingAnswer && expectsAnswer(p)) this.expectingAnswer = true;
    if (this.core.trace !== undefined) this.traceFrame(channel, p, payload);
  }

  emit(e: EngineEvent): void {
    this.events.push(e);
  }

  ended(s: Session): void {
    this.sessions.delete(s.channel);
    if (s.remoteChannel !== undefined) this.sessionsByRemote.delete(s.remoteChannel);
  }

  receiverFlowSeen(): void {
    this.peerSpeaksFlow = true;
  }

  failConnection(condition: string, description: string): void {
    this.fail(new AmqpError(condition, description, 'connection', true), condition);
  }

  /** Bytes of incomplete multi-transfer messages on this connection (see maxIncompleteBytes). */
  private incompleteBytes = 0;

  incomplete(delta: number): boolean {
    this.incompleteBytes += delta;
    const max = this.core.maxIncompleteBytes;
    if (max === undefined || delta <= 0 || this.incompleteBytes <= max) return true;
    this.failConnection('amqp:resource-limit-exceeded', `more than ${max} bytes of incomplete messages on this connection`);
    return false;
  }

  // --- input ---------------------------------------------------------------------------------

  private dispatch(e: ParserEvent): void {
    if (e.type === 'header') return this.onHeader(e.protocol);
    // Pieces of a frame already traced and checked (streamed transfers, see FrameParser).
    if (e.type === 'payload') return this.sessionsByRemote.get(e.channel)?.onPayloadPiece(e.bytes, e.rest);
    if (this.core.trace !== undefined) this.trace(formatFrame(e, '<-'));
    if (e.type === 'heartbeat') return;
    if (e.type === 'sasl') return this.onSasl(e.performative);
    this.onAmqp(e);
  }

  private onAmqp(f: Extract<Frame, { type: 'amqp' }>): void {
    this.lastFrameAt = this.lastReceived;
    const p = f.performative;
    const refused = this.refuseAmqpFrame(p);
    if (refused !== undefined) return this.fail(refused.error, refused.condition);
    switch (p.kind) {
      case 'open': return this.onOpen(p);
      case 'close': return this.onClose(p);
      case 'begin': return this.onBegin(p, f.channel);
      default: {
        const s = this.sessionsByRemote.get(f.channel);
        if (s === undefined) {
          return this.failConnection('amqp:connection:framing-error', `${p.kind} on channel ${f.channel}, which has no session`);
        }
        s.onPerformative(f);
      }
    }
  }

  /**
   * The peer's open, as both roles take it: refuses a second one and a max-frame-size below the
   * minimum; otherwise records the peer's limits. Returns false when it failed the connection.
   */
  protected acceptRemoteOpen(o: Open, peer: string): boolean {
    if (this.remote !== undefined) {
      this.failConnection('amqp:illegal-state', 'second open received');
      return false;
    }
    this.remote = o;
    const mfs = o.maxFrameSize ?? 0xffffffff;
    if (mfs < MIN_MAX_FRAME_SIZE) {
      this.failConnection('amqp:frame-size-too-small', `${peer} max-frame-size ${mfs} is below ${MIN_MAX_FRAME_SIZE}`);
      return false;
    }
    // Frames we write: as large as the peer allows, capped at our own size so one huge frame
    // never monopolises the socket.
    this.remoteMaxFrameSize = Math.min(mfs, this.maxFrameSize);
    this.remoteIdleTimeout = o.idleTimeOut ?? 0;
    return true;
  }

  private onClose(c: Close): void {
    const error = c.error === undefined ? undefined : AmqpError.fromRemote(c.error, 'connection');
    if (!this.is('close-sent')) {
      this.beforeClose();
      this.writeFrame(0, { kind: 'close' });
    }
    this.setState('closed');
    // The close first, as for a failure (see `fail`): the links' ends that follow are part of it.
    this.emit({ type: 'connection-close', error });
    for (const s of this.sessions.values()) s.abort(`the connection closed${error === undefined ? '' : ` (${error.condition})`}`);
  }

  private onBegin(b: Performative & { kind: 'begin' }, channel: number): void {
    if (channel > this.channelMax) {
      return this.failConnection('amqp:connection:framing-error', `channel ${channel} exceeds channel-max ${this.channelMax}`);
    }
    if (this.sessionsByRemote.has(channel)) {
      return this.failConnection('amqp:connection:framing-error', `begin on channel ${channel}, which already has a session`);
    }
    this.onPeerBegin(b, channel);
  }

  /** A new session for a peer's begin, on our lowest free channel. */
  protected newSessionFor(channel: number, options?: ConstructorParameters<typeof Session>[2]): Session {
    let ch = 0;
    while (this.sessions.has(ch)) ch++;
    const s = new Session(this, ch, options);
    this.sessions.set(ch, s);
    this.sessionsByRemote.set(channel, s);
    return s;
  }

  // --- failure -------------------------------------------------------------------------------

  private onDecodeFailure(err: unknown): void {
    const condition = err instanceof FramingError
      ? err.condition
      : err instanceof ProtocolHeaderError ? undefined
      : err instanceof DecodeError ? 'amqp:decode-error' : 'amqp:internal-error';
    this.fail(err instanceof Error ? err : new Error(String(err)), condition);
  }

  /**
   * Fail the connection: send close with the condition when the AMQP layer is open (so the peer
   * learns why), then report the error. The owner ends the transport after writing the output.
   */
  protected fail(error: Error, condition: string | undefined): void {
    if (this.failed) return;
    this.failed = true;
    if (condition !== undefined && this.canWriteClose()) {
      this.beforeClose();
      this.writeFrame(0, { kind: 'close', error: { kind: 'error', condition, description: error.message } });
    }
    this.setState('closed');
    // The connection's error first: the links' ends that follow are part of it, and whoever
    // listens to both (a stream on a plain connection) must end with the cause, not with a bare
    // "link detached".
    this.emit({ type: 'connection-error', error });
    for (const s of this.sessions.values()) s.abort(`the connection failed (${error.message})`);
  }

  /**
   * The transport is gone (the socket closed or failed under us): nothing can be written or read
   * any more. Every session and link ends, so a late settle or send fails with a typed error
   * instead of queueing frames nobody will write. The owner reports the loss itself, so the
   * events this produces are dropped.
   */
  transportClosed(error: Error): void {
    if (this.failed || this.is('closed')) return;
    this.failed = true;
    this.setState('closed');
    for (const s of this.sessions.values()) s.abort(`the connection was lost (${error.message})`);
    this.events = [];
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Whether the role's state is one of the states all roles share. */
  protected is(s: SharedState): boolean {
    return (this.state as string) === s;
  }

  /** Move to a shared state; every role's state type includes them. */
  protected setState(s: SharedState): void {
    this.state = s as string as S;
  }

  private takeEvents(): readonly EngineEvent[] {
    if (this.events.length === 0) return NO_EVENTS;
    const e = this.events;
    this.events = [];
    return e;
  }

  protected trace(line: string): void {
    this.core.trace?.(line);
  }

  private traceFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    const bytes = payload === undefined ? EMPTY : payload instanceof Uint8Array ? payload : concatParts(payload);
    const frame: Frame = p.kind.startsWith('sasl-')
      ? { type: 'sasl', channel, performative: p as SaslFrameBody, payload: bytes }
      : new AmqpFrame(channel, p as Performative, bytes, 0, bytes.length);
    this.trace(formatFrame(frame, '->'));
  }
}

export const EMPTY = new Uint8Array(0);

/**
 * Whether the peer owes an answer to this frame: an attach, detach, begin or end (answered in
 * kind), an unsettled transfer (its outcome), a flow asking for the peer's state (echo) or a
 * drain (answered with a flow). Checked for every frame written while responseTimeout is on.
 */
function expectsAnswer(p: Performative | SaslFrameBody): boolean {
  switch (p.kind) {
    case 'transfer': return p.settled !== true && p.more !== true;
    case 'flow': return p.echo === true || p.drain === true;
    case 'attach': case 'detach': case 'begin': case 'end': return true;
    default: return false;
  }
}
const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);
