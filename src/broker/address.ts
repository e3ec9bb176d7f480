/**
 * Node addressing of the embedded broker. An address names a queue or a topic:
 *
 * | address                          | node                |
 * |----------------------------------|---------------------|
 * | `NAME`                           | queue `NAME`        |
 * | `queue/NAME`, `/queue/NAME`      | queue `NAME`        |
 * | `topic/NAME`, `/topic/NAME`      | topic `NAME`        |
 * | `NAME` with capability `topic`   | topic `NAME`        |
 * | `NAME` with capability `queue`   | queue `NAME`        |
 *
 * Nodes are created on first use. The STOMP side maps `/queue/X` and `/topic/X` the same way.
 */
import type { AmqpValue } from '../amqp/codec/types.js';

/** The two kinds of node: a queue (competing consumers) or a topic (a copy per subscription). */
export type NodeKind = 'queue' | 'topic';

/** A node an address resolves to (see {@link resolveAddress}). */
export interface NodeAddress {
  /** Queue or topic. */
  readonly kind: NodeKind;
  /** The node's name without any `queue/` or `topic/` prefix. */
  readonly name: string;
}

const PREFIXES: readonly (readonly [string, NodeKind])[] = [
  ['/queue/', 'queue'], ['queue/', 'queue'], ['/topic/', 'topic'], ['topic/', 'topic'],
];

/** Resolve an address (and the terminus capabilities) to a node; undefined for an empty address. */
export function resolveAddress(address: string | undefined, capabilities: readonly string[] = []): NodeAddress | undefined {
  if (address === undefined || address === '') return undefined;
  for (const [prefix, kind] of PREFIXES) {
    if (address.startsWith(prefix) && address.length > prefix.length) return { kind, name: address.slice(prefix.length) };
  }
  if (capabilities.includes('topic')) return { kind: 'topic', name: address };
  return { kind: 'queue', name: address };
}

/** The canonical address of a node (what a dynamic node's attach reports, for instance). */
export function formatAddress(node: NodeAddress): string {
  return node.kind === 'topic' ? `topic/${node.name}` : node.name;
}

/** An address value from a terminus or a message's `to` (strings and symbols); else undefined. */
export function addressText(v: AmqpValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.type === 'string' || v.type === 'symbol') return v.value;
  return undefined;
}
