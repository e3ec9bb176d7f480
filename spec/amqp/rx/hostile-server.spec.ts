/**
 * The AMQP client against a hostile server of our own (spec/support/hostile-amqp-server.ts), raw
 * bytes in chosen chunks: nothing a peer sends may throw out of a socket callback, and every
 * case ends the affected stream with a typed error within a stated time.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, Observable, of, switchMap, take, toArray } from 'rxjs';
import {
  AmqpError, amqpClient, connect, RxMqError, encode, int, map, string, symbol, ConnectTimeoutError, MessageSizeExceededError, NullTerminusError, ResponseTimeoutError, TimeoutError, TransferLimitError,
} from '../../../src/amqp/index.js';
import { startRheaServer } from './rhea-server.js';
import type { Attach } from '../../../src/amqp/frames/definitions.generated.js';
import { protocolHeaderBytes } from '../../../src/amqp/frames/index.js';
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
    for (const how of ['receive', 'fetch'] as const) {
      it(`${how}(): an attach answer followed in the same read by ${c.name} errors the stream, typed, and throws nothing`, async () => {
        server = await scriptedAmqpServer({ script: attachThen(c.then) });
        const r = await settle(connect({ url: server.url, idleTimeout: 0 }).pipe(switchMap((conn) => (how === 'receive'
          ? conn.receive('q')
          : conn.fetch('q', { count: 2000, timeout: 3000 })))), 5000);
        c.check(r.error);
        expect(r.ms).to.be.below(3000);
        uncaught.check();
      });
    }
  }

  // The sender's side of the same: credit and the end in one read, with messages waiting to go.
  for (const c of cases.slice(0, 3)) {
    it(`send(): an attach answer and credit followed in the same read by ${c.name} errors the stream, typed, and throws nothing`, async () => {
      server = await scriptedAmqpServer({
        script: attachThen((a, ch) => concat([
          frames([ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 100, nextOutgoingId: 0, outgoingWindow: 100, handle: 0, deliveryCount: 0, linkCredit: 10 }]),
          c.then(a, ch),
        ])),
      });
      const r = await settle(connect({ url: server.url, idleTimeout: 0 }).pipe(switchMap((conn) => of({ body: 1 }, { body: 2 }).pipe(conn.send('q')))), 5000);
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

    it('by default: a message announcing 1 GiB is cut off just past 64 MiB with MessageSizeExceededError', async function () {
      this.timeout(30_000);
      const MiB = 1024 * 1024;
      // A data section stating 1 GiB (vbin32), then 1 MiB frames of it until the client detaches.
      const head = new Uint8Array([0x00, 0x53, 0x75, 0xb0, 0x40, 0x00, 0x00, 0x00]);
      const chunk = new Uint8Array(MiB - 64);
      let sent = 0;
      server = await scriptedAmqpServer({
        script: (p, ch, conn) => {
          if (p.kind === 'flow' && p.handle !== undefined && sent === 0) {
            const pump = (): void => {
              if (conn.socket.destroyed || conn.received.some((r) => r.performative.kind === 'detach') || sent > 80 * MiB) return;
              const first = sent === 0;
              const payload = first ? concat([head, chunk.subarray(head.length)]) : chunk;
              conn.write(frames([ch, { kind: 'transfer', handle: 0, deliveryId: first ? 0 : undefined, deliveryTag: first ? new Uint8Array([1]) : undefined, messageFormat: 0, more: true }, payload]));
              sent += payload.length;
              setImmediate(pump);
            };
            pump();
            return true;
          }
          return honestLinks()(p, ch, conn);
        },
      });
      const r = await settle(connect({ url: server.url }).pipe(switchMap((c) => c.receive('q'))), 25_000);
      expect(r.error).to.be.instanceOf(MessageSizeExceededError);
      expect(r.error).to.include({ maxMessageSize: 64 * MiB });
      expect((r.error as MessageSizeExceededError).size).to.be.within(64 * MiB + 1, 65 * MiB);
      uncaught.check();
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
      // responseTimeout 0: a deaf server after the first flow, and still no probe, no failure.
      await server.close();
      let flows = 0;
      const honest = honestLinks();
      server = await scriptedAmqpServer({
        heartbeatEveryMs: 100,
        script: (p, ch, conn) => (p.kind === 'flow' && flows++ > 0 ? (conn.mute(), true) : honest(p, ch, conn)),
      });
      const off = connect({ url: server.url, responseTimeout: 0 }).pipe(switchMap((c) => c.receive('q'))).subscribe({ error: (e) => errors.push(e) });
      await new Promise((r) => setTimeout(r, 1500));
      off.unsubscribe();
      expect(errors).to.deep.equal([]);
      expect((await server.connection()).received.some((x) => x.performative.kind === 'flow' && x.performative.echo === true)).to.equal(false);
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

  describe('garbage and fuzz', () => {
    it('garbage right after the AMQP header fails connect() with a typed error, at once', async () => {
      server = await scriptedAmqpServer({ handshake: 'silent' });
      const srv = server;
      const run = connect({ url: srv.url, sasl: false });
      const done = settle(run, 5000);
      const conn = await srv.connection();
      conn.write(concat([protocolHeaderBytes('amqp'), new Uint8Array([0, 0, 0, 0x10, 0xff, 0xee, 0xdd, 0xcc, 1, 2, 3, 4, 5, 6, 7, 8])]));
      const r = await done;
      expect(r.error).to.be.instanceOf(RxMqError);
      expect(r.ms).to.be.below(2000);
      uncaught.check();
    });

    /** mulberry32: a seeded PRNG, so that a failing case replays from its seed. */
    const prng = (seed: number): (() => number) => {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };

    it('fuzz: 80 seeded runs of valid and mutated frames after the attach end typed or not at all; nothing throws, nothing hangs', async () => {
      const seeds = 80;
      let typedErrors = 0;
      let clean = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const rnd = prng(seed);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
        const script: Script = (p, ch, conn) => {
          if (p.kind !== 'attach') return honestLinks()(p, ch, conn);
          const menu: (() => Uint8Array)[] = [
            () => transfers(ch, 0, Math.floor(rnd() * 4), 1, payloadOf('m')),
            () => frames([ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 10, nextOutgoingId: 0, outgoingWindow: 10, handle: 0, deliveryCount: 0, linkCredit: 5, echo: rnd() < 0.5 }]),
            () => frames([ch, { kind: 'disposition', role: 'sender', first: 0, last: 3, settled: true, state: { kind: 'accepted' } }]),
            () => frames([ch, { kind: 'detach', handle: Math.floor(rnd() * 2), closed: true }]),
            () => frames([ch, { kind: 'end' }]),
            () => frames([0, { kind: 'close' }]),
            () => frames([(ch + 1) % 3, { kind: 'begin', remoteChannel: 5, nextOutgoingId: 0, incomingWindow: 1, outgoingWindow: 1 }]),
            () => new Uint8Array([0, 0, 0, 8, 2, 0, 0, 0]),
          ];
          const parts: Uint8Array[] = [frames([ch, answerAttach(p, 0)])];
          for (let i = 0; i < 8; i++) {
            const f = pick(menu)().slice();
            // Mutate about one frame in three: a byte flipped, a size changed, or the frame cut short.
            const r = rnd();
            if (r < 0.15) f[Math.floor(rnd() * f.length)] ^= 1 << Math.floor(rnd() * 8);
            else if (r < 0.25) f[3] = Math.floor(rnd() * 256);
            else if (r < 0.33) { parts.push(f.subarray(0, Math.floor(rnd() * f.length))); continue; }
            parts.push(f);
          }
          // One write or one per frame, chosen by the seed.
          if (rnd() < 0.5) conn.write(concat(parts));
          else for (const x of parts) conn.write(x);
          // An end the fuzz may not produce itself.
          setTimeout(() => conn.socket.destroy(), 150);
          return true;
        };
        const srv = await scriptedAmqpServer({ script });
        try {
          const r = await settle(connect({ url: srv.url, idleTimeout: 0, responseTimeout: 0, onWarning: () => undefined }).pipe(switchMap((c) => c.receive('q'))), 5000);
          if (r.error === undefined) clean++;
          else {
            expect(r.error, `seed ${seed}: ${String(r.error)}`).to.be.instanceOf(RxMqError);
            typedErrors++;
          }
          uncaught.check();
        } finally {
          await srv.close();
        }
      }
      expect(typedErrors + clean).to.equal(seeds);
      expect(typedErrors, 'runs ending with a typed error').to.be.above(seeds / 2);
    });
  });

  it('the last line of defence: a handler that throws on a peer frame fails the connection with amqp:internal-error, typed', async () => {
    server = await scriptedAmqpServer({ script: honestLinks() });
    const srv = server;
    const r = settle(connect({ url: srv.url }).pipe(switchMap((c) => c.session().pipe(switchMap((s) => {
      // A stand-in for a bug: the session's handler throws when the peer's next frame for it arrives.
      c.driver.onSession(s.context.session, () => { throw new Error('a bug'); });
      srv.connections[0].write(frames([0, { kind: 'end' }]));
      return new Observable<never>(() => undefined);
    })))), 5000);
    const res = await r;
    expect(res.error).to.be.instanceOf(AmqpError);
    expect(res.error).to.include({ condition: 'amqp:internal-error', local: true });
    expect((res.error as Error).message).to.match(/could not handle the peer's frames \(Error: a bug\)/);
    // The peer was told.
    const close = await srv.connections[0].waitFor('close');
    expect(close.error?.condition).to.equal('amqp:internal-error');
    uncaught.check();
  });
});
