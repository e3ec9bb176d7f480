/**
 * RFC 1982 serial-number arithmetic on 32 bits, which the specification mandates for sequence-no
 * values (delivery-count, delivery-id, transfer-id): they wrap at 2^32 and compare modulo.
 */
export const add = (a: number, n: number): number => (a + n) >>> 0;

/** a - b as a signed distance in (-2^31, 2^31]. */
export const diff = (a: number, b: number): number => ((a - b) | 0);

export const lt = (a: number, b: number): boolean => diff(a, b) < 0;
export const le = (a: number, b: number): boolean => diff(a, b) <= 0;
