/**
 * Failed attempts per message key, for consumers that decide between redelivery and rejection on
 * brokers that do not count deliveries (or count them only per connection). Insertion-ordered and
 * bounded: beyond `limit` keys the oldest is forgotten, so a stream of distinct failing messages
 * cannot grow it without end.
 */
export class AttemptCounts {
  private readonly counts = new Map<string, number>();
  constructor(private readonly limit: number) {}
  /** One more failure of `key`; the total so far. */
  fail(key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.delete(key);
    this.counts.set(key, n);
    if (this.counts.size > this.limit) this.counts.delete(this.counts.keys().next().value as string);
    return n;
  }
  /** Failures of `key` so far. */
  count(key: string): number { return this.counts.get(key) ?? 0; }
  forget(key: string): void { this.counts.delete(key); }
  get size(): number { return this.counts.size; }
}
