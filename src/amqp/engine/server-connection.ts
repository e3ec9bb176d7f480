/**
 * The sans-IO AMQP 1.0 connection in the server role: it waits for the client's protocol header,
 * runs the SASL server side (ANONYMOUS, PLAIN and EXTERNAL, checked by a callback), answers the AMQP header
 * and the client's open, answers begin, and reports sessions and link attaches for the owner to
 * answer (`link.attach()` or refuse). Heartbeats and the idle timeout work as in the client role.
 * Bytes in with `receive`, bytes out with `takeOutput`, time as milliseconds. No sockets here.
 *
 * Credentials never appear in events, errors or trace lines this module produces.
 */
import type { AmqpMap } from '../codec/types.js';
import type { Open, Performative, SaslFrameBody, SaslInit } from '../frames/definitions.generated.js';
import { FramingError } from '../frames/errors.js';
import { writeProtocolHeader, type ProtocolId } from '../frames/protocol-header.js';
import { ConnectionCore, type ConnectionCoreOptions } from './connection-core.js';
import { AmqpError } from './errors.js';
import { AuthenticationError, SaslError } from './sasl.js';
import type { EngineEvent } from './events.js';
import type { Session, SessionOptions } from './session.js';

/** The SASL mechanisms the server side implements. */
export type ServerSaslMechanism = 'ANONYMOUS' | 'PLAIN' | 'EXTERNAL';

/** What a client presented to authenticate (never logged). */
export interface SaslLogin {
  readonly mechanism: ServerSaslMechanism;
  /**
   * PLAIN's authentication identity; for EXTERNAL the identity the layer below established
   * (`SaslServerOptions.externalIdentity`, e.g. a TLS client certificate's subject CN).
   */
  readonly username?: string;
  /** PLAIN's password. */
  readonly password?: string;
  /** The authorization identity (act as this user), when the client gave one (PLAIN, EXTERNAL). */
  readonly authzid?: string;
}

/** The SASL server side. */
export interface SaslServerOptions {
  /** Mechanisms offered, in preference order. Default ANONYMOUS and PLAIN. */
  readonly mechanisms?: readonly ServerSaslMechanism[];
  /** Decide a login: true gives outcome ok, false outcome auth. Default: accept everything. */
  readonly authenticate?: (login: SaslLogin) => boolean;
  /**
   * The client's identity as established outside SASL (a verified TLS client certificate), for
   * EXTERNAL; without it an EXTERNAL login is refused.
   */
  readonly externalIdentity?: string;
}

export interface ServerConnectionOptions extends ConnectionCoreOptions {
  readonly containerId: string;
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
  /**
   * The client must have sent its header, finished SASL and sent its open within this many ms of
   * `start`, however slowly its bytes trickle in (the idle time-out alone restarts with each
   * byte); otherwise the connection fails with amqp:resource-limit-exceeded. 0 or absent: no
   * deadline.
   */
  readonly handshakeTimeout?: number;
}

export type ServerConnectionState =
  | 'start' | 'sasl' | 'sasl-done' | 'header-received' | 'opened' | 'close-sent' | 'closed';

/** The authenticated identity of the client, once SASL succeeded. */
export interface ServerPrincipal {
  readonly mechanism: ServerSaslMechanism | 'none';
  readonly username?: string;
  /** The authorization identity the client asked to act as, if any (accepted by `authenticate`). */
  readonly authzid?: string;
}

export class ServerConnection extends ConnectionCore<ServerConnectionState> {
  state: ServerConnectionState = 'start';
  /** Who the client authenticated as (after SASL; mechanism 'none' when SASL was skipped). */
  principal: ServerPrincipal | undefined;

  constructor(readonly options: ServerConnectionOptions) {
    super(options, false);
  }

  private handshakeDeadline: number | undefined;

  /** Start the clock; the server writes nothing until the client's header arrives. */
  start(now: number): void {
    this.lastReceived = now;
    this.lastSent = now;
    const t = this.options.handshakeTimeout ?? 0;
    this.handshakeDeadline = t > 0 ? now + t : undefined;
  }

  override tick(now: number): readonly EngineEvent[] {
    if (this.handshakeDeadline !== undefined && !this.done) {
      if (this.remote !== undefined) this.handshakeDeadline = undefined;
      else if (now >= this.handshakeDeadline) {
        const ms = this.options.handshakeTimeout ?? 0;
        this.handshakeDeadline = undefined;
        this.fail(new AmqpError('amqp:resource-limit-exceeded', `the client did not finish its handshake (header, SASL, open) within ${ms} ms`, 'connection', true), 'amqp:resource-limit-exceeded');
      }
    }
    return super.tick(now);
  }

  override nextDeadline(): number | undefined {
    const t = super.nextDeadline();
    const h = this.remote === undefined && !this.done ? this.handshakeDeadline : undefined;
    if (h === undefined) return t;
    return t === undefined ? h : Math.min(t, h);
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
    this.beforeClose();
    this.writeFrame(0, { kind: 'close', error: error?.toErrorInfo() });
    this.state = 'close-sent';
  }

  // --- the server's protocol ------------------------------------------------------------------

  protected onHeader(protocol: ProtocolId): void {
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

  protected onSasl(p: SaslFrameBody): void {
    if (this.state !== 'sasl' || p.kind !== 'sasl-init') {
      return this.fail(new FramingError(`unexpected ${p.kind} from a SASL client`, 0), undefined);
    }
    const login = parseLogin(p, this.saslOptions().mechanisms ?? ['ANONYMOUS', 'PLAIN'], this.saslOptions().externalIdentity);
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
    this.principal = login.authzid === undefined
      ? { mechanism: login.mechanism, username: login.username }
      : { mechanism: login.mechanism, username: login.username, authzid: login.authzid };
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

  protected refuseAmqpFrame(p: Performative): { readonly error: Error; readonly condition: string | undefined } | undefined {
    const s = this.state;
    if (s !== 'header-received' && s !== 'opened' && s !== 'close-sent') {
      return { error: new FramingError(`${p.kind} frame before the AMQP header`, 0), condition: undefined };
    }
    if (p.kind === 'open' || p.kind === 'close') return undefined;
    if (p.kind === 'begin' ? s === 'opened' : s !== 'header-received') return undefined;
    return { error: new AmqpError('amqp:illegal-state', `${p.kind} before open`, 'connection', true), condition: 'amqp:illegal-state' };
  }

  protected canWriteClose(): boolean {
    return this.state === 'header-received' || this.state === 'opened';
  }

  /** A close must follow an open: the server answers the client's open only when it comes. */
  protected override beforeClose(): void {
    if (this.state === 'header-received') this.writeOpen();
  }

  protected onOpen(o: Open): void {
    if (this.remote === undefined) {
      this.writeOpen();
      this.state = 'opened';
    }
    if (!this.acceptRemoteOpen(o, 'client')) return;
    this.emit({ type: 'connection-open', remote: o });
  }

  protected onPeerBegin(b: Performative & { kind: 'begin' }, channel: number): void {
    if (b.remoteChannel !== undefined) {
      return this.failConnection('amqp:connection:framing-error', `begin answers channel ${b.remoteChannel}, but the server begins no sessions`);
    }
    const s = this.newSessionFor(channel, this.options.session);
    s.onBegin(b, channel);
    if (this.options.autoBegin !== false) s.begin();
  }
}

/** Reads a sasl-init into a login; undefined for a mechanism not offered or a malformed response. */
function parseLogin(init: SaslInit, offered: readonly string[], external: string | undefined): SaslLogin | undefined {
  if (!offered.includes(init.mechanism)) return undefined;
  if (init.mechanism === 'ANONYMOUS') return { mechanism: 'ANONYMOUS' };
  if (init.mechanism === 'EXTERNAL') {
    // RFC 4422 appendix A: the response is the authorization identity, empty for "myself".
    if (external === undefined) return undefined;
    const authzid = init.initialResponse === undefined ? '' : utf8(init.initialResponse);
    if (authzid === undefined) return undefined;
    return { mechanism: 'EXTERNAL', username: external, authzid: authzid === '' ? undefined : authzid };
  }
  if (init.mechanism !== 'PLAIN' || init.initialResponse === undefined) return undefined;
  const text = utf8(init.initialResponse);
  if (text === undefined) return undefined;
  const parts = text.split('\0');
  if (parts.length !== 3) return undefined;
  const [authzid, username, password] = parts;
  return { mechanism: 'PLAIN', username, password, authzid: authzid === '' ? undefined : authzid };
}

function utf8(b: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}
