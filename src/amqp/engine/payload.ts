/** Transfer payloads: what a sender link writes and the output keeps by reference. */

/**
 * A transfer payload: one byte array, or pieces to be sent one after another (a large message
 * body is passed by reference this way, not copied; it must not change until written).
 */
export type Payload = Uint8Array | readonly Uint8Array[];

/** Total length of a payload. */
export function payloadLength(p: Payload | undefined): number {
  if (p === undefined) return 0;
  if (p instanceof Uint8Array) return p.length;
  let n = 0;
  for (const x of p) n += x.length;
  return n;
}
