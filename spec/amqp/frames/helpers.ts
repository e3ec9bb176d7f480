/** Hex helpers shared by the frame tests. */
export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Bytes from hex with spaces, newlines and `|` separators allowed (for readable vectors). */
export function bytes(h: string): Uint8Array {
  const s = h.replace(/[\s|]+/g, '');
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new Error(`bad hex: ${h}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** Hex of an ASCII string, for writing symbols and strings in vectors. */
export const ascii = (s: string): string => hex(new TextEncoder().encode(s));

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * `x` as plain data for deep comparison: objects of a class get their getters' values (when not
 * undefined) as own keys, recursively. The fast reader's transfers keep the delivery-tag behind
 * a getter (it is copied on first use), which deep equality does not look at.
 */
export function plain<T>(x: T): T {
  if (Array.isArray(x)) return x.map(plain) as T;
  if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = plain(v);
  const proto = Object.getPrototypeOf(x) as object | null;
  if (proto !== null && proto !== Object.prototype) {
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get === undefined) continue;
      const v = (x as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = plain(v);
    }
  }
  return out as T;
}
