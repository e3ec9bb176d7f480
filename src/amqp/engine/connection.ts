/**
 * The sans-IO AMQP 1.0 connection (client role): protocol headers, SASL, open/close, and the
 * session table; heartbeats, the idle timeout and the byte plumbing come from ConnectionCore.
 * Bytes go in with `receive`, bytes come out with `takeOutput`, time comes in as a number of
 * milliseconds. No sockets, timers or RxJS here.
 */
import type { AmqpMap } from '../codec/types.js';
import type { Open, Performative, SaslFrameBody } from '../frames/definitions.generated.js';
import { FramingError } from '../frames/errors.js';
import { writeProtocolHeader, type ProtocolId } from '../frames/protocol-header.js';
import { ConnectionCore, EMPTY, type ConnectionCoreOptions } from './connection-core.js';
import { AmqpError, IllegalStateError } from './errors.js';
import {
  chooseMechanism, initialResponse, outcomeError, SaslError, type SaslCredentials,
} from './sasl.js';
import { Session, type SessionOptions } from './session.js';

export { MIN_MAX_FRAME_SIZE } from './connection-core.js';

export interface ConnectionOptions extends ConnectionCoreOptions {
  readonly containerId: string;
  /** The virtual host (open.hostname; also SASL's hostname). */
  readonly hostname?: string;
  /** SASL credentials; `false` skips the SASL layer (peers that accept a bare AMQP header). */
  readonly sasl?: SaslCredentials | false;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
}

export type ConnectionState =
  | 'start' | 'sasl' | 'open-sent' | 'opened' | 'close-sent' | 'closed';

export class Connection extends ConnectionCore<ConnectionState> {
  state: ConnectionState = 'start';

  private remoteChannelMax = 65535;
  private expecting: ProtocolId = 'amqp';

  constructor(readonly options: ConnectionOptions) {
    // Large frames spanning chunks reach the link as views (copied once, on assembly); with a
    // trace, frames stay whole so that each is shown as it was.
    super(options, options.trace === undefined);
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

  // --- the client's protocol ------------------------------------------------------------------

  protected onHeader(protocol: ProtocolId): void {
    this.trace(`<- ${protocol.toUpperCase()} header`);
    if (protocol !== this.expecting) {
      const msg = protocol === 'amqp'
        ? 'peer skipped SASL: it answered with the AMQP header (connect without SASL credentials, or check the port)'
        : 'peer requires SASL: it answered with the SASL header';
      this.fail(new SaslError(msg), undefined);
    }
  }

  protected onSasl(p: SaslFrameBody): void {
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

  protected refuseAmqpFrame(): undefined {
    return undefined;
  }

  protected canWriteClose(): boolean {
    return this.state === 'open-sent' || this.state === 'opened';
  }

  protected onOpen(o: Open): void {
    if (!this.acceptRemoteOpen(o, 'peer')) return;
    this.remoteChannelMax = o.channelMax ?? 65535;
    if (this.state === 'open-sent') this.state = 'opened';
    this.emit({ type: 'connection-open', remote: o });
  }

  protected onPeerBegin(b: Performative & { kind: 'begin' }, channel: number): void {
    let s: Session | undefined;
    if (b.remoteChannel !== undefined) {
      s = this.sessions.get(b.remoteChannel);
      if (s === undefined || s.state !== 'begin-sent') {
        return this.failConnection('amqp:connection:framing-error', `begin answers channel ${b.remoteChannel}, which we did not begin`);
      }
      this.sessionsByRemote.set(channel, s);
    } else {
      s = this.newSessionFor(channel);
    }
    s.onBegin(b, channel);
  }
}

/** sasl-code values by wire number (the frame layer gives us the choice names). */
const SASL_CODES = ['ok', 'auth', 'sys', 'sys-perm', 'sys-temp'];
