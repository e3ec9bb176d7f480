/**
 * A receiving link's filter set (AMQP 1.0 section 3.5.8): the entries the broker applies, and the
 * selector they make. Only the JMS selector filter is known (`apache.org:selector-filter:string`,
 * code 0x0000468C:0x00000004, from the AMQP filter registry), under whatever key the client put it
 * (rhea uses `jms-selector`, Qpid Proton `selector`). Every other entry is left out of the answer,
 * which is how section 3.5.8 says a receiver learns that a filter is not applied.
 */
import type { AmqpMap, AmqpValue } from '../amqp/codec/types.js';
import { AmqpError } from '../amqp/engine/errors.js';
import { MessageSelector, SelectorError } from './selector.js';

const SELECTOR_SYMBOL = 'apache.org:selector-filter:string';
const SELECTOR_CODE = 0x0000468c00000004n;

/** What the broker makes of a filter set. */
export interface AppliedFilters {
  /** The entries applied, for the attach answer; undefined when none is. */
  readonly answer: AmqpMap | undefined;
  /** The selector of the selector entry, if there is one. */
  readonly selector: MessageSelector | undefined;
}

const isSelectorFilter = (v: AmqpValue): boolean => v.type === 'described' &&
  ((v.descriptor.type === 'symbol' && v.descriptor.value === SELECTOR_SYMBOL) ||
    (v.descriptor.type === 'ulong' && v.descriptor.value === SELECTOR_CODE));

/**
 * Read a filter set. A selector that does not parse, is not a string, or comes twice is refused
 * with amqp:invalid-field (the attach is then answered with a null source and a detach).
 */
export function applyFilters(filter: AmqpMap | undefined): AppliedFilters {
  // A filter-set is a map; anything else a peer puts there is no filter the broker knows.
  if (filter === undefined || (filter as { type?: string }).type !== 'map') return { answer: undefined, selector: undefined };
  let selector: MessageSelector | undefined;
  const applied: (readonly [AmqpValue, AmqpValue])[] = [];
  for (const entry of filter.value) {
    const v = entry[1];
    if (!isSelectorFilter(v) || v.type !== 'described') continue;
    if (selector !== undefined) throw new AmqpError('amqp:invalid-field', 'more than one selector filter', 'link', true);
    if (v.value.type !== 'string') throw new AmqpError('amqp:invalid-field', `a selector filter carries a string, not ${v.value.type}`, 'link', true);
    if (v.value.value.trim() === '') continue; // JMS: an empty selector selects everything (not applied)
    try {
      selector = new MessageSelector(v.value.value);
    } catch (err) {
      if (err instanceof SelectorError) throw new AmqpError('amqp:invalid-field', err.message, 'link', true);
      throw err;
    }
    applied.push(entry);
  }
  return { answer: applied.length === 0 ? undefined : { type: 'map', value: applied }, selector };
}
