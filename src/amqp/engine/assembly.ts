/**
 * The bytes of one incoming delivery that arrives in several transfers, or in one large transfer
 * streamed in pieces (see FrameParser's streamTransfers). Each piece is copied into one array as
 * it arrives, so that no read chunk is kept until the delivery is whole, and the transport may
 * read a streamed frame's payload straight into place (`target`), where nothing is copied.
 *
 * The array is sized from what the message says of itself: the section sizes in its first bytes
 * (messageSizeHint), believed up to max-message-size and SIZE_HINT_CAP, or else as much as is
 * known to come. It grows by doubling when more comes, and the delivery's bytes are trimmed to
 * an array of their own size when the array turned out far too large (a peer that stated a size
 * it did not send).
 */
import { messageSizeHint } from '../frames/sections.js';

/** Largest array made from a stated size alone, before the bytes arrive. */
export const SIZE_HINT_CAP = 64 * 1024 * 1024;

export class DeliveryAssembly {
  private bytes: Uint8Array;
  private fill = 0;

  /**
   * @param first the delivery's first bytes
   * @param coming how many bytes are known to come, `first` included (a streamed frame's payload)
   * @param maxMessageSize the receiver's limit, if it has one: a stated size is believed up to it
   *   and up to SIZE_HINT_CAP, before the bytes arrive
   */
  constructor(private readonly allocate: (size: number) => Uint8Array, first: Uint8Array, coming: number, maxMessageSize?: number) {
    const hint = Math.min(messageSizeHint(first) ?? 0, SIZE_HINT_CAP, maxMessageSize ?? SIZE_HINT_CAP);
    this.bytes = allocate(Math.max(coming, hint));
    this.append(first);
  }

  /** Bytes assembled so far. */
  get length(): number {
    return this.fill;
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.fill + n;
    if (need <= this.bytes.length) return;
    const grown = this.allocate(Math.max(need, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.fill));
    this.bytes = grown;
  }

  /**
   * Add the next bytes. Bytes that already lie where they belong (the transport read them into
   * `target`) are only counted.
   */
  append(piece: Uint8Array): void {
    const n = piece.length;
    if (n === 0) return;
    const b = this.bytes;
    if (piece.buffer === b.buffer && piece.byteOffset === b.byteOffset + this.fill && this.fill + n <= b.length) {
      this.fill += n;
      return;
    }
    this.reserve(n);
    this.bytes.set(piece, this.fill);
    this.fill += n;
  }

  /** Where the next `n` bytes belong (room is made for them). */
  target(n: number): Uint8Array {
    this.reserve(n);
    return this.bytes.subarray(this.fill, this.fill + n);
  }

  /** The delivery's bytes, once all have arrived. */
  finish(): Uint8Array {
    const b = this.bytes;
    if (this.fill === b.length) return b;
    // A little spare room stays attached; a lot (a stated size far above the bytes sent) does not.
    if (this.fill >= b.length - (b.length >> 2)) return b.subarray(0, this.fill);
    const exact = this.allocate(this.fill);
    exact.set(b.subarray(0, this.fill));
    return exact;
  }
}
