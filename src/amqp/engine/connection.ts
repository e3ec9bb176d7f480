/**
 * The sans-IO AMQP 1.0 connection (client role): protocol headers, SASL, open/close, heartbeats,
 * idle timeout, and the session table. Bytes go in with `receive`, bytes come out with
 * `takeOutput`, time comes in as a number of milliseconds. No sockets, timers or RxJS here.
 */
import type { AmqpMap } from '../codec/types.js';
import type { Close, Open, Performative, SaslFrameBody } from '../frames/definitions.generated.js';
import { FramingError, ProtocolHeaderError } from '../frames/errors.js';
import { writeHeartbeat, type Frame } from '../frames/frame.js';
import { concatParts, FrameOutput } from './output.js';
import type { Payload } from './link.js';
import { FrameParser, type ParserEvent } from '../frames/parser.js';
import { writeProtocolHeader, type ProtocolId } from '../frames/protocol-header.js';
import { formatFrame } from '../frames/trace.js';
import { DecodeError } from '../../errors.js';
import { AmqpError, IdleTimeoutError, IllegalStateError } from './errors.js';
import type { EngineEvent } from './events.js';
import {
  chooseMechanism, initialResponse, outcomeError, SaslError, type SaslCredentials,
} from './sasl.js';
import { Session, type SessionHost, type SessionOptions } from './session.js';

/** The smallest max-frame-size the specification allows. */
export const MIN_MAX_FRAME_SIZE = 512;

export interface ConnectionOptions {
  readonly containerId: string;
  /** The virtual host (open.hostname; also SASL's hostname). */
  readonly hostname?: string;
  /** Largest frame we accept. Default 1 MiB. */
  readonly maxFrameSize?: number;
  /** Highest channel number we accept. Default 65535. */
  readonly channelMax?: number;
  /** Fail when the peer sends nothing for this long (ms); 0 = never. Default 60000. */
  readonly idleTimeout?: number;
  /** SASL credentials; `false` skips the SASL layer (peers that accept a bare AMQP header). */
  readonly sasl?: SaslCredentials | false;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
  /** Called with one decoded line per frame in and out (credentials redacted). */
  readonly trace?: (line: string) => void;
}

export type ConnectionState =
  | 'start' | 'sasl' | 'open-sent' | 'opened' | 'close-sent' | 'closed';

export class Connection implements SessionHost {
  state: ConnectionState = 'start';
  /** The peer's open, once received. */
  remote: Open | undefined;
  /** Largest frame the peer accepts (512 until its open arrives). */
  remoteMaxFrameSize = MIN_MAX_FRAME_SIZE;
  readonly maxFrameSize: number;
  readonly channelMax: number;
  readonly idleTimeout: number;

  private readonly parser: FrameParser;
  private readonly output = new FrameOutput();
  private events: EngineEvent[] = [];
  private readonly sessions = new Map<number, Session>();
  private readonly sessionsByRemote = new Map<number, Session>();
  private remoteChannelMax = 65535;
  private remoteIdleTimeout = 0;
  private lastReceived = 0;
  private lastSent = 0;
  private expecting: ProtocolId = 'amqp';
  private failed = false;

  constructor(readonly options: ConnectionOptions) {
    this.maxFrameSize = Math.max(MIN_MAX_FRAME_SIZE, options.maxFrameSize ?? 1024 * 1024);
    this.channelMax = options.channelMax ?? 65535;
    this.idleTimeout = options.idleTimeout ?? 60_000;
    // Large frames spanning chunks reach the link as views (copied once, on assembly); with a
    // trace, frames stay whole so that each is shown as it was.
    this.parser = new FrameParser({ maxFrameSize: this.maxFrameSize, payloadParts: options.trace === undefined });
  }

  /** Begin the protocol: writes the SASL header, or the AMQP header and our open. */
  start(now: number): void {
    if (this.state !== 'start') throw new IllegalStateError('connection already started');
    this.lastReceived = now;
    if (this.options.sasl === false) {
      this.sendAmqpHeaderAndOpen();
    } else {
      this.expecting = 'sasl';
      this.state = 'sasl';
      writeProtocolHeader(this.output.w, 'sasl');
      this.trace('-> SASL header');
    }
  }

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
   * Let time pass: sends a heartbeat when the peer would otherwise time us out, and fails the
   * connection when the peer has been silent longer than our idle-time-out.
   */
  tick(now: number): readonly EngineEvent[] {
    if (this.done) return this.takeEvents();
    if (this.idleTimeout > 0 && now - this.lastReceived > this.idleTimeout) {
      this.fail(new IdleTimeoutError(this.idleTimeout), 'amqp:resource-limit-exceeded');
    } else if (this.remoteIdleTimeout > 0 && this.state === 'opened' && now - this.lastSent >= this.remoteIdleTimeout / 2) {
      writeHeartbeat(this.output.w);
    }
    return this.takeEvents();
  }

  /** When `tick` next has something to do (ms timestamp), or undefined. */
  nextDeadline(): number | undefined {
    if (this.done) return undefined;
    let t: number | undefined;
    if (this.idleTimeout > 0) t = this.lastReceived + this.idleTimeout + 1;
    if (this.remoteIdleTimeout > 0 && this.state === 'opened') {
      const hb = this.lastSent + Math.floor(this.remoteIdleTimeout / 2);
      t = t === undefined ? hb : Math.min(t, hb);
    }
    return t;
  }

  /** Bytes to write to the transport (empty when there are none). */
  takeOutput(now: number): Uint8Array {
    for (const s of this.sessions.values()) s.flushDispositions();
    if (this.output.empty) return EMPTY;
    this.lastSent = now;
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
    return this.output.takeParts();
  }

  /** True once the connection is closed or failed: no more input is processed. */
  get done(): boolean {
    return this.state === 'closed' || this.failed;
  }

  /** Begin a new session on the lowest free channel. */
  session(options?: SessionOptions): Session {
    if (this.state === 'close-sent' || this.state === 'closed' || this.failed) {
      throw new IllegalStateError(`cannot begin a session on a ${this.state} connection`);
    }
    const limit = Math.min(this.channelMax, this.remoteChannelMax);
    let ch = 0;
    while (this.sessions.has(ch)) ch++;
    if (ch > limit) throw new IllegalStateError(`channel-max ${limit} reached: no free channel`);
    const s = new Session(this, ch, options);
    this.sessions.set(ch, s);
    s.begin();
    return s;
  }

  /** Close gracefully (with an error to report one to the peer). */
  close(error?: AmqpError): void {
    if (this.state === 'close-sent' || this.state === 'closed') return;
    if (this.state === 'start' || this.state === 'sasl') {
      // Nothing opened yet: there is no one to say goodbye to at the AMQP level.
      this.state = 'closed';
      return;
    }
    this.writeFrame(0, { kind: 'close', error: error?.toErrorInfo() });
    this.state = 'close-sent';
  }

  // --- SessionHost ---------------------------------------------------------------------------

  writeFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    // Nothing may follow a close (section 2.4.3): a session ending or link detaching as the
    // connection closes is implied by the close itself.
    if ((this.state === 'close-sent' || this.state === 'closed') && p.kind !== 'close') return;
    this.output.writeFrame(channel, p, payload);
    if (this.options.trace !== undefined) this.traceFrame('->', channel, p, payload);
  }

  emit(e: EngineEvent): void {
    this.events.push(e);
  }

  ended(s: Session): void {
    this.sessions.delete(s.channel);
    if (s.remoteChannel !== undefined) this.sessionsByRemote.delete(s.remoteChannel);
  }

  failConnection(condition: string, description: string): void {
    this.fail(new AmqpError(condition, description, 'connection', true), condition);
  }

  // --- input ---------------------------------------------------------------------------------

  private dispatch(e: ParserEvent): void {
    if (e.type === 'header') return this.onHeader(e.protocol);
    if (this.options.trace !== undefined) this.trace(formatFrame(e, '<-'));
    if (e.type === 'heartbeat') return;
    if (e.type === 'sasl') return this.onSasl(e.performative);
    this.onAmqp(e);
  }

  private onHeader(protocol: ProtocolId): void {
    this.trace(`<- ${protocol.toUpperCase()} header`);
    if (protocol !== this.expecting) {
      const msg = protocol === 'amqp'
        ? 'peer skipped SASL: it answered with the AMQP header (connect without SASL credentials, or check the port)'
        : 'peer requires SASL: it answered with the SASL header';
      this.fail(new SaslError(msg), undefined);
    }
  }

  private onSasl(p: SaslFrameBody): void {
    const creds = this.options.sasl === false ? {} : (this.options.sasl ?? {});
    switch (p.kind) {
      case 'sasl-mechanisms': {
        let mechanism;
        try {
          mechanism = chooseMechanism(p.saslServerMechanisms, creds);
        } catch (err) {
          return this.fail(err as Error, undefined);
        }
        this.writeFrame(0, {
          kind: 'sasl-init', mechanism, initialResponse: initialResponse(mechanism, creds), hostname: this.options.hostname,
        });
        return;
      }
      case 'sasl-challenge':
        // PLAIN, ANONYMOUS and EXTERNAL complete in one step; answer any challenge with nothing.
        this.writeFrame(0, { kind: 'sasl-response', response: EMPTY });
        return;
      case 'sasl-outcome': {
        const err = outcomeError(SASL_CODES.indexOf(p.code));
        if (err !== undefined) return this.fail(err, undefined);
        this.sendAmqpHeaderAndOpen();
        return;
      }
      default:
        return this.fail(new FramingError(`unexpected ${p.kind} from a SASL server`, 0), 'amqp:connection:framing-error');
    }
  }

  private sendAmqpHeaderAndOpen(): void {
    this.expecting = 'amqp';
    writeProtocolHeader(this.output.w, 'amqp');
    this.trace('-> AMQP header');
    const o = this.options;
    const open: Open = {
      kind: 'open',
      containerId: o.containerId,
      hostname: o.hostname,
      maxFrameSize: this.maxFrameSize,
      channelMax: this.channelMax,
      idleTimeOut: this.idleTimeout > 0 ? this.idleTimeout : undefined,
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties,
    };
    this.writeFrame(0, open);
    this.state = 'open-sent';
  }

  private onAmqp(f: Extract<Frame, { type: 'amqp' }>): void {
    const p = f.performative;
    switch (p.kind) {
      case 'open': return this.onOpen(p);
      case 'close': return this.onClose(p);
      case 'begin': return this.onBegin(p, f.channel);
      default: {
        const s = this.sessionsByRemote.get(f.channel);
        if (s === undefined) {
          return this.failConnection('amqp:connection:framing-error', `${p.kind} on channel ${f.channel}, which has no session`);
        }
        s.onPerformative(p, f.payloadParts ?? f.payload);
      }
    }
  }

  private onOpen(o: Open): void {
    if (this.remote !== undefined) return this.failConnection('amqp:illegal-state', 'second open received');
    this.remote = o;
    const mfs = o.maxFrameSize ?? 0xffffffff;
    if (mfs < MIN_MAX_FRAME_SIZE) {
      return this.failConnection('amqp:frame-size-too-small', `peer max-frame-size ${mfs} is below ${MIN_MAX_FRAME_SIZE}`);
    }
    // Frames we write: as large as the peer allows, capped at our own size so one huge frame
    // never monopolises the socket.
    this.remoteMaxFrameSize = Math.min(mfs, this.maxFrameSize);
    this.remoteChannelMax = o.channelMax ?? 65535;
    this.remoteIdleTimeout = o.idleTimeOut ?? 0;
    if (this.state === 'open-sent') this.state = 'opened';
    this.emit({ type: 'connection-open', remote: o });
  }

  private onClose(c: Close): void {
    const error = c.error === undefined ? undefined : AmqpError.fromRemote(c.error, 'connection');
    if (this.state !== 'close-sent') this.writeFrame(0, { kind: 'close' });
    this.state = 'closed';
    for (const s of this.sessions.values()) s.abort();
    this.emit({ type: 'connection-close', error });
  }

  private onBegin(b: Performative & { kind: 'begin' }, channel: number): void {
    if (channel > this.channelMax) {
      return this.failConnection('amqp:connection:framing-error', `channel ${channel} exceeds channel-max ${this.channelMax}`);
    }
    if (this.sessionsByRemote.has(channel)) {
      return this.failConnection('amqp:connection:framing-error', `begin on channel ${channel}, which already has a session`);
    }
    let s: Session | undefined;
    if (b.remoteChannel !== undefined) {
      s = this.sessions.get(b.remoteChannel);
      if (s === undefined || s.state !== 'begin-sent') {
        return this.failConnection('amqp:connection:framing-error', `begin answers channel ${b.remoteChannel}, which we did not begin`);
      }
    } else {
      let ch = 0;
      while (this.sessions.has(ch)) ch++;
      s = new Session(this, ch);
      this.sessions.set(ch, s);
    }
    this.sessionsByRemote.set(channel, s);
    s.onBegin(b, channel);
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
  private fail(error: Error, condition: string | undefined): void {
    if (this.failed) return;
    this.failed = true;
    if (condition !== undefined && (this.state === 'open-sent' || this.state === 'opened')) {
      this.writeFrame(0, { kind: 'close', error: { kind: 'error', condition, description: error.message } });
    }
    this.state = 'closed';
    for (const s of this.sessions.values()) s.abort();
    this.emit({ type: 'connection-error', error });
  }

  private takeEvents(): readonly EngineEvent[] {
    if (this.events.length === 0) return NO_EVENTS;
    const e = this.events;
    this.events = [];
    return e;
  }

  private trace(line: string): void {
    this.options.trace?.(line);
  }

  private traceFrame(dir: '->', channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    const frame: Frame = (p.kind.startsWith('sasl-')
      ? { type: 'sasl', channel, performative: p as SaslFrameBody, payload: payload === undefined ? EMPTY : payload instanceof Uint8Array ? payload : concatParts(payload) }
      : { type: 'amqp', channel, performative: p as Performative, payload: payload === undefined ? EMPTY : payload instanceof Uint8Array ? payload : concatParts(payload) });
    this.trace(formatFrame(frame, dir));
  }
}

const EMPTY = new Uint8Array(0);
const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);
/** sasl-code values by wire number (the frame layer gives us the choice names). */
const SASL_CODES = ['ok', 'auth', 'sys', 'sys-perm', 'sys-temp'];
