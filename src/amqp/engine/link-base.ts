/**
 * What both ends of a link share (AMQP 1.0 section 2.6): attach and its settle-mode negotiation,
 * detach, and failing a link locally. Links talk to their session through the small LinkHost
 * interface, which keeps transfer-ids, delivery-ids, session windows and frame output in one
 * place. The roles live in sender-link.ts and receiver-link.ts; link.ts re-exports all three.
 */
import type { AmqpMap } from '../codec/types.js';
import type {
  Attach, Coordinator, DeliveryState, Detach, Flow, ReceiverSettleMode, Role, SenderSettleMode, Source, Target, Transfer,
} from '../frames/definitions.generated.js';
import { AmqpError, IllegalStateError, SettleModeError } from './errors.js';
import type { EngineEvent } from './events.js';
import type { Payload } from './payload.js';

/** The fields of a flow frame that a link sets. */
export type LinkFlowFields = Pick<Flow, 'handle' | 'deliveryCount' | 'linkCredit' | 'available' | 'drain' | 'echo'>;

/** What a link needs from its session. */
export interface LinkHost {
  /**
   * Queue a link-level frame (attach, detach, flow fields are completed by the session). The
   * caller may reuse the performative object, its tag's bytes and a small payload's bytes once
   * this returns: a transfer the session window holds back keeps copies of them (a payload under
   * 16 KiB; a larger one is kept by reference, as the output keeps it).
   */
  writeFrame(performative: Attach | Detach | Transfer, payload?: Payload): void;
  /** Send a flow carrying the session's window fields plus these link fields. */
  writeLinkFlow(fields: LinkFlowFields): void;
  nextDeliveryId(): number;
  /** Queue a disposition for one delivery (the session batches contiguous ones). */
  settle(role: Role, deliveryId: number, settled: boolean, state: DeliveryState | undefined): void;
  /** Largest frame the peer accepts. */
  readonly remoteMaxFrameSize: number;
  /** Arrays the engine fills completely (ConnectionCoreOptions.allocate). */
  readonly allocate: (size: number) => Uint8Array;
  emit(e: EngineEvent): void;
  detached(link: Link): void;
  /** Bytes of an incomplete multi-transfer message came or went; false when over the connection's bound (see SessionHost.incomplete). */
  incomplete(delta: number): boolean;
}

/** Options common to both roles when attaching. */
export interface LinkOptions {
  readonly name: string;
  readonly source?: Source;
  readonly target?: Target | Coordinator;
  readonly sndSettleMode?: SenderSettleMode;
  readonly rcvSettleMode?: ReceiverSettleMode;
  /** Largest message this end accepts (receiver) or will send (sender); undefined = no limit. */
  readonly maxMessageSize?: number;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
  /**
   * For links we attach: fail the link with `SettleModeError` (instead of adapting) when the
   * peer's attach does not grant the `sndSettleMode` / `rcvSettleMode` asked for. See
   * `Link.negotiate` for what "grant" means for each role.
   */
  readonly requireSettleModes?: boolean;
  /**
   * Receivers: transfers tolerated with no credit outstanding since our last credit grant (they
   * are delivered, see credit.ts); one more detaches the link with
   * amqp:link:transfer-limit-exceeded (`TransferLimitError`). Default 1024. This is the hard
   * bound that keeps unsettled incoming state at most credit granted + this limit.
   */
  readonly overCreditLimit?: number;
}

/** Default of `LinkOptions.overCreditLimit`. */
export const DEFAULT_OVER_CREDIT_LIMIT = 1024;

export type LinkState = 'detached' | 'attach-sent' | 'attach-received' | 'attached' | 'detach-sent' | 'closed';

export abstract class Link {
  abstract readonly role: Role;
  state: LinkState = 'detached';
  /** Why the link is closed, for the error of a late settle ("... cannot be settled: WHY"). */
  protected closedBecause = 'the link is detached';
  /** The peer's attach, once received. */
  remote: Attach | undefined;
  /** The peer's handle for this link. */
  remoteHandle: number | undefined;
  /** Largest message the peer accepts (from its attach); undefined when it set no limit. */
  remoteMaxMessageSize: number | undefined;
  /**
   * The sender settle mode in use: what we asked for until the peer's attach arrives, then what
   * was negotiated (see `negotiate`). A sender in mode 'settled' sends every delivery pre-settled,
   * in 'unsettled' none (section 2.8.2); 'mixed' leaves it to each send.
   */
  sndSettleMode: SenderSettleMode;
  /** The receiver settle mode in use ('first' unless negotiated otherwise). */
  rcvSettleMode: ReceiverSettleMode;
  /**
   * Largest message this end accepts (receiver): the options' `maxMessageSize`, or what our
   * attach stated when answering a peer's (a server sets its limit in the answer).
   */
  maxMessageSize: number | undefined;

  constructor(
    protected readonly host: LinkHost,
    /** Our handle for this link. */
    readonly handle: number,
    readonly options: LinkOptions,
  ) {
    // The specification's defaults for fields an attach leaves out.
    this.sndSettleMode = options.sndSettleMode ?? 'mixed';
    this.rcvSettleMode = options.rcvSettleMode ?? 'first';
    this.maxMessageSize = options.maxMessageSize;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Send our attach (either to initiate, or to answer the peer's). `answer` overrides fields of
   * this link's options in the frame: a server answering a remote attach uses it to fill in a
   * dynamic node's address, or to send a null terminus before refusing the link.
   */
  attach(initialDeliveryCount?: number, answer?: Partial<LinkOptions>): void {
    if (this.state !== 'detached' && this.state !== 'attach-received') {
      throw new IllegalStateError(`link ${this.name} cannot attach in state ${this.state}`);
    }
    const o = answer === undefined ? this.options : { ...this.options, ...answer };
    if (this.state === 'attach-received') {
      // Answering: the modes we state are the ones in use (the peer's attach only asked).
      this.sndSettleMode = o.sndSettleMode ?? 'mixed';
      this.rcvSettleMode = o.rcvSettleMode ?? 'first';
      this.maxMessageSize = o.maxMessageSize;
    }
    this.host.writeFrame({
      kind: 'attach',
      name: o.name,
      handle: this.handle,
      role: this.role,
      sndSettleMode: o.sndSettleMode,
      rcvSettleMode: o.rcvSettleMode,
      source: o.source,
      target: o.target,
      initialDeliveryCount: this.role === 'sender' ? (initialDeliveryCount ?? 0) : undefined,
      maxMessageSize: o.maxMessageSize === undefined ? undefined : BigInt(o.maxMessageSize),
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties,
    });
    this.state = this.state === 'attach-received' ? 'attached' : 'attach-sent';
  }

  /** Detach (closed=true closes the link for good, which is what applications normally want). */
  detach(error?: AmqpError, closed = true): void {
    if (this.state === 'detach-sent' || this.state === 'closed') return;
    this.host.writeFrame({ kind: 'detach', handle: this.handle, closed, error: error?.toErrorInfo() });
    this.state = 'detach-sent';
  }

  /** @internal the peer's attach */
  onAttach(a: Attach): void {
    this.remote = a;
    this.remoteHandle = a.handle;
    // We detached before the peer answered: its attach completes the exchange, its detach (the
    // answer to ours) follows, and nothing is to be reported or sent meanwhile. Taking the attach
    // as new would have us answer that detach with a second one, for a handle already gone.
    if (this.state === 'detach-sent') return;
    this.remoteMaxMessageSize = a.maxMessageSize === undefined || a.maxMessageSize === 0n
      ? undefined
      : a.maxMessageSize > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(a.maxMessageSize);
    const initiated = this.state === 'detached';
    const answered = this.state === 'attach-sent';
    this.state = answered ? 'attached' : 'attach-received';
    this.onRemoteAttach(a);
    if (answered) {
      const refused = this.negotiate(a);
      // The owner sees the failure (a link-detach with the error), not an attach it cannot use.
      if (refused !== undefined) return this.failWith(refused);
    }
    this.host.emit({ type: 'link-attach', link: this, remoteInitiated: initiated });
  }

  /**
   * Settle modes for a link we attached, from the peer's answer (section 2.7.3). Each end's
   * attach states the mode of its own role and asks for the other's:
   * - we send: the receiver's rcv-settle-mode is the mode in use (taken as is); its
   *   snd-settle-mode, when 'settled' or 'unsettled', is what it wants from us, and we adopt it
   *   (a 'mixed' answer allows whatever we stated);
   * - we receive: the sender's snd-settle-mode is the mode in use (taken as is); our
   *   rcv-settle-mode 'second' stays only when the sender's answer says 'second' too (else 'first').
   * With `requireSettleModes`, a difference from a mode we asked for is refused instead.
   */
  private negotiate(a: Attach): SettleModeError | undefined {
    const o = this.options;
    const strict = o.requireSettleModes === true;
    if (this.role === 'sender') {
      const rcv = a.rcvSettleMode ?? 'first';
      if (strict && o.rcvSettleMode !== undefined && rcv !== o.rcvSettleMode) {
        return new SettleModeError('rcv-settle-mode', o.rcvSettleMode, rcv);
      }
      this.rcvSettleMode = rcv;
      const wanted = a.sndSettleMode;
      if (wanted !== undefined && wanted !== 'mixed' && wanted !== this.sndSettleMode) {
        if (strict && o.sndSettleMode !== undefined) return new SettleModeError('snd-settle-mode', o.sndSettleMode, wanted);
        this.sndSettleMode = wanted;
      }
    } else {
      const snd = a.sndSettleMode ?? 'mixed';
      if (strict && o.sndSettleMode !== undefined && snd !== o.sndSettleMode) {
        return new SettleModeError('snd-settle-mode', o.sndSettleMode, snd);
      }
      this.sndSettleMode = snd;
      // Our rcv-settle-mode is ours to choose, but a sender answering 'first' to 'second' does not
      // take part in the second round (it may never settle after our outcome): 'first' then.
      const answered = a.rcvSettleMode ?? 'first';
      if (strict && o.rcvSettleMode !== undefined && answered !== o.rcvSettleMode) {
        return new SettleModeError('rcv-settle-mode', o.rcvSettleMode, answered);
      }
      if (this.rcvSettleMode === 'second' && answered !== 'second') this.rcvSettleMode = 'first';
    }
    return undefined;
  }

  /** @internal the peer's detach */
  onDetach(d: Detach): void {
    const error = d.error === undefined ? undefined : AmqpError.fromRemote(d.error, 'link');
    if (this.state === 'attach-received') {
      // The peer attached and detached before we answered (both in one read): the specification
      // wants our attach before our detach, and null termini say we never took the link on.
      this.attach(0, { source: undefined, target: undefined });
    }
    if (this.state !== 'detach-sent') {
      // Answer the peer's detach, as the specification requires.
      this.host.writeFrame({ kind: 'detach', handle: this.handle, closed: d.closed });
      this.closedBecause = `the peer detached the link${error === undefined ? '' : ` (${error.condition})`}`;
    }
    this.state = 'closed';
    this.onClosed();
    this.host.detached(this);
    this.host.emit({ type: 'link-detach', link: this, error, closed: d.closed ?? false });
  }

  /** @internal the session or connection went away under the link (`why` completes "link closed: ...") */
  abort(why = 'its session ended'): void {
    if (this.state !== 'closed') this.closedBecause = why;
    this.state = 'closed';
    this.onClosed();
  }

  protected onRemoteAttach(_a: Attach): void {}
  protected onClosed(): void {}
  /** @internal */
  abstract onFlow(f: Flow): void;

  /** Fail the link locally: detach with the error and tell the owner. */
  protected fail(condition: string, description: string): void {
    this.failWith(new AmqpError(condition, description, 'link', true));
  }

  /** Fail the link locally with a typed error: detach carrying it, and tell the owner. */
  protected failWith(error: AmqpError): void {
    this.detach(error, true);
    this.host.emit({ type: 'link-detach', link: this, error, closed: true });
  }
}
