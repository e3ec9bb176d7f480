/** Byte helpers for STOMP tests. */
export const te = new TextEncoder();
export const td = new TextDecoder();
/** Bytes of a string written with escapes like "\0" for NUL. */
export const bytes = (s: string): Uint8Array => te.encode(s);
/** Text of bytes, NUL shown as ^@ so that assertions read well. */
export const show = (b: Uint8Array): string => td.decode(b).replace(/\0/g, '^@');
