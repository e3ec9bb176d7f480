/**
 * The AMQP client against a hostile server of our own (spec/support/hostile-amqp-server.ts), raw
 * bytes in chosen chunks: nothing a peer sends may throw out of a socket callback, and every
 * case ends the affected stream with a typed error within a stated time.
 */
import { expect } from 'chai';
import { lastValueFrom, of, switchMap, toArray, type Observable } from 'rxjs';
import { AmqpError, connect, NullTerminusError, TransferLimitError } from '../../../src/amqp/index.js';
import { startRheaServer } from './rhea-server.js';
import type { Attach } from '../../../src/amqp/frames/definitions.generated.js';
import {
  answerAttach, concat, frames, payloadOf, scriptedAmqpServer, transfers, type Script, type ScriptedAmqpServer,
} from '../../support/hostile-amqp-server.js';
import { noUncaughtExceptions } from '../../support/uncaught.js';

/** The outcome of a stream: its values and how it ended, with the time it took. */
async function settle<T>(o: Observable<T>, limitMs: number): Promise<{ values: T[]; error: unknown; ms: number }> {
  const t0 = Date.now();
  const timeout = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`the stream neither errored nor completed within ${limitMs} ms`)), limitMs).unref());
  try {
    const values = await Promise.race([lastValueFrom(o.pipe(toArray())), timeout]);
    return { values, error: undefined, ms: Date.now() - t0 };
  } catch (error) {
    return { values: [], error, ms: Date.now() - t0 };
  }
}

describe('amqp/rx against a hostile server', function () {
  this.timeout(20_000);
  const uncaught = noUncaughtExceptions();
  let server: ScriptedAmqpServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  /** A server whose answer to a receiver's attach is the attach followed, in the same write, by `then`. */
  const attachThen = (then: (a: Attach, ch: number) => Uint8Array, over: Partial<Attach> = {}): Script => (p, ch, conn) => {
    if (p.kind !== 'attach') return false;
    conn.write(concat([frames([ch, answerAttach(p, 0, over)]), then(p, ch)]));
    return true;
  };

  const cases: readonly { name: string; then: (a: Attach, ch: number) => Uint8Array; check: (e: unknown) => void }[] = [
    {
      name: 'a detach with an error',
      then: (_a, ch) => frames([ch, { kind: 'detach', handle: 0, closed: true, error: { kind: 'error', condition: 'amqp:not-found', description: 'gone' } }]),
      check: (e) => { expect(e).to.be.instanceOf(AmqpError); expect(e).to.include({ condition: 'amqp:not-found' }); },
    },
    {
      name: 'an end of the session',
      then: (_a, ch) => frames([ch, { kind: 'end', error: { kind: 'error', condition: 'amqp:internal-error', description: 'boom' } }]),
      check: (e) => { expect(e).to.be.instanceOf(AmqpError); expect(e).to.include({ condition: 'amqp:internal-error' }); },
    },
    {
      name: 'a close of the connection',
      then: () => frames([0, { kind: 'close', error: { kind: 'error', condition: 'amqp:connection:forced', description: 'bye' } }]),
      check: (e) => { expect(e).to.be.instanceOf(AmqpError); expect(e).to.include({ condition: 'amqp:connection:forced' }); },
    },
    {
      name: 'more than 1,024 transfers beyond credit',
      then: (_a, ch) => transfers(ch, 0, 0, 1100, payloadOf('x')),
      check: (e) => { expect(e).to.be.instanceOf(TransferLimitError); expect(e).to.include({ condition: 'amqp:link:transfer-limit-exceeded' }); },
    },
  ];
  for (const c of cases) {
    it(`receive(): an attach answer followed in the same read by ${c.name} errors the stream, typed, and throws nothing`, async () => {
      server = await scriptedAmqpServer({ script: attachThen(c.then) });
      const r = await settle(connect({ url: server.url, idleTimeout: 0 }).pipe(switchMap((conn) => conn.receive('q'))), 5000);
      c.check(r.error);
      expect(r.ms).to.be.below(3000);
      uncaught.check();
    });
  }

  for (const role of ['receive', 'send'] as const) {
    it(`${role}(): an attach answered with a null terminus and no detach errors at once with NullTerminusError`, async () => {
      server = await scriptedAmqpServer({ script: attachThen(() => new Uint8Array(0), { source: undefined, target: undefined }) });
      const srv = server;
      const stream = connect({ url: srv.url, idleTimeout: 0 }).pipe(switchMap((conn) => role === 'receive'
        ? conn.receive('q')
        : of({ body: 'x' }).pipe(conn.send('q'))));
      const r = await settle<unknown>(stream, 5000);
      expect(r.error).to.be.instanceOf(NullTerminusError);
      expect(r.error).to.include({ condition: 'amqp:not-found', terminus: role === 'receive' ? 'source' : 'target' });
      expect(r.ms).to.be.below(2000);
      // We detach the link we were refused.
      const c = await srv.connection();
      await c.waitFor('detach', 2000);
      uncaught.check();
    });
  }

  it('a null terminus followed by the detach in the same read errors with the detach\'s reason', async () => {
    server = await scriptedAmqpServer({
      script: (p, ch, conn) => {
        if (p.kind !== 'attach') return false;
        conn.write(frames(
          [ch, answerAttach(p, 0, { source: undefined, target: undefined })],
          [ch, { kind: 'detach', handle: 0, closed: true, error: { kind: 'error', condition: 'amqp:unauthorized-access', description: 'no' } }],
        ));
        return true;
      },
    });
    const r = await settle(connect({ url: server.url, idleTimeout: 0 }).pipe(switchMap((conn) => conn.receive('q'))), 5000);
    expect(r.error).to.be.instanceOf(AmqpError).and.not.instanceOf(NullTerminusError);
    expect(r.error).to.include({ condition: 'amqp:unauthorized-access' });
  });

  it("rhea's default server (no handler: a null terminus, no detach): receive() errors with NullTerminusError at once", async () => {
    const rhea = await startRheaServer('rhea-null-terminus');
    try {
      const r = await settle(connect({ url: rhea.url, sasl: false }).pipe(switchMap((conn) => conn.receive('nobody-handles-this'))), 5000);
      expect(r.error).to.be.instanceOf(NullTerminusError);
      expect(r.ms).to.be.below(2000);
    } finally {
      await rhea.close();
    }
  });
});
