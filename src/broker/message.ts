/**
 * The broker keeps messages as the bytes the producer sent and touches them only where the
 * specification says the intermediary must: the header's delivery-count after a failed delivery,
 * and message annotations added by a `modified` outcome. Reading `to` serves the anonymous relay.
 */
import type { AmqpMap } from '../amqp/codec/types.js';
import { decodeSections, encodeSections } from '../amqp/frames/sections.js';
import { addressText } from './address.js';

/** One message held by the broker. */
export interface StoredMessage {
  /** Arrival order across the broker (requeued messages go back to their place). */
  readonly seq: number;
  /** The message bytes as the producer sent them (with edits from earlier outcomes). */
  payload: Uint8Array;
  /** Failed delivery attempts (written to the header on redelivery). */
  deliveryCount: number;
  /** Consumers that declared it undeliverable-here. */
  excluded?: Set<object>;
}

/** The message's `to` property, when it has one that is a string. */
export function messageTo(payload: Uint8Array): string | undefined {
  return addressText(decodeSections(payload).properties?.to);
}

/**
 * The payload with header.delivery-count set to `deliveryCount` and `annotations` merged into the
 * message annotations (later keys win). Other sections are copied as they are.
 */
export function rewriteMessage(payload: Uint8Array, deliveryCount: number, annotations?: AmqpMap): Uint8Array {
  const d = decodeSections(payload);
  const parts: Uint8Array[] = [];
  const header = { ...(d.header ?? {}), deliveryCount };
  delete (header as { kind?: string }).kind;
  parts.push(encodeSections({ header }));
  let annotated = false;
  for (const s of d.sections) {
    if (s.name === 'header') continue;
    if (s.name === 'delivery-annotations') { parts.push(s.bytes); continue; }
    if (s.name === 'message-annotations' && annotations !== undefined) {
      parts.push(encodeSections({ messageAnnotations: mergeMaps(d.messageAnnotations, annotations) }));
      annotated = true;
      continue;
    }
    if (!annotated && annotations !== undefined && s.name !== 'message-annotations') {
      parts.push(encodeSections({ messageAnnotations: annotations }));
      annotated = true;
    }
    parts.push(s.bytes);
  }
  if (!annotated && annotations !== undefined) parts.push(encodeSections({ messageAnnotations: annotations }));
  return join(parts);
}

function mergeMaps(a: AmqpMap | undefined, b: AmqpMap): AmqpMap {
  const key = (k: unknown): string => JSON.stringify(k, (_n, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const out = new Map<string, AmqpMap['value'][number]>();
  for (const e of a?.value ?? []) out.set(key(e[0]), e);
  for (const e of b.value) out.set(key(e[0]), e);
  return { type: 'map', value: [...out.values()] };
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
