/**
 * Long-lived send operators, one per address, shared by every publish to it. Attaching a link (or
 * starting a STOMP sender) per message would cost a round trip each; a reply address or an event
 * address is used again and again. At most `limit` stay open: the least recently used is ended
 * (after its outstanding messages have their outcome) when a new one would pass the limit.
 */
import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { PublishError } from './errors.js';

/** How a sender reports the fate of each input: by key (AMQP outcomes name their message) or in order (STOMP receipts). */
export interface SenderKind<I, R> {
  /** The send operator for `address`. */
  operator(address: string): OperatorFunction<I, R>;
  /** The key of an input and of the result answering it; `undefined` keys are answered in order. */
  inputKey(input: I): string | undefined;
  resultKey(result: R): string | undefined;
  /** Undefined when the broker took the message; else why not. */
  failure(result: R): Error | undefined;
}

interface Waiter { resolve(): void; reject(e: unknown): void }

class OneSender<I, R> {
  readonly input = new Subject<I>();
  private readonly byKey = new Map<string, Waiter>();
  private readonly inOrder: Waiter[] = [];
  private readonly sub: Subscription;
  ended = false;
  private readonly end: (e: unknown) => void;

  constructor(private readonly kind: SenderKind<I, R>, private readonly address: string, onEnd: () => void) {
    const end = (e: unknown): void => {
      if (this.ended) return;
      this.ended = true;
      onEnd();
      for (const w of [...this.byKey.values(), ...this.inOrder.splice(0)]) w.reject(e);
      this.byKey.clear();
    };
    this.end = end;
    this.sub = (this.input as Observable<I>).pipe(kind.operator(address)).subscribe({
      next: (r) => {
        const key = kind.resultKey(r);
        const w = key !== undefined ? this.byKey.get(key) : this.inOrder.shift();
        if (w === undefined) return;
        if (key !== undefined) this.byKey.delete(key);
        const failure = kind.failure(r);
        if (failure === undefined) w.resolve(); else w.reject(failure);
      },
      error: end,
      complete: () => end(new PublishError(`the sender to ${address} was closed before the broker confirmed the message`)),
    });
  }

  publish(input: I): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = this.kind.inputKey(input);
      if (key !== undefined) this.byKey.set(key, { resolve, reject }); else this.inOrder.push({ resolve, reject });
      this.input.next(input);
    });
  }

  /** No more inputs; completes once every outstanding one has its result. */
  finish(): void { this.input.complete(); }
  /** Stop at once. */
  stop(): void {
    this.sub.unsubscribe();
    this.end(new PublishError(`the sender to ${this.address} was stopped before the broker confirmed the message`));
  }
}

/** The senders of one transport. */
export class SenderCache<I, R> {
  private readonly senders = new Map<string, OneSender<I, R>>();
  constructor(private readonly kind: SenderKind<I, R>, private readonly limit = 64) {}

  publish(address: string, input: I): Promise<void> {
    let s = this.senders.get(address);
    if (s !== undefined) {
      // Most recently used last: the map's first entry is the one to end.
      this.senders.delete(address);
      this.senders.set(address, s);
    } else {
      const created: OneSender<I, R> = new OneSender(this.kind, address, () => {
        if (this.senders.get(address) === created) this.senders.delete(address);
      });
      s = created;
      if (!s.ended) this.senders.set(address, s);
      if (this.senders.size > this.limit) {
        const [oldAddress, oldest] = this.senders.entries().next().value as [string, OneSender<I, R>];
        this.senders.delete(oldAddress);
        oldest.finish();
      }
    }
    return s.publish(input);
  }

  /** End every sender; what was not confirmed fails with PublishError. */
  stop(): void {
    for (const s of this.senders.values()) s.stop();
    this.senders.clear();
  }
}
