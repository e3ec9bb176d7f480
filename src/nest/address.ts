/**
 * Where a Nest pattern lives on the broker. One documented rule (docs/NEST.md), overridable with
 * the `address` option of the server and the client, which must then agree:
 *
 * - a string or number pattern is the queue of that name: `'orders'` → `/queue/orders`;
 *   a pattern that already starts with `/` is an address as it stands (`/topic/prices`);
 * - an object pattern becomes its keys in sorted order, `key=value` joined by `&`, each part
 *   URI-encoded (`{ cmd: 'sum', v: 2 }` → `/queue/cmd=sum&v=2`); nested objects are written as
 *   their own sorted JSON. Key order in the source does not matter, so both sides always agree.
 *
 * `/queue/NAME` is a queue on RabbitMQ (AMQP 1.0 and STOMP), on ActiveMQ's STOMP and on the
 * embedded broker alike, which is why the rule uses it for both protocols.
 */

/** A Nest pattern as the decorators take it. */
export type RxMqPattern = string | number | { readonly [key: string]: unknown };

/** Maps a pattern to the address its messages are sent to and consumed from. */
export type AddressMapper = (pattern: RxMqPattern) => string;

/** JSON with object keys sorted at every level: the same text whatever order the keys were written in. */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = (v as Record<string, unknown>)[k];
    return out;
  });
}

/** The name part of an address for `pattern` (no prefix). */
export function patternName(pattern: RxMqPattern): string {
  if (typeof pattern === 'string' || typeof pattern === 'number') return String(pattern);
  return Object.keys(pattern).sort().map((k) => {
    const v = pattern[k];
    const text = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : sortedJson(v);
    return `${encodeURIComponent(k)}=${encodeURIComponent(text)}`;
  }).join('&');
}

/** The default mapping (see the module comment). */
export const defaultAddress: AddressMapper = (pattern) => {
  const name = patternName(pattern);
  if (name === '') throw new TypeError('an empty pattern has no address');
  return name.startsWith('/') ? name : `/queue/${name}`;
};

/** The pattern back from a Nest route (the key its handlers are registered under; object patterns are JSON there). */
export function patternOfRoute(route: string): RxMqPattern {
  if (route.startsWith('{')) {
    try {
      const p: unknown = JSON.parse(route);
      if (p !== null && typeof p === 'object' && !Array.isArray(p)) return p as Record<string, unknown>;
    } catch { /* not JSON: a string pattern that starts with a brace */ }
  }
  return route;
}
