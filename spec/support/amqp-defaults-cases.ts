/**
 * Sender defaults (generated message ids, durable, ttl, priority) as a broker stores them, and
 * settling twice as a typed misuse error. Run against the embedded broker
 * (spec/amqp/rx/defaults.spec.ts) and RabbitMQ (interop tier).
 */
import { expect } from 'chai';
import { from, lastValueFrom, toArray } from 'rxjs';
import { IllegalStateError, type AmqpConnectOptions } from '../../src/amqp/index.js';
import { unique, withConnection } from './amqp-connection.js';

/** Defines the cases (inside a describe block) for the broker reached with `options()`. */
export function amqpDefaultsCases(options: () => AmqpConnectOptions): void {
  it('applies sender defaults: generated message ids, durable, ttl, priority', async () => {
    const q = `/queue/${unique('defaults')}`;
    await withConnection(options(), async (c) => {
      await lastValueFrom(from([{ body: 'a' }, { body: 'b', messageId: 'mine', priority: 9 }]).pipe(
        c.send(q, { durable: true, ttl: 60_000, priority: 3 }), toArray()));
      const ms = await lastValueFrom(c.fetch(q, { count: 2, timeout: 2000 }).pipe(toArray()));
      expect(ms[0].messageId).to.be.a('string').and.match(/^[0-9a-f-]{36}$/);
      expect(ms[0]).to.include({ durable: true, ttl: 60_000, priority: 3 });
      expect(ms[1]).to.include({ messageId: 'mine', priority: 9 });
    });
  });

  it('settling twice is a typed misuse error', async () => {
    const q = `/queue/${unique('twice')}`;
    await withConnection(options(), async (c) => {
      await lastValueFrom(from([{ body: 'a' }]).pipe(c.send(q), toArray()));
      const [m] = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000, settle: 'manual' }).pipe(toArray()));
      m.accept();
      expect(() => m.accept()).to.throw(IllegalStateError, /already settled/);
      expect(() => m.release()).to.throw(IllegalStateError);
    });
  });
}
