/**
 * What a link states beyond its address, and what the peer answered: settle modes (asked for,
 * required or preferred, and the modes in use), link properties and capabilities going out, and
 * the peer's answering attach coming back as plain values (its source with the filters it really
 * applied, its target, properties and capabilities). Every link-making call takes
 * {@link LinkSettleOptions} and {@link LinkDetailOptions}; every link handle is a {@link LinkDetails}.
 */
import { toNative, type NativeValue } from '../codec/native.js';
import type { AmqpMap, AmqpValue } from '../codec/types.js';
import { string as amqpString } from '../codec/values.js';
import type { LinkOptions } from '../engine/link-base.js';
import type { Link } from '../engine/link.js';
import type { ReceiverSettleMode, SenderSettleMode, Source, Target, TerminusDurability, TerminusExpiryPolicy } from '../frames/definitions.generated.js';
import { symbolKeyed, type PropertyMap } from './message.js';

export type { ReceiverSettleMode, SenderSettleMode, TerminusDurability, TerminusExpiryPolicy };

/**
 * The settle modes a link asks for (AMQP 1.0 section 2.7.3). The peer answers with the modes it
 * will use; by default a different answer is adopted (the handle's `settleModes` says what is in
 * use), with `requireSettleModes` it fails the link with `SettleModeError`.
 */
export interface LinkSettleOptions {
  /**
   * How the sender settles: 'settled' sends every message pre-settled (at-most-once; on a
   * receiver this is receive-and-delete: no dispositions at all), 'unsettled' none, 'mixed' per
   * message. Receivers default to 'unsettled'; senders follow their `delivery` option.
   */
  readonly sndSettleMode?: SenderSettleMode;
  /**
   * How the receiver settles: 'first' (default) settles with its outcome; 'second' sends the
   * outcome unsettled, waits for the sender to settle, then settles (section 2.8.3), so that the
   * sender knows the outcome arrived before either side forgets the delivery.
   */
  readonly rcvSettleMode?: ReceiverSettleMode;
  /**
   * true: a peer answering with other modes than those asked for fails the link with
   * `SettleModeError` (amqp:precondition-failed) instead of the link adapting. Default false.
   */
  readonly requireSettleModes?: boolean;
}

/** Extra fields of a link's attach: link properties and capabilities (section 2.7.3). */
export interface LinkDetailOptions {
  /** Link properties (symbol keys), e.g. `{ 'x-opt-priority': 5 }` or a peer's own settings. */
  readonly properties?: PropertyMap;
  /** Link capabilities we offer (symbols). */
  readonly offeredCapabilities?: readonly string[];
  /** Link capabilities we ask the peer for (symbols). */
  readonly desiredCapabilities?: readonly string[];
}

/** The settle modes in use on a link, as negotiated. */
export interface SettleModes {
  readonly snd: SenderSettleMode;
  readonly rcv: ReceiverSettleMode;
}

/** A terminus (source or target) the peer answered with, as plain values. */
export interface TerminusView {
  /** The node's address (for a dynamic node: the one the peer created). */
  readonly address: string | undefined;
  /** What of the terminus the peer keeps across a detach (default 'none'). */
  readonly durable: TerminusDurability;
  /** When its expiry clock starts (default 'session-end'). */
  readonly expiryPolicy: TerminusExpiryPolicy;
  /** Seconds it is kept after that (default 0). */
  readonly timeout: number;
  /** Whether the peer created the node for this link. */
  readonly dynamic: boolean;
  /** The terminus capabilities the peer states (e.g. `topic`, `queue`). */
  readonly capabilities: readonly string[];
}

/** The peer's source: what it sends from, and the filters it really applied. */
export interface SourceView extends TerminusView {
  /**
   * The filters the peer applied, by name, as typed described values (a peer leaves out filters
   * it did not apply: compare with what was asked for). Empty when none.
   */
  readonly filter: { readonly [name: string]: AmqpValue };
  /** 'move' (consume) or 'copy' (browse), when the peer states it. */
  readonly distributionMode: string | undefined;
  /** The outcomes the peer's source supports, when it lists them. */
  readonly outcomes: readonly string[] | undefined;
}

/** The peer's target. */
export type TargetView = TerminusView;

/** What a link handle tells of its link beyond credit: modes in use and the peer's attach. */
export interface LinkDetails {
  /** The settle modes in use (after the peer's answer; see {@link LinkSettleOptions}). */
  readonly settleModes: SettleModes;
  /** The peer's source, as it answered (undefined: a null source). */
  readonly remoteSource: SourceView | undefined;
  /** The peer's target, as it answered (undefined: a null target). */
  readonly remoteTarget: TargetView | undefined;
  /** The peer's link properties in the native view ({} when none). */
  readonly remoteProperties: { readonly [key: string]: NativeValue };
  /** Capabilities the peer's attach offers. */
  readonly remoteOfferedCapabilities: readonly string[];
  /** Capabilities the peer's attach asks of us. */
  readonly remoteDesiredCapabilities: readonly string[];
  /** The largest message the peer accepts on this link (undefined: no limit stated). */
  readonly remoteMaxMessageSize: number | undefined;
}

/** A target terminus beyond a bare address (section 3.5.4): dynamic nodes, capabilities, durability. */
export interface TargetOptions {
  /** The node to send to; leave out with `dynamic` (the peer names the node it creates). */
  readonly address?: string;
  /** Ask the peer to create a node for this link; its address is the handle's `remoteTarget.address`. */
  readonly dynamic?: boolean;
  /** Properties of the node to create (dynamic-node-properties, symbol keys), e.g. `{ 'lifetime-policy': ... }`. */
  readonly dynamicNodeProperties?: PropertyMap;
  /** Target capabilities to ask for (e.g. `queue`, `topic`, as the peer names them). */
  readonly capabilities?: readonly string[];
  /** What of the terminus survives a detach (terminus-durability). */
  readonly durable?: TerminusDurability;
  /** When the terminus' expiry clock starts. */
  readonly expiryPolicy?: TerminusExpiryPolicy;
  /** Seconds it is kept after that. */
  readonly timeout?: number;
}

/** Where a sender link goes: an address, null (the peer's anonymous relay), or a full target. */
export type TargetSpec = string | null | TargetOptions;

/** The target terminus a {@link TargetSpec} describes (null: no address, the anonymous relay). */
export function targetOf(spec: TargetSpec): Target {
  const o: TargetOptions = spec === null ? {} : typeof spec === 'string' ? { address: spec } : spec;
  return {
    kind: 'target',
    address: o.address === undefined ? undefined : amqpString(o.address),
    dynamic: o.dynamic,
    dynamicNodeProperties: o.dynamicNodeProperties === undefined ? undefined : symbolKeyed(o.dynamicNodeProperties),
    capabilities: o.capabilities,
    durable: o.durable,
    expiryPolicy: o.expiryPolicy,
    timeout: o.timeout,
  };
}

/** The engine's link options for the settle and detail options given. */
export function linkOptionsOf(o: LinkSettleOptions & LinkDetailOptions): Pick<LinkOptions, 'requireSettleModes' | 'properties' | 'offeredCapabilities' | 'desiredCapabilities'> {
  return {
    requireSettleModes: o.requireSettleModes,
    properties: o.properties === undefined ? undefined : symbolKeyed(o.properties),
    offeredCapabilities: o.offeredCapabilities,
    desiredCapabilities: o.desiredCapabilities,
  };
}

const text = (v: AmqpValue | undefined): string | undefined =>
  v === undefined || v.type === 'null' ? undefined : typeof v.value === 'string' ? v.value : String(toNative(v));

function terminusView(t: Source | Target): TerminusView {
  return {
    address: text(t.address),
    durable: t.durable ?? 'none',
    expiryPolicy: t.expiryPolicy ?? 'session-end',
    timeout: t.timeout ?? 0,
    dynamic: t.dynamic ?? false,
    capabilities: t.capabilities ?? [],
  };
}

function filterView(f: AmqpMap | undefined): { [name: string]: AmqpValue } {
  const out: { [name: string]: AmqpValue } = {};
  if (f === undefined) return out;
  for (const [k, v] of f.value) out[String(toNative(k))] = v;
  return out;
}

const isSource = (v: unknown): v is Source => typeof v === 'object' && v !== null && (v as Source).kind === 'source';
const isTarget = (v: unknown): v is Target => typeof v === 'object' && v !== null && (v as Target).kind === 'target';

/** The peer's source on `link`, as plain values. */
export function sourceView(link: Link): SourceView | undefined {
  const s = link.remote?.source;
  if (!isSource(s)) return undefined;
  const outcomes = s.outcomes;
  return {
    ...terminusView(s),
    filter: filterView(s.filter),
    distributionMode: s.distributionMode,
    outcomes: outcomes === undefined ? undefined : [...outcomes],
  };
}

/** The peer's target on `link`, as plain values (a coordinator is not a target). */
export function targetView(link: Link): TargetView | undefined {
  const t = link.remote?.target;
  return isTarget(t) ? terminusView(t) : undefined;
}

/** The {@link LinkDetails} of `link`, read when asked (they change once, when the peer answers). */
export function linkDetails(link: Link): LinkDetails {
  return {
    get settleModes() { return { snd: link.sndSettleMode, rcv: link.rcvSettleMode }; },
    get remoteSource() { return sourceView(link); },
    get remoteTarget() { return targetView(link); },
    get remoteProperties() {
      const p = link.remote?.properties;
      return p === undefined ? {} : toNative(p) as { [key: string]: NativeValue };
    },
    get remoteOfferedCapabilities() { return link.remote?.offeredCapabilities ?? []; },
    get remoteDesiredCapabilities() { return link.remote?.desiredCapabilities ?? []; },
    get remoteMaxMessageSize() { return link.remoteMaxMessageSize; },
  };
}
