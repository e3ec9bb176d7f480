/** Helpers for STOMP tests that hold a session: the embedded broker's and the interop tier's. */
import { firstValueFrom, take, toArray, timeout, type Observable, type Subscription } from 'rxjs';
import { connect, type StompMessage, type StompSession, type SubscribeOptions } from '../../src/stomp/index.js';

let counter = 0;
export const fresh = (what: string): string => `/queue/rxmq-${what}-${process.pid}-${Date.now()}-${counter++}`;

/** Run `fn` with an open session, closing it afterwards. */
export async function withSession<T>(url: string, fn: (s: StompSession) => Promise<T>, session$: Observable<StompSession> = connect(url)): Promise<T> {
  let resolveS!: (s: StompSession) => void;
  let rejectS!: (e: unknown) => void;
  const got = new Promise<StompSession>((res, rej) => { resolveS = res; rejectS = rej; });
  const sub = session$.subscribe({ next: resolveS, error: rejectS });
  try {
    return await fn(await got);
  } finally {
    sub.unsubscribe();
  }
}

/** Subscribe and keep the subscription; resolve with its first value. */
export function hold<T>(o: Observable<T>): Promise<{ value: T; sub: Subscription }> {
  return new Promise((resolve, reject) => {
    let got = false;
    const box: { sub?: Subscription } = {};
    box.sub = o.subscribe({
      next: (value) => { if (!got) { got = true; queueMicrotask(() => resolve({ value, sub: box.sub as Subscription })); } },
      error: reject,
    });
  });
}

/** Subscribe and keep the subscription; collect `n` messages (left unacknowledged). */
export async function gather(s: StompSession, dest: string, n: number, opts = {}): Promise<{ msgs: StompMessage[]; sub: Subscription; more: StompMessage[] }> {
  const all: StompMessage[] = [];
  let sub!: Subscription;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`fewer than ${n} messages on ${dest}`)), 8000);
    sub = s.subscribe(dest, opts).subscribe({ next: (m) => { all.push(m); if (all.length === n) { clearTimeout(t); resolve(); } }, error: reject });
  });
  return { msgs: all.slice(0, n), sub, more: all };
}

/** Collect `n` messages of a subscription (with a timeout). */
export const collect = (s: StompSession, dest: string, n: number, opts = {}): Promise<StompMessage[]> =>
  firstValueFrom(s.subscribe(dest, opts).pipe(take(n), toArray(), timeout(8000)));


/**
 * Subscribe with a RECEIPT and resolve once the broker confirmed the SUBSCRIBE (so that what is
 * sent from then on reaches the subscription), with a promise for its first `n` messages.
 */
export function collectReady(s: StompSession, dest: string, n: number, opts: SubscribeOptions = {}): Promise<{ messages: Promise<StompMessage[]> }> {
  return new Promise((resolve, reject) => {
    const messages: Promise<StompMessage[]> = firstValueFrom(s.subscribe(dest, { ...opts, onReceipt: () => resolve({ messages }) }).pipe(take(n), toArray(), timeout(8000)));
    messages.catch(reject);
  });
}

/** Subscribe with a RECEIPT and keep the subscription; resolve once the broker confirmed it. */
export function subscribeReady(s: StompSession, dest: string, onMessage: (m: StompMessage) => void, opts: SubscribeOptions = {}): Promise<Subscription> {
  return new Promise((resolve, reject) => {
    const sub: Subscription = s.subscribe(dest, { ...opts, onReceipt: () => resolve(sub) }).subscribe({ next: onMessage, error: reject });
  });
}
