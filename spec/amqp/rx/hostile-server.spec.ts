/**
 * The AMQP client against a hostile server of our own (spec/support/hostile-amqp-server.ts), raw
 * bytes in chosen chunks: nothing a peer sends may throw out of a socket callback, and every
 * case ends the affected stream with a typed error within a stated time.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, switchMap, take, toArray, type Observable } from 'rxjs';
import {
  AmqpError, amqpClient, connect, encode, int, map, string, symbol, ConnectTimeoutError, MessageSizeExceededError, NullTerminusError, ResponseTimeoutError, TimeoutError, TransferLimitError,
} from '../../../src/amqp/index.js';
import { startRheaServer } from './rhea-server.js';
import type { Attach } from '../../../src/amqp/frames/definitions.generated.js';
import {
  answerAttach, concat, frames, honestLinks, payloadOf, scriptedAmqpServer, transfers, type Script, type ScriptedAmqpServer,
} from '../../support/hostile-amqp-server.js';
import { noUncaughtExceptions } from '../../support/uncaught.js';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

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

  it('receive() takes message sections in any order (uamqp: delivery annotations after application properties; a footer before the body)', async () => {
    const section = (code: number, value: Uint8Array): Uint8Array => concat([new Uint8Array([0x00, 0x53, code]), value]);
    const enc = (v: Parameters<typeof encode>[0]): Uint8Array => encode(v);
    const ap = section(0x74, enc(map([[string('k'), int(7)]])));
    const da = section(0x71, enc(map([[symbol('x-opt-d'), string('dv')]])));
    const ma = section(0x72, enc(map([[symbol('x-opt-m'), string('mv')]])));
    const footer = section(0x78, enc(map([[symbol('x-opt-f'), string('fv')]])));
    const body = (t: string): Uint8Array => section(0x77, enc(string(t)));
    const uamqp = concat([ma, ap, da, footer, body('uamqp')]);
    const footerFirst = concat([da, ma, ap, footer, body('footer-first')]);
    server = await scriptedAmqpServer({
      script: (p, ch, conn) => {
        if (p.kind === 'flow' && p.handle !== undefined) {
          conn.write(concat([transfers(ch, 0, 0, 1, uamqp), transfers(ch, 0, 1, 1, footerFirst)]));
          return true;
        }
        return honestLinks()(p, ch, conn);
      },
    });
    const got = await firstValueFrom(connect({ url: server.url }).pipe(switchMap((c) => c.receive('q')), take(2), toArray()));
    expect(got.map((m) => m.body)).to.deep.equal(['uamqp', 'footer-first']);
    for (const m of got) {
      expect(m.applicationProperties).to.deep.equal({ k: 7 });
      expect(m.deliveryAnnotations).to.deep.equal({ 'x-opt-d': 'dv' });
      expect(m.messageAnnotations).to.deep.equal({ 'x-opt-m': 'mv' });
      expect(m.footer).to.deep.equal({ 'x-opt-f': 'fv' });
    }
    // Both accepted: nothing was refused for its order.
    const conn = await server.connection();
    await until(() => conn.received.some((r) => r.performative.kind === 'disposition' && (r.performative.last ?? r.performative.first) >= 1));
    const states = conn.received.filter((r) => r.performative.kind === 'disposition').map((r) => r.performative.kind === 'disposition' && (r.performative.state as { kind?: string } | undefined)?.kind);
    expect(states.every((st) => st === 'accepted')).to.equal(true);
  });

  describe('maxMessageSize on receive', () => {
    it('states 64 MiB in the attach by default, and the limit given (0: none)', async () => {
      server = await scriptedAmqpServer({ script: honestLinks() });
      const seen: (bigint | undefined)[] = [];
      for (const max of [undefined, 5000, 0]) {
        const sub = connect({ url: server.url }).pipe(switchMap((c) => c.receive('q', { maxMessageSize: max }))).subscribe();
        const conn = await server.connection(seen.length);
        seen.push((await conn.waitFor('attach')).maxMessageSize);
        sub.unsubscribe();
      }
      expect(seen).to.deep.equal([64n * 1024n * 1024n, 5000n, undefined]);
    });

    for (const [name, frameSize] of [['in one transfer', 4096], ['in several transfers', 512]] as const) {
      it(`a larger message ${name} detaches the link with message-size-exceeded and errors the stream with MessageSizeExceededError`, async () => {
        const big = payloadOf('y'.repeat(3000));
        server = await scriptedAmqpServer({
          script: (p, ch, conn) => {
            if (p.kind === 'flow' && p.handle !== undefined) {
              const parts: Uint8Array[] = [];
              for (let at = 0; at < big.length; at += frameSize) {
                const last = at + frameSize >= big.length;
                parts.push(frames([ch, { kind: 'transfer', handle: 0, deliveryId: at === 0 ? 0 : undefined, deliveryTag: at === 0 ? new Uint8Array([1]) : undefined, messageFormat: 0, more: !last }, big.subarray(at, at + frameSize)]));
              }
              conn.write(concat(parts));
              return true;
            }
            return honestLinks()(p, ch, conn);
          },
        });
        const srv = server;
        const r = await settle(connect({ url: srv.url }).pipe(switchMap((c) => c.receive('q', { maxMessageSize: 1000 }))), 5000);
        expect(r.error).to.be.instanceOf(MessageSizeExceededError);
        expect(r.error).to.include({ condition: 'amqp:link:message-size-exceeded', maxMessageSize: 1000 });
        expect(r.ms).to.be.below(2000);
        const detach = await (await srv.connection()).waitFor('detach');
        expect(detach.error?.condition).to.equal('amqp:link:message-size-exceeded');
        uncaught.check();
      });
    }
  });

  describe('dead-peer detection', () => {
    it('connectTimeout: a server that accepts and never writes fails connect() with ConnectTimeoutError at the deadline', async () => {
      server = await scriptedAmqpServer({ handshake: 'silent' });
      const r = await settle(connect({ url: server.url, connectTimeout: 700 }), 5000);
      expect(r.error).to.be.instanceOf(ConnectTimeoutError).and.instanceOf(TimeoutError);
      expect(r.error).to.include({ timeoutMs: 700 });
      expect(r.ms).to.be.within(650, 2500);
    });

    it('connectTimeout: SASL that never finishes (mechanisms, then nothing) fails at the deadline', async () => {
      server = await scriptedAmqpServer({ handshake: 'sasl-stall' });
      const r = await settle(connect({ url: server.url, connectTimeout: 700 }), 5000);
      expect(r.error).to.be.instanceOf(ConnectTimeoutError);
      expect(r.ms).to.be.within(650, 2500);
      // SASL was under way: the client did write its sasl-init.
      expect((await server.connection()).bytesIn).to.be.above(8);
    });

    it('connectTimeout: an open trickled one byte per 500 ms fails at the deadline (not at the idle time-out)', async () => {
      server = await scriptedAmqpServer({ handshake: 'trickle-open', trickleMs: 500 });
      const r = await settle(connect({ url: server.url, connectTimeout: 1500 }), 6000);
      expect(r.error).to.be.instanceOf(ConnectTimeoutError);
      expect(r.ms).to.be.within(1450, 3500);
    });

    it('responseTimeout: a send whose writes are blackholed while heart-beats keep coming fails with ResponseTimeoutError', async () => {
      const honest = honestLinks();
      server = await scriptedAmqpServer({
        heartbeatEveryMs: 100,
        script: (p, ch, conn) => {
          // From the first message on, the server hears nothing (as if our writes were dropped).
          if (p.kind === 'transfer') { conn.mute(); return true; }
          return honest(p, ch, conn);
        },
      });
      const r = await settle(connect({ url: server.url, responseTimeout: 1000 }).pipe(switchMap((c) => of({ body: 'x' }).pipe(c.send('q')))), 8000);
      expect(r.error).to.be.instanceOf(ResponseTimeoutError).and.instanceOf(TimeoutError);
      expect((r.error as ResponseTimeoutError).waitingFor).to.match(/1 outcome/);
      expect(r.ms).to.be.within(950, 4000);
      uncaught.check();
    });

    it('responseTimeout: an idle receiver is probed (flow echo=true); unanswered, the connection fails in about two deadlines', async () => {
      const honest = honestLinks();
      let flows = 0;
      server = await scriptedAmqpServer({
        heartbeatEveryMs: 100,
        script: (p, ch, conn) => {
          // The first flow (the credit) is answered, which shows the server speaks flow to
          // receivers; then it goes deaf.
          if (p.kind === 'flow' && flows++ > 0) { conn.mute(); return true; }
          return honest(p, ch, conn);
        },
      });
      const r = await settle(connect({ url: server.url, responseTimeout: 700 }).pipe(switchMap((c) => c.receive('q'))), 8000);
      expect(r.error).to.be.instanceOf(ResponseTimeoutError);
      expect((r.error as ResponseTimeoutError).waitingFor).to.match(/liveness probe/);
      expect(r.ms).to.be.within(1300, 4500);
      const probe = (await server.connection()).received.filter((x) => x.performative.kind === 'flow').map((x) => x.performative);
      expect(probe.some((f) => f.kind === 'flow' && f.echo === true)).to.equal(true);
    });

    it('responseTimeout: a healthy idle receiver stays open (probes answered), and 0 turns the check off', async () => {
      server = await scriptedAmqpServer({ heartbeatEveryMs: 100, script: honestLinks() });
      const errors: unknown[] = [];
      const sub = connect({ url: server.url, responseTimeout: 300 }).pipe(switchMap((c) => c.receive('q'))).subscribe({ error: (e) => errors.push(e) });
      await new Promise((r) => setTimeout(r, 1500));
      sub.unsubscribe();
      expect(errors).to.deep.equal([]);
      const echoes = (await server.connection()).received.filter((x) => x.performative.kind === 'flow' && x.performative.echo === true).length;
      expect(echoes).to.be.at.least(2);
    });

    it('amqpClient reconnects after ResponseTimeoutError and gets the outcome on the new connection', async () => {
      const honest = honestLinks();
      server = await scriptedAmqpServer({
        heartbeatEveryMs: 100,
        script: (p, ch, conn) => {
          // The first connection is deaf from the first message on; later ones are honest.
          if (p.kind === 'transfer' && conn === srv.connections[0]) { conn.mute(); return true; }
          return honest(p, ch, conn);
        },
      });
      const srv = server;
      const client = amqpClient({ urls: srv.url, responseTimeout: 800, reconnect: { initialDelayMs: 10 } });
      const states: string[] = [];
      client.state$.subscribe((st) => states.push(st.state === 'reconnecting' ? `reconnecting:${st.error.name}` : st.state));
      try {
        const t0 = Date.now();
        const outcomes = await lastValueFrom(of({ body: 'x' }, { body: 'y' }).pipe(client.send('q'), toArray()));
        expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted']);
        expect(Date.now() - t0).to.be.within(750, 6000);
        expect(states).to.include('reconnecting:ResponseTimeoutError');
        expect(srv.connections.length).to.equal(2);
      } finally {
        await client.close();
      }
    });
  });
});
