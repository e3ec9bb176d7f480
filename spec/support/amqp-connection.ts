/** Helpers for tests that use the public AMQP API against a broker or peer. */
import { randomUUID } from 'node:crypto';
import { firstValueFrom, from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect, type AmqpConnection, type Message } from '../../src/amqp/index.js';

/** A name no other test (or earlier run against a long-lived broker) uses. */
export const unique = (p: string): string => `${p}-${randomUUID()}`;

/** Run `f` with an open connection and close it afterwards. */
export function withConnection<T>(opts: Parameters<typeof connect>[0], f: (c: AmqpConnection) => Promise<T>): Promise<T> {
  return firstValueFrom(connect(opts).pipe(switchMap((c) => from(f(c))), take(1)));
}

/** Send every message of an array, with the operator's defaults (its byte bound holds any test's array). */
export const sendAll = (c: AmqpConnection, address: string, messages: readonly Message[]) =>
  lastValueFrom(from(messages).pipe(c.send(address), toArray()));
