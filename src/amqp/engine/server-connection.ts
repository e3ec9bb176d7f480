/**
 * The sans-IO AMQP 1.0 connection in the server role: it waits for the client's protocol header,
 * runs the SASL server side (ANONYMOUS and PLAIN, checked by a callback), answers the AMQP header
 * and the client's open, answers begin, and reports sessions and link attaches for the owner to
 * answer (`link.attach()` or refuse). Heartbeats and the idle timeout work as in the client role.
 * Bytes in with `receive`, bytes out with `takeOutput`, time as milliseconds. No sockets here.
 *
 * Credentials never appear in events, errors or trace lines this module produces.
 */
import type { AmqpMap } from '../codec/types.js';
import type { Close, Open, Performative, SaslFrameBody, SaslInit } from '../frames/definitions.generated.js';
import { FramingError, ProtocolHeaderError } from '../frames/errors.js';
import { writeHeartbeat, type Frame } from '../frames/frame.js';
import { concatParts, FrameOutput } from './output.js';
import type { Payload } from './link.js';
import { FrameParser, type ParserEvent } from '../frames/parser.js';
import { writeProtocolHeader, type ProtocolId } from '../frames/protocol-header.js';
import { formatFrame } from '../frames/trace.js';
import { DecodeError } from '../../errors.js';
import { MIN_MAX_FRAME_SIZE } from './connection.js';
import { AmqpError, IdleTimeoutError } from './errors.js';
import type { EngineEvent } from './events.js';
import { AuthenticationError, SaslError } from './sasl.js';
import { Session, type SessionHost, type SessionOptions } from './session.js';

/** What a client presented to authenticate (never logged). */
export interface SaslLogin {
  readonly mechanism: 'ANONYMOUS' | 'PLAIN';
  /** PLAIN's authentication identity. */
  readonly username?: string;
  /** PLAIN's password. */
  readonly password?: string;
  /** PLAIN's authorization identity, when the client gave one. */
  readonly authzid?: string;
}

/** The SASL server side. */
export interface SaslServerOptions {
  /** Mechanisms offered, in preference order. Default ANONYMOUS and PLAIN. */
  readonly mechanisms?: readonly ('ANONYMOUS' | 'PLAIN')[];
  /** Decide a login: true gives outcome ok, false outcome auth. Default: accept everything. */
  readonly authenticate?: (login: SaslLogin) => boolean;
}

export interface ServerConnectionOptions {
  readonly containerId: string;
  /** Largest frame we accept. Default 1 MiB. */
  readonly maxFrameSize?: number;
  /** Highest channel number we accept. Default 65535. */
  readonly channelMax?: number;
  /** Fail when the client sends nothing for this long (ms); 0 = never. Default 60000. */
  readonly idleTimeout?: number;
  /**
   * The SASL layer. `false`: no SASL (a client sending the SASL header is refused). Default: SASL
   * with ANONYMOUS and PLAIN, every login accepted.
   */
  readonly sasl?: SaslServerOptions | false;
  /** Accept a client that skips SASL and sends the AMQP header at once. Default false. */
  readonly allowNoSasl?: boolean;
  /** Answer a client's begin at once (default true); false leaves `session.begin()` to the owner. */
  readonly autoBegin?: boolean;
  /** Options of sessions begun by clients. */
  readonly session?: SessionOptions;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
  /** Called with one decoded line per frame in and out (credentials redacted). */
  readonly trace?: (line: string) => void;
}

export type ServerConnectionState =
  | 'start' | 'sasl' | 'sasl-done' | 'header-received' | 'opened' | 'close-sent' | 'closed';

/** The authenticated identity of the client, once SASL succeeded. */
export interface ServerPrincipal {
  readonly mechanism: 'ANONYMOUS' | 'PLAIN' | 'none';
  readonly username?: string;
}

export class ServerConnection implements SessionHost {
  state: ServerConnectionState = 'start';
  /** The client's open, once received. */
  remote: Open | undefined;
  /** Who the client authenticated as (after SASL; mechanism 'none' when SASL was skipped). */
  principal: ServerPrincipal | undefined;
  /** Largest frame the client accepts (512 until its open arrives). */
  remoteMaxFrameSize = MIN_MAX_FRAME_SIZE;
  readonly maxFrameSize: number;
  readonly channelMax: number;
  readonly idleTimeout: number;

  private readonly parser: FrameParser;
  private readonly output = new FrameOutput();
  private events: EngineEvent[] = [];
  private readonly sessions = new Map<number, Session>();
  private readonly sessionsByRemote = new Map<number, Session>();
  private remoteIdleTimeout = 0;
  private lastReceived = 0;
  private lastSent = 0;
  private failed = false;

  constructor(readonly options: ServerConnectionOptions) {
    this.maxFrameSize = Math.max(MIN_MAX_FRAME_SIZE, options.maxFrameSize ?? 1024 * 1024);
    this.channelMax = options.channelMax ?? 65535;
    this.idleTimeout = options.idleTimeout ?? 60_000;
    this.parser = new FrameParser({ maxFrameSize: this.maxFrameSize });
  }

  /** Start the clock; the server writes nothing until the client's header arrives. */
  start(now: number): void {
    this.lastReceived = now;
    this.lastSent = now;
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

  /** Heartbeats towards the client and our idle timeout, as in the client role. */
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

  /** Sessions currently mapped. */
  get sessionList(): readonly Session[] {
    return [...this.sessions.values()];
  }

  /** Close gracefully (with an error to tell the client why). */
  close(error?: AmqpError): void {
    if (this.state === 'close-sent' || this.state === 'closed') return;
    if (this.state !== 'opened' && this.state !== 'header-received') {
      this.state = 'closed';
      return;
    }
    if (this.state === 'header-received') this.writeOpen(); // a close must follow an open
    this.writeFrame(0, { kind: 'close', error: error?.toErrorInfo() });
    this.state = 'close-sent';
  }

  // --- SessionHost ---------------------------------------------------------------------------

  writeFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    if ((this.state === 'close-sent' || this.state === 'closed') && p.kind !== 'close') return;
    this.output.writeFrame(channel, p, payload);
    if (this.options.trace !== undefined) this.traceFrame(channel, p, payload);
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
    if (this.state !== 'header-received' && this.state !== 'opened' && this.state !== 'close-sent') {
      return this.fail(new FramingError(`${e.performative.kind} frame before the AMQP header`, 0), undefined);
    }
    this.onAmqp(e);
  }

  private onHeader(protocol: ProtocolId): void {
    this.trace(`<- ${protocol.toUpperCase()} header`);
    const saslOn = this.options.sasl !== false;
    if (protocol === 'sasl') {
      if (this.state !== 'start' || !saslOn) return this.refuseHeader('amqp', 'client asked for SASL, which this server does not offer');
      this.state = 'sasl';
      writeProtocolHeader(this.output.w, 'sasl');
      this.trace('-> SASL header');
      const mechanisms = this.saslOptions().mechanisms ?? ['ANONYMOUS', 'PLAIN'];
      this.writeFrame(0, { kind: 'sasl-mechanisms', saslServerMechanisms: mechanisms });
      return;
    }
    const ready = this.state === 'sasl-done' || (this.state === 'start' && (!saslOn || this.options.allowNoSasl === true));
    if (!ready) {
      return this.refuseHeader('sasl', this.state === 'start'
        ? 'client skipped SASL, which this server requires'
        : 'AMQP header before the SASL exchange finished');
    }
    if (this.state === 'start') this.principal = { mechanism: 'none' };
    writeProtocolHeader(this.output.w, 'amqp');
    this.trace('-> AMQP header');
    this.state = 'header-received';
  }

  /** Answer with the header we do speak and give up (section 2.2). */
  private refuseHeader(ours: ProtocolId, message: string): void {
    writeProtocolHeader(this.output.w, ours);
    this.trace(`-> ${ours.toUpperCase()} header`);
    this.fail(new SaslError(message), undefined);
  }

  private saslOptions(): SaslServerOptions {
    return this.options.sasl === false ? {} : (this.options.sasl ?? {});
  }

  private onSasl(p: SaslFrameBody): void {
    if (this.state !== 'sasl' || p.kind !== 'sasl-init') {
      return this.fail(new FramingError(`unexpected ${p.kind} from a SASL client`, 0), undefined);
    }
    const login = parseLogin(p, this.saslOptions().mechanisms ?? ['ANONYMOUS', 'PLAIN']);
    let ok = false;
    if (login !== undefined) {
      try {
        ok = this.saslOptions().authenticate?.(login) ?? true;
      } catch {
        ok = false;
      }
    }
    this.writeFrame(0, { kind: 'sasl-outcome', code: ok ? 'ok' : 'auth' });
    if (!ok || login === undefined) {
      const why = login === undefined ? `mechanism ${p.mechanism} not offered or malformed` : `${login.mechanism} login refused`;
      return this.fail(new AuthenticationError(`client failed to authenticate: ${why}`), undefined);
    }
    this.principal = { mechanism: login.mechanism, username: login.username };
    this.state = 'sasl-done';
  }

  private writeOpen(): void {
    const o = this.options;
    this.writeFrame(0, {
      kind: 'open',
      containerId: o.containerId,
      maxFrameSize: this.maxFrameSize,
      channelMax: this.channelMax,
      idleTimeOut: this.idleTimeout > 0 ? this.idleTimeout : undefined,
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties,
    });
  }

  private onAmqp(f: Extract<Frame, { type: 'amqp' }>): void {
    const p = f.performative;
    switch (p.kind) {
      case 'open': return this.onOpen(p);
      case 'close': return this.onClose(p);
      case 'begin': return this.onBegin(p, f.channel);
      default: {
        if (this.state !== 'opened' && this.state !== 'close-sent') {
          return this.failConnection('amqp:illegal-state', `${p.kind} before open`);
        }
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
    this.writeOpen();
    this.state = 'opened';
    const mfs = o.maxFrameSize ?? 0xffffffff;
    if (mfs < MIN_MAX_FRAME_SIZE) {
      return this.failConnection('amqp:frame-size-too-small', `client max-frame-size ${mfs} is below ${MIN_MAX_FRAME_SIZE}`);
    }
    this.remoteMaxFrameSize = Math.min(mfs, this.maxFrameSize);
    this.remoteIdleTimeout = o.idleTimeOut ?? 0;
    this.emit({ type: 'connection-open', remote: o });
  }

  private onClose(c: Close): void {
    const error = c.error === undefined ? undefined : AmqpError.fromRemote(c.error, 'connection');
    if (this.state === 'header-received') this.writeOpen();
    if (this.state !== 'close-sent') this.writeFrame(0, { kind: 'close' });
    this.state = 'closed';
    for (const s of this.sessions.values()) s.abort();
    this.emit({ type: 'connection-close', error });
  }

  private onBegin(b: Performative & { kind: 'begin' }, channel: number): void {
    if (this.state !== 'opened') return this.failConnection('amqp:illegal-state', 'begin before open');
    if (channel > this.channelMax) {
      return this.failConnection('amqp:connection:framing-error', `channel ${channel} exceeds channel-max ${this.channelMax}`);
    }
    if (this.sessionsByRemote.has(channel)) {
      return this.failConnection('amqp:connection:framing-error', `begin on channel ${channel}, which already has a session`);
    }
    if (b.remoteChannel !== undefined) {
      return this.failConnection('amqp:connection:framing-error', `begin answers channel ${b.remoteChannel}, but the server begins no sessions`);
    }
    let ch = 0;
    while (this.sessions.has(ch)) ch++;
    const s = new Session(this, ch, this.options.session);
    this.sessions.set(ch, s);
    this.sessionsByRemote.set(channel, s);
    s.onBegin(b, channel);
    if (this.options.autoBegin !== false) s.begin();
  }

  // --- failure -------------------------------------------------------------------------------

  private onDecodeFailure(err: unknown): void {
    const condition = err instanceof FramingError
      ? err.condition
      : err instanceof ProtocolHeaderError ? undefined
      : err instanceof DecodeError ? 'amqp:decode-error' : 'amqp:internal-error';
    this.fail(err instanceof Error ? err : new Error(String(err)), condition);
  }

  private fail(error: Error, condition: string | undefined): void {
    if (this.failed) return;
    this.failed = true;
    if (condition !== undefined && (this.state === 'header-received' || this.state === 'opened')) {
      if (this.state === 'header-received') this.writeOpen();
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

  private traceFrame(channel: number, p: Performative | SaslFrameBody, payload?: Payload): void {
    const frame: Frame = (p.kind.startsWith('sasl-')
      ? { type: 'sasl', channel, performative: p as SaslFrameBody, payload: payload === undefined ? EMPTY : payload instanceof Uint8Array ? payload : concatParts(payload) }
      : { type: 'amqp', channel, performative: p as Performative, payload: payload === undefined ? EMPTY : payload instanceof Uint8Array ? payload : concatParts(payload) });
    this.trace(formatFrame(frame, '->'));
  }
}

/** Reads a sasl-init into a login; undefined for a mechanism not offered or a malformed response. */
function parseLogin(init: SaslInit, offered: readonly string[]): SaslLogin | undefined {
  if (!offered.includes(init.mechanism)) return undefined;
  if (init.mechanism === 'ANONYMOUS') return { mechanism: 'ANONYMOUS' };
  if (init.mechanism !== 'PLAIN' || init.initialResponse === undefined) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(init.initialResponse);
  } catch {
    return undefined;
  }
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, username, password] = parts;
  return { mechanism: 'PLAIN', username, password, authzid: authzid === '' ? undefined : authzid };
}

const EMPTY = new Uint8Array(0);
const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);

