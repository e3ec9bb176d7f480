// GENERATED FILE - do not edit. Produced by scripts/gen-fast-performatives.ts from the definition
// table (definitions.generated.ts); regenerate with `npx tsx scripts/gen-fast-performatives.ts`.
// spec/amqp/frames/fast-performatives.spec.ts checks it against the generator and the generic reader.
import type { ByteWriter } from '../codec/writer.js';
import type { DeliveryState, Transfer, Flow, Disposition } from './definitions.generated.js';

/** The outcomes without fields, one object each: the readers return them and the writers know them by identity. */
export const ACCEPTED: DeliveryState = Object.freeze({ kind: "accepted" });
export const RELEASED: DeliveryState = Object.freeze({ kind: "released" });

/** Where the list of the last performative read ended (a transfer's payload starts there). */
let lastEnd = 0;

/** The end offset of the performative the last successful read returned. */
export function lastReadEnd(): number {
  return lastEnd;
}

/** A copy (a view would keep the whole chunk alive as long as the tag), byte by byte: for a few bytes, half the cost of slice(). */
function copyOf(b: Uint8Array, p: number, n: number): Uint8Array {
  const copy = new Uint8Array(n);
  for (let k = 0; k < n; k++) copy[k] = b[p + k];
  return copy;
}

/** A transfer as read by readTransfer. */
class ReadTransfer {
  declare kind: "transfer";
  declare handle: Transfer["handle"];
  declare deliveryId?: Transfer["deliveryId"];
  declare messageFormat?: Transfer["messageFormat"];
  declare settled?: Transfer["settled"];
  declare more?: Transfer["more"];
  declare rcvSettleMode?: Transfer["rcvSettleMode"];
  declare state?: Transfer["state"];
  declare resume?: Transfer["resume"];
  declare aborted?: Transfer["aborted"];
  declare batchable?: Transfer["batchable"];
  /** The buffer the lazy fields are in. */
  readonly #bytes: Uint8Array;
  /** Offset of delivery-tag in the buffer (-1: absent), its length, and its copy once made. */
  readonly #deliveryTagAt: number;
  readonly #deliveryTagLength: number;
  #deliveryTagCopy: Transfer["deliveryTag"];
  constructor(f0: Transfer["handle"], f1: Transfer["deliveryId"] | undefined, f2: number, f2Length: number, f3: Transfer["messageFormat"] | undefined, f4: Transfer["settled"] | undefined, f5: Transfer["more"] | undefined, f6: Transfer["rcvSettleMode"] | undefined, f7: Transfer["state"] | undefined, f8: Transfer["resume"] | undefined, f9: Transfer["aborted"] | undefined, f10: Transfer["batchable"] | undefined, bytes: Uint8Array) {
    this.kind = "transfer";
    this.handle = f0;
    if (f1 !== undefined) this.deliveryId = f1;
    if (f3 !== undefined) this.messageFormat = f3;
    if (f4 !== undefined) this.settled = f4;
    if (f5 !== undefined) this.more = f5;
    if (f6 !== undefined) this.rcvSettleMode = f6;
    if (f7 !== undefined) this.state = f7;
    if (f8 !== undefined) this.resume = f8;
    if (f9 !== undefined) this.aborted = f9;
    if (f10 !== undefined) this.batchable = f10;
    this.#bytes = bytes;
    this.#deliveryTagAt = f2;
    this.#deliveryTagLength = f2Length;
    this.#deliveryTagCopy = undefined;
  }
  get deliveryTag(): Transfer["deliveryTag"] {
    if (this.#deliveryTagAt < 0) return undefined;
    return (this.#deliveryTagCopy ??= copyOf(this.#bytes, this.#deliveryTagAt, this.#deliveryTagLength));
  }
  /** Whether delivery-tag is present, without copying it. */
  hasDeliveryTag(): boolean {
    return this.#deliveryTagAt >= 0;
  }
}

/** transfer (descriptor 0x14): fields handle, delivery-id, delivery-tag, message-format, settled, more, rcv-settle-mode, state, resume, aborted, batchable. */
function readTransfer(b: Uint8Array, pos: number, end: number): Transfer | undefined {
  if (pos + 3 > end || b[pos] !== 0xc0) return undefined;
  const size = b[pos + 1];
  const count = b[pos + 2];
  const listEnd = pos + 2 + size;
  if (size < 1 || listEnd > end || count < 1 || count > 11) return undefined;
  let p = pos + 3;
  let c: number;
  let f0: Transfer["handle"] | undefined;
  // handle
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f0 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f0 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f0 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    } else return undefined; // the generic reader reports it
  }
  let f1: Transfer["deliveryId"] | undefined;
  // delivery-id
  if (count > 1) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f1 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f1 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f1 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f2 = -1;
  let f2Length = 0;
  // delivery-tag
  if (count > 2) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c !== 0xa0 || p >= listEnd) return undefined;
      const n = b[p++];
      if (p + n > listEnd) return undefined;
      f2 = p;
      f2Length = n;
      p += n;
    }
  }
  let f3: Transfer["messageFormat"] | undefined;
  // message-format
  if (count > 3) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f3 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f3 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f3 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f4: Transfer["settled"] | undefined;
  // settled
  if (count > 4) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f4 = true;
      else if (c === 0x42) f4 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f4 = b[p++] === 1;
      else return undefined;
    }
  }
  let f5: Transfer["more"] | undefined;
  // more
  if (count > 5) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f5 = true;
      else if (c === 0x42) f5 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f5 = b[p++] === 1;
      else return undefined;
    }
  }
  let f6: Transfer["rcvSettleMode"] | undefined;
  // rcv-settle-mode
  if (count > 6) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c !== 0x50 || p >= listEnd) return undefined;
      const w = b[p++];
      f6 = w === 0 ? "first" : w === 1 ? "second" : undefined;
      if (f6 === undefined) return undefined;
    }
  }
  let f7: Transfer["state"] | undefined;
  // state
  if (count > 7) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c !== 0x00 || p + 3 > listEnd || b[p] !== 0x53) return undefined;
      f7 = b[p + 1] === 0x24 ? ACCEPTED : b[p + 1] === 0x26 ? RELEASED : undefined;
      if (f7 === undefined) return undefined;
      if (b[p + 2] === 0x45) p += 3;
      else if (b[p + 2] === 0xc0 && p + 5 <= listEnd && b[p + 3] === 1 && b[p + 4] === 0) p += 5;
      else return undefined;
    }
  }
  let f8: Transfer["resume"] | undefined;
  // resume
  if (count > 8) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f8 = true;
      else if (c === 0x42) f8 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f8 = b[p++] === 1;
      else return undefined;
    }
  }
  let f9: Transfer["aborted"] | undefined;
  // aborted
  if (count > 9) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f9 = true;
      else if (c === 0x42) f9 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f9 = b[p++] === 1;
      else return undefined;
    }
  }
  let f10: Transfer["batchable"] | undefined;
  // batchable
  if (count > 10) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f10 = true;
      else if (c === 0x42) f10 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f10 = b[p++] === 1;
      else return undefined;
    }
  }
  if (p !== listEnd) return undefined;
  lastEnd = p;
  return new ReadTransfer(f0 as Transfer["handle"], f1, f2, f2Length, f3, f4, f5, f6, f7, f8, f9, f10, b);
}

/** Whether transfer `t` has a delivery-tag: read by readTransfer, without copying it. */
export function transferHasDeliveryTag(t: Transfer): boolean {
  return t instanceof ReadTransfer ? t.hasDeliveryTag() : t.deliveryTag !== undefined;
}

/** A flow as read by readFlow. */
class ReadFlow {
  declare kind: "flow";
  declare nextIncomingId?: Flow["nextIncomingId"];
  declare incomingWindow: Flow["incomingWindow"];
  declare nextOutgoingId: Flow["nextOutgoingId"];
  declare outgoingWindow: Flow["outgoingWindow"];
  declare handle?: Flow["handle"];
  declare deliveryCount?: Flow["deliveryCount"];
  declare linkCredit?: Flow["linkCredit"];
  declare available?: Flow["available"];
  declare drain?: Flow["drain"];
  declare echo?: Flow["echo"];
  declare properties?: Flow["properties"];
  constructor(f0: Flow["nextIncomingId"] | undefined, f1: Flow["incomingWindow"], f2: Flow["nextOutgoingId"], f3: Flow["outgoingWindow"], f4: Flow["handle"] | undefined, f5: Flow["deliveryCount"] | undefined, f6: Flow["linkCredit"] | undefined, f7: Flow["available"] | undefined, f8: Flow["drain"] | undefined, f9: Flow["echo"] | undefined, f10: Flow["properties"] | undefined) {
    this.kind = "flow";
    if (f0 !== undefined) this.nextIncomingId = f0;
    this.incomingWindow = f1;
    this.nextOutgoingId = f2;
    this.outgoingWindow = f3;
    if (f4 !== undefined) this.handle = f4;
    if (f5 !== undefined) this.deliveryCount = f5;
    if (f6 !== undefined) this.linkCredit = f6;
    if (f7 !== undefined) this.available = f7;
    if (f8 !== undefined) this.drain = f8;
    if (f9 !== undefined) this.echo = f9;
    if (f10 !== undefined) this.properties = f10;
  }
}

/** flow (descriptor 0x13): fields next-incoming-id, incoming-window, next-outgoing-id, outgoing-window, handle, delivery-count, link-credit, available, drain, echo, properties. */
function readFlow(b: Uint8Array, pos: number, end: number): Flow | undefined {
  if (pos + 3 > end || b[pos] !== 0xc0) return undefined;
  const size = b[pos + 1];
  const count = b[pos + 2];
  const listEnd = pos + 2 + size;
  if (size < 1 || listEnd > end || count < 4 || count > 11) return undefined;
  let p = pos + 3;
  let c: number;
  let f0: Flow["nextIncomingId"] | undefined;
  // next-incoming-id
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f0 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f0 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f0 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f1: Flow["incomingWindow"] | undefined;
  // incoming-window
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f1 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f1 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f1 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    } else return undefined; // the generic reader reports it
  }
  let f2: Flow["nextOutgoingId"] | undefined;
  // next-outgoing-id
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f2 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f2 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f2 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    } else return undefined; // the generic reader reports it
  }
  let f3: Flow["outgoingWindow"] | undefined;
  // outgoing-window
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f3 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f3 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f3 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    } else return undefined; // the generic reader reports it
  }
  let f4: Flow["handle"] | undefined;
  // handle
  if (count > 4) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f4 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f4 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f4 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f5: Flow["deliveryCount"] | undefined;
  // delivery-count
  if (count > 5) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f5 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f5 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f5 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f6: Flow["linkCredit"] | undefined;
  // link-credit
  if (count > 6) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f6 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f6 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f6 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f7: Flow["available"] | undefined;
  // available
  if (count > 7) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f7 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f7 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f7 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f8: Flow["drain"] | undefined;
  // drain
  if (count > 8) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f8 = true;
      else if (c === 0x42) f8 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f8 = b[p++] === 1;
      else return undefined;
    }
  }
  let f9: Flow["echo"] | undefined;
  // echo
  if (count > 9) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f9 = true;
      else if (c === 0x42) f9 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f9 = b[p++] === 1;
      else return undefined;
    }
  }
  let f10: Flow["properties"] | undefined;
  // properties
  if (count > 10) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      return undefined; // not read here: the generic reader decides
    }
  }
  if (p !== listEnd) return undefined;
  lastEnd = p;
  return new ReadFlow(f0, f1 as Flow["incomingWindow"], f2 as Flow["nextOutgoingId"], f3 as Flow["outgoingWindow"], f4, f5, f6, f7, f8, f9, f10);
}

/** A disposition as read by readDisposition. */
class ReadDisposition {
  declare kind: "disposition";
  declare role: Disposition["role"];
  declare first: Disposition["first"];
  declare last?: Disposition["last"];
  declare settled?: Disposition["settled"];
  declare state?: Disposition["state"];
  declare batchable?: Disposition["batchable"];
  constructor(f0: Disposition["role"], f1: Disposition["first"], f2: Disposition["last"] | undefined, f3: Disposition["settled"] | undefined, f4: Disposition["state"] | undefined, f5: Disposition["batchable"] | undefined) {
    this.kind = "disposition";
    this.role = f0;
    this.first = f1;
    if (f2 !== undefined) this.last = f2;
    if (f3 !== undefined) this.settled = f3;
    if (f4 !== undefined) this.state = f4;
    if (f5 !== undefined) this.batchable = f5;
  }
}

/** disposition (descriptor 0x15): fields role, first, last, settled, state, batchable. */
function readDisposition(b: Uint8Array, pos: number, end: number): Disposition | undefined {
  if (pos + 3 > end || b[pos] !== 0xc0) return undefined;
  const size = b[pos + 1];
  const count = b[pos + 2];
  const listEnd = pos + 2 + size;
  if (size < 1 || listEnd > end || count < 2 || count > 6) return undefined;
  let p = pos + 3;
  let c: number;
  let f0: Disposition["role"] | undefined;
  // role
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      let w: boolean;
      if (c === 0x41) w = true;
      else if (c === 0x42) w = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) w = b[p++] === 1;
      else return undefined;
      f0 = w ? "receiver" : "sender";
    } else return undefined; // the generic reader reports it
  }
  let f1: Disposition["first"] | undefined;
  // first
  {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f1 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f1 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f1 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    } else return undefined; // the generic reader reports it
  }
  let f2: Disposition["last"] | undefined;
  // last
  if (count > 2) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x43) f2 = 0;
      else if (c === 0x52) { if (p >= listEnd) return undefined; f2 = b[p++]; }
      else if (c === 0x70) { if (p + 4 > listEnd) return undefined; f2 = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
      else return undefined;
    }
  }
  let f3: Disposition["settled"] | undefined;
  // settled
  if (count > 3) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f3 = true;
      else if (c === 0x42) f3 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f3 = b[p++] === 1;
      else return undefined;
    }
  }
  let f4: Disposition["state"] | undefined;
  // state
  if (count > 4) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c !== 0x00 || p + 3 > listEnd || b[p] !== 0x53) return undefined;
      f4 = b[p + 1] === 0x24 ? ACCEPTED : b[p + 1] === 0x26 ? RELEASED : undefined;
      if (f4 === undefined) return undefined;
      if (b[p + 2] === 0x45) p += 3;
      else if (b[p + 2] === 0xc0 && p + 5 <= listEnd && b[p + 3] === 1 && b[p + 4] === 0) p += 5;
      else return undefined;
    }
  }
  let f5: Disposition["batchable"] | undefined;
  // batchable
  if (count > 5) {
    if (p >= listEnd) return undefined;
    c = b[p++];
    if (c !== 0x40) {
      if (c === 0x41) f5 = true;
      else if (c === 0x42) f5 = false;
      else if (c === 0x56 && p < listEnd && b[p] <= 1) f5 = b[p++] === 1;
      else return undefined;
    }
  }
  if (p !== listEnd) return undefined;
  lastEnd = p;
  return new ReadDisposition(f0 as Disposition["role"], f1 as Disposition["first"], f2, f3, f4, f5);
}


/** transfer: the generic composite writer's bytes, or false with nothing written. */
function writeTransfer(w: ByteWriter, t: Transfer): boolean {
  const f0 = t.handle;
  if (f0 == null) return false; // the generic writer reports it
  if (f0 != null && (typeof f0 !== 'number' || !Number.isInteger(f0) || f0 < 0 || f0 > 0xffffffff)) return false;
  const f1 = t.deliveryId;
  if (f1 != null && (typeof f1 !== 'number' || !Number.isInteger(f1) || f1 < 0 || f1 > 0xffffffff)) return false;
  const f2 = t.deliveryTag;
  if (f2 != null && (!(f2 instanceof Uint8Array) || f2.length > 0xff)) return false;
  const f3 = t.messageFormat;
  if (f3 != null && (typeof f3 !== 'number' || !Number.isInteger(f3) || f3 < 0 || f3 > 0xffffffff)) return false;
  const f4 = t.settled;
  if (f4 != null && typeof f4 !== 'boolean') return false;
  const f5 = t.more;
  if (f5 != null && typeof f5 !== 'boolean') return false;
  const f6 = t.rcvSettleMode;
  const wf6 = f6 === "first" ? 0 : f6 === "second" ? 1 : undefined;
  if (f6 != null && wf6 === undefined) return false;
  const f7 = t.state;
  const of7 = f7 as { readonly kind?: unknown } | undefined;
  const cf7 = of7 == null ? undefined : of7 === ACCEPTED || (of7.kind === "accepted" && Object.keys(of7).length === 1) ? 0x24 : of7 === RELEASED || (of7.kind === "released" && Object.keys(of7).length === 1) ? 0x26 : undefined;
  if (f7 != null && cf7 === undefined) return false;
  const f8 = t.resume;
  if (f8 != null && typeof f8 !== 'boolean') return false;
  const f9 = t.aborted;
  if (f9 != null && typeof f9 !== 'boolean') return false;
  const f10 = t.batchable;
  if (f10 != null && typeof f10 !== 'boolean') return false;
  const count = f10 != null ? 11 : f9 != null ? 10 : f8 != null ? 9 : f7 != null ? 8 : f6 != null ? 7 : f5 != null ? 6 : f4 != null ? 5 : f3 != null ? 4 : f2 != null ? 3 : f1 != null ? 2 : f0 != null ? 1 : 0;
  if (count === 0) return false;
  w.ensure(289);
  const b = w.buf;
  const start = w.pos;
  let q = start;
  b[q++] = 0x00;
  b[q++] = 0x53;
  b[q++] = 0x14;
  q += 3; // list8 code, size, count
  if (count > 0) {
    if (f0 === 0) b[q++] = 0x43;
    else if (f0 <= 0xff) { b[q++] = 0x52; b[q++] = f0; }
    else { b[q++] = 0x70; b[q++] = f0 >>> 24; b[q++] = (f0 >>> 16) & 0xff; b[q++] = (f0 >>> 8) & 0xff; b[q++] = f0 & 0xff; }
  }
  if (count > 1) {
    if (f1 == null) b[q++] = 0x40;
    else {
      if (f1 === 0) b[q++] = 0x43;
      else if (f1 <= 0xff) { b[q++] = 0x52; b[q++] = f1; }
      else { b[q++] = 0x70; b[q++] = f1 >>> 24; b[q++] = (f1 >>> 16) & 0xff; b[q++] = (f1 >>> 8) & 0xff; b[q++] = f1 & 0xff; }
    }
  }
  if (count > 2) {
    if (f2 == null) b[q++] = 0x40;
    else {
      b[q++] = 0xa0;
      b[q++] = f2.length;
      if (f2.length <= 16) for (let k = 0; k < f2.length; k++) b[q + k] = f2[k];
      else b.set(f2, q);
      q += f2.length;
    }
  }
  if (count > 3) {
    if (f3 == null) b[q++] = 0x40;
    else {
      if (f3 === 0) b[q++] = 0x43;
      else if (f3 <= 0xff) { b[q++] = 0x52; b[q++] = f3; }
      else { b[q++] = 0x70; b[q++] = f3 >>> 24; b[q++] = (f3 >>> 16) & 0xff; b[q++] = (f3 >>> 8) & 0xff; b[q++] = f3 & 0xff; }
    }
  }
  if (count > 4) {
    if (f4 == null) b[q++] = 0x40;
    else {
      b[q++] = f4 ? 0x41 : 0x42;
    }
  }
  if (count > 5) {
    if (f5 == null) b[q++] = 0x40;
    else {
      b[q++] = f5 ? 0x41 : 0x42;
    }
  }
  if (count > 6) {
    if (f6 == null) b[q++] = 0x40;
    else {
      b[q++] = 0x50;
      b[q++] = wf6 as number;
    }
  }
  if (count > 7) {
    if (f7 == null) b[q++] = 0x40;
    else {
      b[q++] = 0x00;
      b[q++] = 0x53;
      b[q++] = cf7 as number;
      b[q++] = 0x45;
    }
  }
  if (count > 8) {
    if (f8 == null) b[q++] = 0x40;
    else {
      b[q++] = f8 ? 0x41 : 0x42;
    }
  }
  if (count > 9) {
    if (f9 == null) b[q++] = 0x40;
    else {
      b[q++] = f9 ? 0x41 : 0x42;
    }
  }
  if (count > 10) {
    if (f10 == null) b[q++] = 0x40;
    else {
      b[q++] = f10 ? 0x41 : 0x42;
    }
  }
  const size = q - start - 5;
  if (size > 0xff) return false; // a list32 would be needed: the generic writer writes it
  b[start + 3] = 0xc0;
  b[start + 4] = size;
  b[start + 5] = count;
  w.pos = q;
  return true;
}

/** flow: the generic composite writer's bytes, or false with nothing written. */
function writeFlow(w: ByteWriter, t: Flow): boolean {
  const f0 = t.nextIncomingId;
  if (f0 != null && (typeof f0 !== 'number' || !Number.isInteger(f0) || f0 < 0 || f0 > 0xffffffff)) return false;
  const f1 = t.incomingWindow;
  if (f1 == null) return false; // the generic writer reports it
  if (f1 != null && (typeof f1 !== 'number' || !Number.isInteger(f1) || f1 < 0 || f1 > 0xffffffff)) return false;
  const f2 = t.nextOutgoingId;
  if (f2 == null) return false; // the generic writer reports it
  if (f2 != null && (typeof f2 !== 'number' || !Number.isInteger(f2) || f2 < 0 || f2 > 0xffffffff)) return false;
  const f3 = t.outgoingWindow;
  if (f3 == null) return false; // the generic writer reports it
  if (f3 != null && (typeof f3 !== 'number' || !Number.isInteger(f3) || f3 < 0 || f3 > 0xffffffff)) return false;
  const f4 = t.handle;
  if (f4 != null && (typeof f4 !== 'number' || !Number.isInteger(f4) || f4 < 0 || f4 > 0xffffffff)) return false;
  const f5 = t.deliveryCount;
  if (f5 != null && (typeof f5 !== 'number' || !Number.isInteger(f5) || f5 < 0 || f5 > 0xffffffff)) return false;
  const f6 = t.linkCredit;
  if (f6 != null && (typeof f6 !== 'number' || !Number.isInteger(f6) || f6 < 0 || f6 > 0xffffffff)) return false;
  const f7 = t.available;
  if (f7 != null && (typeof f7 !== 'number' || !Number.isInteger(f7) || f7 < 0 || f7 > 0xffffffff)) return false;
  const f8 = t.drain;
  if (f8 != null && typeof f8 !== 'boolean') return false;
  const f9 = t.echo;
  if (f9 != null && typeof f9 !== 'boolean') return false;
  const f10 = t.properties;
  if (f10 != null) return false; // not written here: the generic writer decides
  const count = f10 != null ? 11 : f9 != null ? 10 : f8 != null ? 9 : f7 != null ? 8 : f6 != null ? 7 : f5 != null ? 6 : f4 != null ? 5 : f3 != null ? 4 : f2 != null ? 3 : f1 != null ? 2 : f0 != null ? 1 : 0;
  if (count === 0) return false;
  w.ensure(49);
  const b = w.buf;
  const start = w.pos;
  let q = start;
  b[q++] = 0x00;
  b[q++] = 0x53;
  b[q++] = 0x13;
  q += 3; // list8 code, size, count
  if (count > 0) {
    if (f0 == null) b[q++] = 0x40;
    else {
      if (f0 === 0) b[q++] = 0x43;
      else if (f0 <= 0xff) { b[q++] = 0x52; b[q++] = f0; }
      else { b[q++] = 0x70; b[q++] = f0 >>> 24; b[q++] = (f0 >>> 16) & 0xff; b[q++] = (f0 >>> 8) & 0xff; b[q++] = f0 & 0xff; }
    }
  }
  if (count > 1) {
    if (f1 === 0) b[q++] = 0x43;
    else if (f1 <= 0xff) { b[q++] = 0x52; b[q++] = f1; }
    else { b[q++] = 0x70; b[q++] = f1 >>> 24; b[q++] = (f1 >>> 16) & 0xff; b[q++] = (f1 >>> 8) & 0xff; b[q++] = f1 & 0xff; }
  }
  if (count > 2) {
    if (f2 === 0) b[q++] = 0x43;
    else if (f2 <= 0xff) { b[q++] = 0x52; b[q++] = f2; }
    else { b[q++] = 0x70; b[q++] = f2 >>> 24; b[q++] = (f2 >>> 16) & 0xff; b[q++] = (f2 >>> 8) & 0xff; b[q++] = f2 & 0xff; }
  }
  if (count > 3) {
    if (f3 === 0) b[q++] = 0x43;
    else if (f3 <= 0xff) { b[q++] = 0x52; b[q++] = f3; }
    else { b[q++] = 0x70; b[q++] = f3 >>> 24; b[q++] = (f3 >>> 16) & 0xff; b[q++] = (f3 >>> 8) & 0xff; b[q++] = f3 & 0xff; }
  }
  if (count > 4) {
    if (f4 == null) b[q++] = 0x40;
    else {
      if (f4 === 0) b[q++] = 0x43;
      else if (f4 <= 0xff) { b[q++] = 0x52; b[q++] = f4; }
      else { b[q++] = 0x70; b[q++] = f4 >>> 24; b[q++] = (f4 >>> 16) & 0xff; b[q++] = (f4 >>> 8) & 0xff; b[q++] = f4 & 0xff; }
    }
  }
  if (count > 5) {
    if (f5 == null) b[q++] = 0x40;
    else {
      if (f5 === 0) b[q++] = 0x43;
      else if (f5 <= 0xff) { b[q++] = 0x52; b[q++] = f5; }
      else { b[q++] = 0x70; b[q++] = f5 >>> 24; b[q++] = (f5 >>> 16) & 0xff; b[q++] = (f5 >>> 8) & 0xff; b[q++] = f5 & 0xff; }
    }
  }
  if (count > 6) {
    if (f6 == null) b[q++] = 0x40;
    else {
      if (f6 === 0) b[q++] = 0x43;
      else if (f6 <= 0xff) { b[q++] = 0x52; b[q++] = f6; }
      else { b[q++] = 0x70; b[q++] = f6 >>> 24; b[q++] = (f6 >>> 16) & 0xff; b[q++] = (f6 >>> 8) & 0xff; b[q++] = f6 & 0xff; }
    }
  }
  if (count > 7) {
    if (f7 == null) b[q++] = 0x40;
    else {
      if (f7 === 0) b[q++] = 0x43;
      else if (f7 <= 0xff) { b[q++] = 0x52; b[q++] = f7; }
      else { b[q++] = 0x70; b[q++] = f7 >>> 24; b[q++] = (f7 >>> 16) & 0xff; b[q++] = (f7 >>> 8) & 0xff; b[q++] = f7 & 0xff; }
    }
  }
  if (count > 8) {
    if (f8 == null) b[q++] = 0x40;
    else {
      b[q++] = f8 ? 0x41 : 0x42;
    }
  }
  if (count > 9) {
    if (f9 == null) b[q++] = 0x40;
    else {
      b[q++] = f9 ? 0x41 : 0x42;
    }
  }
  const size = q - start - 5;
  if (size > 0xff) return false; // a list32 would be needed: the generic writer writes it
  b[start + 3] = 0xc0;
  b[start + 4] = size;
  b[start + 5] = count;
  w.pos = q;
  return true;
}

/** disposition: the generic composite writer's bytes, or false with nothing written. */
function writeDisposition(w: ByteWriter, t: Disposition): boolean {
  const f0 = t.role;
  if (f0 == null) return false; // the generic writer reports it
  const wf0 = f0 === "sender" ? false : f0 === "receiver" ? true : undefined;
  if (f0 != null && wf0 === undefined) return false;
  const f1 = t.first;
  if (f1 == null) return false; // the generic writer reports it
  if (f1 != null && (typeof f1 !== 'number' || !Number.isInteger(f1) || f1 < 0 || f1 > 0xffffffff)) return false;
  const f2 = t.last;
  if (f2 != null && (typeof f2 !== 'number' || !Number.isInteger(f2) || f2 < 0 || f2 > 0xffffffff)) return false;
  const f3 = t.settled;
  if (f3 != null && typeof f3 !== 'boolean') return false;
  const f4 = t.state;
  const of4 = f4 as { readonly kind?: unknown } | undefined;
  const cf4 = of4 == null ? undefined : of4 === ACCEPTED || (of4.kind === "accepted" && Object.keys(of4).length === 1) ? 0x24 : of4 === RELEASED || (of4.kind === "released" && Object.keys(of4).length === 1) ? 0x26 : undefined;
  if (f4 != null && cf4 === undefined) return false;
  const f5 = t.batchable;
  if (f5 != null && typeof f5 !== 'boolean') return false;
  const count = f5 != null ? 6 : f4 != null ? 5 : f3 != null ? 4 : f2 != null ? 3 : f1 != null ? 2 : f0 != null ? 1 : 0;
  if (count === 0) return false;
  w.ensure(23);
  const b = w.buf;
  const start = w.pos;
  let q = start;
  b[q++] = 0x00;
  b[q++] = 0x53;
  b[q++] = 0x15;
  q += 3; // list8 code, size, count
  if (count > 0) {
    b[q++] = wf0 ? 0x41 : 0x42;
  }
  if (count > 1) {
    if (f1 === 0) b[q++] = 0x43;
    else if (f1 <= 0xff) { b[q++] = 0x52; b[q++] = f1; }
    else { b[q++] = 0x70; b[q++] = f1 >>> 24; b[q++] = (f1 >>> 16) & 0xff; b[q++] = (f1 >>> 8) & 0xff; b[q++] = f1 & 0xff; }
  }
  if (count > 2) {
    if (f2 == null) b[q++] = 0x40;
    else {
      if (f2 === 0) b[q++] = 0x43;
      else if (f2 <= 0xff) { b[q++] = 0x52; b[q++] = f2; }
      else { b[q++] = 0x70; b[q++] = f2 >>> 24; b[q++] = (f2 >>> 16) & 0xff; b[q++] = (f2 >>> 8) & 0xff; b[q++] = f2 & 0xff; }
    }
  }
  if (count > 3) {
    if (f3 == null) b[q++] = 0x40;
    else {
      b[q++] = f3 ? 0x41 : 0x42;
    }
  }
  if (count > 4) {
    if (f4 == null) b[q++] = 0x40;
    else {
      b[q++] = 0x00;
      b[q++] = 0x53;
      b[q++] = cf4 as number;
      b[q++] = 0x45;
    }
  }
  if (count > 5) {
    if (f5 == null) b[q++] = 0x40;
    else {
      b[q++] = f5 ? 0x41 : 0x42;
    }
  }
  const size = q - start - 5;
  if (size > 0xff) return false; // a list32 would be needed: the generic writer writes it
  b[start + 3] = 0xc0;
  b[start + 4] = size;
  b[start + 5] = count;
  w.pos = q;
  return true;
}

/** Writes `p` if it is one of the performatives above in a shape the writers take; false otherwise, with nothing written. */
export function writeFast(w: ByteWriter, p: { readonly kind: string }): boolean {
  switch (p.kind) {
    case "transfer": return writeTransfer(w, p as Transfer);
    case "flow": return writeFlow(w, p as Flow);
    case "disposition": return writeDisposition(w, p as Disposition);
    default: return false;
  }
}

/** The readers by descriptor code. */
export const FAST_READERS: readonly (((b: Uint8Array, pos: number, end: number) => Transfer | Flow | Disposition | undefined) | undefined)[] = (() => {
  const readers: (((b: Uint8Array, pos: number, end: number) => Transfer | Flow | Disposition | undefined) | undefined)[] = [];
  readers[0x14] = readTransfer;
  readers[0x13] = readFlow;
  readers[0x15] = readDisposition;
  return readers;
})();
