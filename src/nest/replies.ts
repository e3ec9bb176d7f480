/**
 * A request handler's result as reply packets, in Nest's shape: each value of the stream is a
 * `{ response }`, the end is `{ isDisposed: true }` (folded into the last value when there is
 * one, so a plain value or Promise costs one reply message), an error is `{ err, isDisposed }`.
 * Replies go out one after another; the returned promise settles when the last one has been
 * taken by the broker, or rejects with the first that was not.
 */
import type { Observable } from 'rxjs';
import type { WritePacket } from '@nestjs/microservices';

export function replyAll(response$: Observable<unknown>, send: (p: WritePacket<unknown>) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let chain = Promise.resolve();
    let held: { readonly value: unknown } | undefined;
    const push = (p: WritePacket<unknown>): void => { chain = chain.then(() => send(p)); };
    const release = (): void => { if (held !== undefined) push({ response: held.value }); held = undefined; };
    response$.subscribe({
      next: (value) => { release(); held = { value }; },
      error: (err: unknown) => {
        release();
        push({ err: err ?? 'error', isDisposed: true });
        chain.then(resolve, reject);
      },
      complete: () => {
        push(held !== undefined ? { response: held.value, isDisposed: true } : { isDisposed: true });
        held = undefined;
        chain.then(resolve, reject);
      },
    });
  });
}
