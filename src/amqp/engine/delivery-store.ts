/**
 * Unsettled deliveries by delivery-id. A session numbers its deliveries one after another
 * (serial numbers that wrap at 2^32) and a peer mostly settles them in order, so the unsettled
 * ones are nearly always a dense run of recent ids: this keeps that run in a ring indexed by
 * `id - base`, with no hashing and no allocation per delivery (a Map allocates as it grows and
 * shrinks, and with one set and one delete per message that churn showed in the profiles).
 *
 * Ids the ring does not hold - stragglers left behind a run that moved on, or ids added out of
 * order - live in a Map beside it. Memory stays proportional to what is stored: the ring grows
 * only while more than half of the ids it would span are stored; when it is sparser than that
 * and full, its oldest entries move to the Map instead, so one delivery that is never settled
 * (or a long run of pre-settled ones, which take ids but are not stored) cannot make it span
 * every id sent since.
 */
const INITIAL_CAPACITY = 16;
/** Ids at or beyond this distance ahead of the base count as behind it (serial arithmetic). */
const HALF = 0x80000000;

export class DeliveryStore<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
  private mask = INITIAL_CAPACITY - 1;
  /** Slot of `base`. */
  private head = 0;
  /** The id in slot `head`; the ring covers ids base .. base + span - 1. */
  private base = 0;
  private span = 0;
  /** Entries in the ring (the other slots of the span are settled ids). */
  private inRing = 0;
  private overflow: Map<number, T> | undefined;

  /** Deliveries stored. */
  get size(): number {
    return this.inRing + (this.overflow?.size ?? 0);
  }

  /** Stores `value` under `id`, replacing what was there. */
  set(id: number, value: T): void {
    if (this.span === 0) {
      this.base = id >>> 0;
      this.head = 0;
    }
    let off = (id - this.base) >>> 0;
    if (off < this.span) {
      const i = (this.head + off) & this.mask;
      if (this.slots[i] === undefined) this.inRing++;
      this.slots[i] = value;
      return;
    }
    if (off >= HALF) {
      // Behind the ring: an id it has moved past.
      (this.overflow ??= new Map()).set(id >>> 0, value);
      return;
    }
    if (off >= this.slots.length) off = this.makeRoom(off);
    this.slots[(this.head + off) & this.mask] = value;
    this.span = off + 1;
    this.inRing++;
  }

  get(id: number): T | undefined {
    const off = (id - this.base) >>> 0;
    if (off < this.span) return this.slots[(this.head + off) & this.mask];
    return this.overflow?.get(id >>> 0);
  }

  /** Removes `id`; true when it was stored. */
  delete(id: number): boolean {
    const off = (id - this.base) >>> 0;
    if (off >= this.span) return this.overflow?.delete(id >>> 0) ?? false;
    const i = (this.head + off) & this.mask;
    if (this.slots[i] === undefined) return false;
    this.slots[i] = undefined;
    this.inRing--;
    if (off === 0) this.skipSettled();
    return true;
  }

  /** Every stored value: stragglers first, then the ring in id order. Copy it before deleting. */
  *values(): IterableIterator<T> {
    if (this.overflow !== undefined) yield* this.overflow.values();
    for (let off = 0; off < this.span; off++) {
      const v = this.slots[(this.head + off) & this.mask];
      if (v !== undefined) yield v;
    }
  }

  /**
   * The stored values whose ids lie in first..last (serial arithmetic, both ends included), as
   * a new array the caller may delete from. Walks the range or the store, whichever is smaller:
   * a disposition usually names a few ids, and a hostile one may name 2^32.
   */
  inRange(first: number, last: number): T[] {
    const width = (last - first) >>> 0;
    const out: T[] = [];
    if (width < this.size) {
      for (let i = 0, id = first >>> 0; i <= width; i++, id = (id + 1) >>> 0) {
        const v = this.get(id);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    if (this.overflow !== undefined) {
      for (const [id, v] of this.overflow) if (((id - first) >>> 0) <= width) out.push(v);
    }
    for (let off = 0; off < this.span; off++) {
      const v = this.slots[(this.head + off) & this.mask];
      if (v !== undefined && ((this.base + off - first) >>> 0) <= width) out.push(v);
    }
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.span = 0;
    this.inRing = 0;
    this.overflow = undefined;
  }

  /** Advances the base past settled ids at the front. */
  private skipSettled(): void {
    while (this.span > 0 && this.slots[this.head] === undefined) {
      this.head = (this.head + 1) & this.mask;
      this.base = (this.base + 1) >>> 0;
      this.span--;
    }
  }

  /**
   * Makes the ring reach `off` ids past the base: by moving its oldest entries to the Map while
   * it is sparse, else by doubling. Returns the offset after the base moved.
   */
  private makeRoom(off: number): number {
    // Sparse: fewer than half the ids up to `off` would be stored (counting the new one).
    while (off >= this.slots.length && this.span > 0 && (this.inRing + 1) * 2 <= off) {
      const v = this.slots[this.head];
      if (v !== undefined) {
        (this.overflow ??= new Map()).set(this.base, v);
        this.slots[this.head] = undefined;
        this.inRing--;
      }
      this.head = (this.head + 1) & this.mask;
      this.base = (this.base + 1) >>> 0;
      this.span--;
      off--;
      const before = this.span;
      this.skipSettled();
      off -= before - this.span;
    }
    if (this.span === 0) {
      this.head = 0;
      this.base = (this.base + off) >>> 0;
      return 0;
    }
    if (off < this.slots.length) return off;
    let capacity = this.slots.length;
    while (capacity <= off) capacity *= 2;
    const next = new Array<T | undefined>(capacity).fill(undefined);
    for (let k = 0; k < this.span; k++) next[k] = this.slots[(this.head + k) & this.mask];
    this.slots = next;
    this.mask = capacity - 1;
    this.head = 0;
    return off;
  }
}
