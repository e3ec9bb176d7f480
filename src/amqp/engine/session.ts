/**
 * Sessions (AMQP 1.0 section 2.5): begin/end, transfer-id windows, delivery-ids, link handles,
 * and batched dispositions. Frames go out through the connection's writer.
 */
import type {
  Attach, Begin, DeliveryState, Detach, Disposition, End, Flow, Role, Transfer,
} from '../frames/definitions.generated.js';
import type { Performative } from '../frames/definitions.generated.js';
import type { AmqpFrame } from '../frames/frame.js';
import type { AmqpMap } from '../codec/types.js';
import { AmqpError, HandleMaxError, IllegalStateError } from './errors.js';
import type { EngineEvent } from './events.js';
import type { Link, LinkFlowFields, LinkOptions } from './link-base.js';
import { payloadLength, type Payload } from './payload.js';
import { ReceiverLink } from './receiver-link.js';
import { SenderLink, type OutgoingDelivery, type SenderLinkHost } from './sender-link.js';
import { concatParts, PAYLOAD_BY_REFERENCE_MIN } from './output.js';
import { DeliveryStore } from './delivery-store.js';
import { add } from './serial.js';
import { SessionWindow } from './session-window.js';

/** What a session needs from its connection. */
export interface SessionHost {
  writeFrame(channel: number, performative: Performative, payload?: Payload): void;
  readonly remoteMaxFrameSize: number;
  /** Arrays the engine fills completely (ConnectionCoreOptions.allocate). */
  readonly allocate: (size: number) => Uint8Array;
  emit(e: EngineEvent): void;
  ended(s: Session): void;
  /** Fail the whole connection (a session-level rule broken so badly the connection must go). */
  failConnection(condition: string, description: string): void;
  /** The peer sent a flow for one of our receiving links (it speaks flow to receivers: see `probe`). */
  receiverFlowSeen(): void;
  /**
   * Bytes of an incomplete multi-transfer message came (`delta` > 0) or went (< 0); false when the
   * connection's bound was passed and the connection is failing (ConnectionCoreOptions.maxIncompleteBytes).
   */
  incomplete(delta: number): boolean;
}

export interface SessionOptions {
  /** Incoming window in transfer frames; restored when half used. Default 2048. */
  readonly incomingWindow?: number;
  /** Largest handle we accept. Default 2^32-1 (no limit beyond memory). */
  readonly handleMax?: number;
  readonly offeredCapabilities?: readonly string[];
  readonly desiredCapabilities?: readonly string[];
  readonly properties?: AmqpMap;
}

export type SessionState = 'unmapped' | 'begin-sent' | 'begin-received' | 'mapped' | 'end-sent' | 'ended';

/** A disposition waiting to be written, possibly covering a range of delivery-ids. */
interface PendingDisposition {
  role: Role;
  first: number;
  last: number;
  settled: boolean;
  state: DeliveryState | undefined;
}

/** Outgoing transfer frames held back while the peer's incoming window is closed. */
interface HeldTransfer {
  readonly performative: Transfer;
  readonly payload: Payload;
}

export class Session implements SenderLinkHost {
  state: SessionState = 'unmapped';
  remote: Begin | undefined;
  remoteChannel: number | undefined;
  readonly window: SessionWindow;
  private deliveryId = 0;
  private readonly links = new Map<number, Link>();
  private readonly linksByRemoteHandle = new Map<number, Link>();
  /**
   * Links we attached that the peer has not answered yet, by role and name: the peer's attach
   * finds its link here in one lookup (a scan of every link made attaching n links O(n^2)).
   */
  private readonly awaitingAnswer = new Map<string, Link>();
  /** No handle below this one is free (handles are taken lowest-first from here). */
  private lowestFree = 0;
  /** The link of the transfer being streamed in, until its last piece. */
  private streamLink: ReceiverLink | undefined;
  /** Our unsettled deliveries by delivery-id (each knows the link that sent it). */
  private readonly outgoing = new DeliveryStore<OutgoingDelivery>();
  private pendingDispositions: PendingDisposition[] = [];
  private held: HeldTransfer[] = [];
  /** Transfers before this index in `held` have gone out. */
  private heldAt = 0;
  /** A session flow with echo=true is out, asking the peer for its current window. */
  private echoPending = false;
  private readonly handleMax: number;

  constructor(
    private readonly host: SessionHost,
    /** Our channel number for this session. */
    readonly channel: number,
    readonly options: SessionOptions = {},
  ) {
    this.window = new SessionWindow(options.incomingWindow ?? 2048);
    this.handleMax = options.handleMax ?? 0xffffffff;
  }

  get remoteMaxFrameSize(): number {
    return this.host.remoteMaxFrameSize;
  }

  get allocate(): (size: number) => Uint8Array {
    return this.host.allocate;
  }

  /** @internal see SessionHost.incomplete */
  incomplete(delta: number): boolean {
    return this.host.incomplete(delta);
  }

  /** Send our begin (to initiate, or to answer the peer's). */
  begin(): void {
    if (this.state !== 'unmapped' && this.state !== 'begin-received') {
      throw new IllegalStateError(`session on channel ${this.channel} cannot begin in state ${this.state}`);
    }
    const o = this.options;
    this.host.writeFrame(this.channel, {
      kind: 'begin',
      remoteChannel: this.remoteChannel,
      nextOutgoingId: this.window.nextOutgoingId,
      incomingWindow: this.window.incomingWindow,
      outgoingWindow: 0x7fffffff,
      handleMax: this.handleMax,
      offeredCapabilities: o.offeredCapabilities,
      desiredCapabilities: o.desiredCapabilities,
      properties: o.properties,
    });
    this.state = this.state === 'begin-received' ? 'mapped' : 'begin-sent';
  }

  /** End the session; its links end with it (their owners get link-detach events). */
  end(error?: AmqpError): void {
    if (this.state === 'end-sent' || this.state === 'ended') return;
    this.flushDispositions();
    this.host.writeFrame(this.channel, { kind: 'end', error: error?.toErrorInfo() });
    this.state = 'end-sent';
    this.closeLinks();
  }

  /**
   * Create a sender link and send its attach. Throws `HandleMaxError` when no handle is free
   * within both ends' handle-max (the peer's is known once its begin has arrived).
   */
  attachSender(options: LinkOptions): SenderLink {
    const link = new SenderLink(this, this.allocateHandle(), options);
    this.links.set(link.handle, link);
    this.awaitingAnswer.set(answerKey('receiver', link.name), link);
    link.attach();
    return link;
  }

  /** Create a receiver link and send its attach (`HandleMaxError` as for `attachSender`). */
  attachReceiver(options: LinkOptions): ReceiverLink {
    const link = new ReceiverLink(this, this.allocateHandle(), options);
    this.links.set(link.handle, link);
    this.awaitingAnswer.set(answerKey('sender', link.name), link);
    link.attach();
    return link;
  }

  // --- LinkHost ------------------------------------------------------------------------------

  writeFrame(p: Attach | Detach | Transfer, payload?: Payload): void {
    if (p.kind === 'detach') this.flushDispositions(); // settle what the link received before it goes
    if (p.kind === 'transfer') {
      if (this.heldAt < this.held.length || !this.window.canSend()) {
        // Small payloads are copied (the sender may reuse their bytes once send returns), large
        // ones are kept by reference as they would be in the output.
        const keep = payload === undefined ? EMPTY
          : payloadLength(payload) < PAYLOAD_BY_REFERENCE_MIN ? copyPayload(payload) : payload;
        // The performative and its tag too: a sender reuses both for its next transfer.
        // Object.assign then the tag: a spread with a field added makes a new map per object in V8.
        const performative: Transfer = Object.assign({}, p);
        (performative as { deliveryTag: Uint8Array | undefined }).deliveryTag = p.deliveryTag?.slice();
        this.held.push({ performative, payload: keep });
        this.requestWindow();
        return;
      }
      this.window.onSend();
    }
    this.host.writeFrame(this.channel, p, payload);
  }

  writeLinkFlow(fields: LinkFlowFields): void {
    this.host.writeFrame(this.channel, this.flowFrame(fields));
  }

  nextDeliveryId(): number {
    const id = this.deliveryId;
    this.deliveryId = add(id, 1);
    return id;
  }

  /**
   * Queue a disposition; consecutive delivery-ids with the same role, settlement and a state of
   * the same field-less kind (accepted, released, or none) are merged into one first..last range.
   */
  settle(role: Role, deliveryId: number, settled: boolean, state: DeliveryState | undefined): void {
    const pending = this.pendingDispositions;
    // Index -1 of an empty array would be a named-property lookup, which turns this load generic.
    const last = pending.length === 0 ? undefined : pending[pending.length - 1];
    if (
      last !== undefined && last.role === role && last.settled === settled &&
      last.last === ((deliveryId - 1) >>> 0) && mergeable(last.state, state)
    ) {
      last.last = deliveryId;
      return;
    }
    pending.push({ role, first: deliveryId, last: deliveryId, settled, state });
  }

  trackOutgoing(d: OutgoingDelivery): void {
    this.outgoing.set(d.id, d);
  }

  untrackOutgoing(d: OutgoingDelivery): void {
    this.outgoing.delete(d.id);
  }

  outgoingOf(link: SenderLink): OutgoingDelivery[] {
    const out: OutgoingDelivery[] = [];
    for (const d of this.outgoing.values()) if (d.link === link) out.push(d);
    return out;
  }

  emit(e: EngineEvent): void {
    this.host.emit(e);
  }

  detached(link: Link): void {
    this.links.delete(link.handle);
    if (link.handle < this.lowestFree) this.lowestFree = link.handle;
    if (link.remoteHandle !== undefined) this.linksByRemoteHandle.delete(link.remoteHandle);
    const key = answerKey(link.role === 'sender' ? 'receiver' : 'sender', link.name);
    if (this.awaitingAnswer.get(key) === link) this.awaitingAnswer.delete(key);
  }

  // --- frames from the peer ------------------------------------------------------------------

  /** @internal */
  onBegin(b: Begin, remoteChannel: number): void {
    this.remote = b;
    this.remoteChannel = remoteChannel;
    this.window.onRemoteBegin(b.nextOutgoingId, b.incomingWindow, b.outgoingWindow);
    const initiated = this.state === 'unmapped';
    this.state = this.state === 'begin-sent' ? 'mapped' : 'begin-received';
    this.host.emit({ type: 'session-begin', session: this, remoteInitiated: initiated });
  }

  /** @internal */
  onEnd(e: End): void {
    const error = e.error === undefined ? undefined : AmqpError.fromRemote(e.error, 'session');
    if (this.state !== 'end-sent') {
      this.flushDispositions();
      this.host.writeFrame(this.channel, { kind: 'end' });
    }
    this.closeLinks(error);
    this.state = 'ended';
    this.host.ended(this);
    this.host.emit({ type: 'session-end', session: this, error });
  }

  /** @internal the connection closed under the session (`why` says how, for late settles) */
  abort(why: string): void {
    this.closeLinks(undefined, why);
    this.state = 'ended';
  }

  /**
   * @internal a frame on this session's channel (for a streamed transfer, `payloadRest` more
   * payload bytes follow as pieces: onPayloadPiece)
   */
  onPerformative(f: AmqpFrame): void {
    const p = f.performative;
    switch (p.kind) {
      case 'attach': return this.onAttach(p);
      case 'flow': return this.onFlow(p);
      case 'transfer': return this.onTransfer(p, f);
      case 'disposition': return this.onDisposition(p);
      case 'detach': return this.linkOf(p.handle, 'detach')?.onDetach(p);
      case 'end': return this.onEnd(p);
      default:
        return this.host.failConnection('amqp:connection:framing-error', `unexpected ${p.kind} on session channel`);
    }
  }

  /**
   * @internal What this session awaits from the peer, in words, or undefined (the connection's
   * responseTimeout asks, only when its deadline passes: a walk over the links is fine then).
   */
  awaiting(): string | undefined {
    if (this.state === 'begin-sent') return `the answer to the begin of session ${this.channel}`;
    if (this.state === 'end-sent') return `the answer to the end of session ${this.channel}`;
    if (this.state !== 'mapped') return undefined;
    const n = this.outgoing.size;
    if (n > 0) return `${n} outcome${n === 1 ? '' : 's'} on session ${this.channel}`;
    for (const l of this.links.values()) {
      if (l.state === 'attach-sent') return `the answer to the attach of link ${l.name}`;
      if (l.state === 'detach-sent') return `the answer to the detach of link ${l.name}`;
      if (l.role === 'receiver' && (l as ReceiverLink).credit.drain && (l as ReceiverLink).credit.credit > 0) return `the answer to a drain of link ${l.name}`;
    }
    return undefined;
  }

  /**
   * @internal Probe the peer (responseTimeout on a silent connection): a flow with echo=true on
   * the first attached receiver holding credit, which the peer must answer with its own flow.
   * False when there is no such link (an idle connection with no consumer waits for nothing).
   */
  probe(): boolean {
    if (this.state !== 'mapped') return false;
    for (const l of this.links.values()) {
      if (l.role === 'receiver' && l.state === 'attached' && (l as ReceiverLink).credit.credit > 0) {
        (l as ReceiverLink).probe();
        return true;
      }
    }
    return false;
  }

  /** Write queued dispositions (called by the connection before it hands out bytes). */
  flushDispositions(): void {
    if (this.pendingDispositions.length === 0) return;
    const pending = this.pendingDispositions;
    this.pendingDispositions = [];
    for (const d of pending) {
      const disposition: Disposition = {
        kind: 'disposition', role: d.role, first: d.first, last: d.last === d.first ? undefined : d.last,
        settled: d.settled, state: d.state,
      };
      this.host.writeFrame(this.channel, disposition);
    }
  }

  private onAttach(a: Attach): void {
    if (this.linksByRemoteHandle.has(a.handle)) {
      return this.failSession('amqp:session:handle-in-use', `handle ${a.handle} is already attached`);
    }
    if (a.handle > this.handleMax) {
      return this.failSession('amqp:connection:framing-error', `handle ${a.handle} exceeds handle-max ${this.handleMax}`);
    }
    // Our link of the same name and opposite role, if we initiated it.
    const key = answerKey(a.role, a.name);
    let link = this.awaitingAnswer.get(key);
    if (link !== undefined) this.awaitingAnswer.delete(key);
    if (link === undefined) {
      const options: LinkOptions = {
        name: a.name, source: a.source as LinkOptions['source'], target: a.target as LinkOptions['target'],
        sndSettleMode: a.sndSettleMode, rcvSettleMode: a.rcvSettleMode,
      };
      const handle = this.freeHandle();
      if (handle === undefined) {
        return this.failSession('amqp:resource-limit-exceeded', `no link handle free within handle-max ${this.effectiveHandleMax()} for ${a.name}`);
      }
      link = a.role === 'sender' ? new ReceiverLink(this, handle, options) : new SenderLink(this, handle, options);
      this.links.set(link.handle, link);
    }
    this.linksByRemoteHandle.set(a.handle, link);
    link.onAttach(a);
  }

  private onFlow(f: Flow): void {
    this.window.onRemoteFlow(f.nextIncomingId, f.incomingWindow, f.nextOutgoingId, f.outgoingWindow, 0);
    this.echoPending = false;
    // Ask again only if this flow let something through: a peer that keeps its window shut
    // must not be pinged in a loop.
    if (this.releaseHeld() > 0 && this.heldAt < this.held.length) this.requestWindow();
    if (f.handle !== undefined) {
      const l = this.linkOf(f.handle, 'flow');
      if (l?.role === 'receiver') this.host.receiverFlowSeen();
      l?.onFlow(f);
    } else if (f.echo) {
      this.host.writeFrame(this.channel, this.flowFrame(undefined));
    }
  }

  /** @internal more payload of the streamed transfer (see FrameParser's streamTransfers) */
  onPayloadPiece(bytes: Uint8Array, rest: number): void {
    const l = this.streamLink;
    if (rest === 0) this.streamLink = undefined;
    l?.onTransferPiece(bytes, rest);
  }

  /** @internal where the streamed transfer's next payload bytes belong, if its link knows */
  payloadTarget(rest: number): Uint8Array | undefined {
    return this.streamLink?.payloadTarget(rest);
  }

  private onTransfer(t: Transfer, f: AmqpFrame): void {
    if (!this.window.onReceive()) {
      return this.failSession('amqp:session:window-violation', 'transfer beyond the incoming window');
    }
    if (this.window.needsWindowUpdate()) {
      this.window.restoreIncomingWindow();
      this.host.writeFrame(this.channel, this.flowFrame(undefined));
    }
    const l = this.linkOf(t.handle, 'transfer');
    if (l === undefined) return;
    if (l.role !== 'receiver') {
      return this.failSession('amqp:session:errant-link', `transfer on sending link ${l.name}`);
    }
    if ((f.payloadRest ?? 0) > 0) this.streamLink = l as ReceiverLink;
    (l as ReceiverLink).onTransfer(t, f);
  }

  private onDisposition(d: Disposition): void {
    const last = d.last ?? d.first;
    if (d.role === 'receiver') {
      // About deliveries we sent.
      const settled = d.settled ?? false;
      const state = d.state as DeliveryState | undefined;
      for (const o of this.outgoing.inRange(d.first, last)) o.link.onRemoteDisposition(o, settled, state);
    } else {
      for (const l of this.links.values()) {
        if (l.role === 'receiver') (l as ReceiverLink).onRemoteDisposition(d.first, last, d.settled ?? false);
      }
    }
  }

  /**
   * The link the peer attached with `handle`; undefined after failing the session when there is
   * none. (A lookup rather than a callback: transfers and flows come once per message, and a
   * closure per frame is garbage per message.)
   */
  private linkOf(handle: number, what: string): Link | undefined {
    const l = this.linksByRemoteHandle.get(handle);
    if (l === undefined) this.failSession('amqp:session:unattached-handle', `${what} on unattached handle ${handle}`);
    return l;
  }

  private failSession(condition: string, description: string): void {
    const error = new AmqpError(condition, description, 'session', true);
    this.closeLinks(error);
    this.end(error);
    this.host.emit({ type: 'session-end', session: this, error });
  }

  /** Write held transfers while the peer's window allows; returns how many went out. */
  private releaseHeld(): number {
    let n = 0;
    while (this.heldAt < this.held.length && this.window.canSend()) {
      const h = this.held[this.heldAt];
      this.held[this.heldAt++] = undefined as unknown as HeldTransfer;
      n++;
      this.window.onSend();
      this.host.writeFrame(this.channel, h.performative, h.payload);
    }
    if (this.heldAt === this.held.length) {
      this.held = [];
      this.heldAt = 0;
    } else if (this.heldAt >= 1024 && this.heldAt * 2 >= this.held.length) {
      this.held = this.held.slice(this.heldAt);
      this.heldAt = 0;
    }
    return n;
  }

  /**
   * Our transfers are blocked by the peer's incoming window. Some peers (rhea among them) widen
   * their window only when asked, so ask with a session flow carrying echo=true (section 2.7.4):
   * the peer must answer with its current session state.
   */
  private requestWindow(): void {
    if (this.echoPending) return;
    this.echoPending = true;
    this.host.writeFrame(this.channel, this.flowFrame(undefined, true));
  }

  /**
   * A flow frame: the session's fields, and a link's when given. Every field is named in one
   * literal, so every flow we write has one shape (spreading the session's fields and a link's
   * made a shape per combination, and the writer's loads polymorphic).
   */
  private flowFrame(link: LinkFlowFields | undefined, echo?: boolean): Flow {
    return {
      kind: 'flow',
      nextIncomingId: this.remote === undefined ? undefined : this.window.nextIncomingId,
      incomingWindow: this.window.incomingWindow,
      nextOutgoingId: this.window.nextOutgoingId,
      outgoingWindow: 0x7fffffff,
      handle: link?.handle,
      deliveryCount: link?.deliveryCount,
      linkCredit: link?.linkCredit,
      available: link?.available,
      drain: link?.drain,
      echo: echo ?? link?.echo,
    };
  }

  /**
   * The largest handle we may use: ours bounds what we accept, and the peer's (from its begin)
   * what it accepts. A peer seeing a handle beyond its handle-max must close the connection with
   * framing-error (section 2.7.2), so we never send one.
   */
  private effectiveHandleMax(): number {
    const remote = this.remote?.handleMax ?? 0xffffffff;
    return Math.min(this.handleMax, remote);
  }

  /** The lowest handle not in use within the effective handle-max, or undefined. */
  private freeHandle(): number | undefined {
    const max = this.effectiveHandleMax();
    // From the lowest handle that may be free: attaching n links in a row looks at n handles in
    // all, not n^2/2 (and a detach moves the mark back to the handle it frees).
    let h = this.lowestFree;
    while (h <= max && this.links.has(h)) h++;
    this.lowestFree = h;
    return h <= max ? h : undefined;
  }

  private allocateHandle(): number {
    const h = this.freeHandle();
    if (h === undefined) throw new HandleMaxError(this.effectiveHandleMax());
    return h;
  }

  /**
   * The session is gone, so are its links: each open link is told (with the session's error, if
   * any: RabbitMQ ends the whole session for an unknown address), so its owner learns it stopped.
   */
  private closeLinks(error?: AmqpError, why = error === undefined ? 'its session ended' : `its session ended (${error.condition})`): void {
    for (const l of this.links.values()) {
      const open = l.state !== 'closed';
      l.abort(why);
      if (open) this.host.emit({ type: 'link-detach', link: l, error, closed: true });
    }
    this.links.clear();
    this.linksByRemoteHandle.clear();
    this.awaitingAnswer.clear();
    this.lowestFree = 0;
    this.outgoing.clear();
    this.held = [];
    this.heldAt = 0;
  }
}

const EMPTY = new Uint8Array(0);

/** Key of a link awaiting the peer's answer: the role the answer comes with, and the name. */
const answerKey = (answerRole: Role, name: string): string => `${answerRole === 'sender' ? 's' : 'r'}:${name}`;

function copyPayload(p: Payload): Uint8Array {
  return p instanceof Uint8Array ? p.slice() : concatParts(p).slice();
}

function mergeable(a: DeliveryState | undefined, b: DeliveryState | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.kind === b.kind && (a.kind === 'accepted' || a.kind === 'released');
}
