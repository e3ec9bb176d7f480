/**
 * Run an operation on a connection Observable and close the connection when the operation ends.
 *
 * connect() never completes (the connection stays open while subscribed), so switchMap cannot
 * end the pipeline; and switchMap would tear the connection down before the operation, and the
 * engine writes nothing after its close frame: settlements and detaches the operation makes in
 * its own teardown would be lost (the broker would redeliver messages we printed). Here the
 * operation is always unsubscribed first, then the connection.
 *
 * Errors before the connection was up are wrapped in ConnectFailure so that they are reported
 * as "cannot connect to URL: ...".
 */
import { Observable, Subscription } from 'rxjs';
import { ConnectFailure } from '../errors.js';

export function whileConnected<C, T>(url: string, connection$: Observable<C>, operation: (c: C) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    // Containers, not variables: either may be torn down from inside its own subscribe call.
    const inner = new Subscription();
    const outer = new Subscription();
    let connected = false;
    outer.add(connection$.subscribe({
      next: (c) => {
        if (connected) return;
        connected = true;
        inner.add(operation(c).subscribe({
          next: (v) => subscriber.next(v),
          error: (e: unknown) => subscriber.error(e),
          complete: () => subscriber.complete(),
        }));
      },
      error: (e: unknown) => subscriber.error(connected ? e : new ConnectFailure(url, e)),
      complete: () => subscriber.error(new Error('the connection closed')),
    }));
    return () => {
      inner.unsubscribe();
      outer.unsubscribe();
    };
  });
}
