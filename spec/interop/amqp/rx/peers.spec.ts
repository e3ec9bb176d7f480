/**
 * The reactive API against independent peers: the Qpid Proton C example broker (credit as
 * backpressure, fetch where drain is ignored), a Qpid Proton Python peer (outcomes, drain, request/
 * reply over a dynamic node) and RabbitMQ 3.10 (fetch without drain, typed errors).
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import {
  EMPTY, Observable, firstValueFrom, from, lastValueFrom, map, mergeMap, range, switchMap, take, timeout, toArray,
} from 'rxjs';
import {
  AmqpError, AuthenticationError, SendBufferOverflowError, TimeoutError, connect, type AmqpConnection, type Message,
  type ReceivedMessage,
} from '../../../../src/amqp/index.js';
import { freePort, startPythonPeer, type PythonPeer } from '../../support/python-peer.js';
import { sendAll, unique, withConnection } from '../../../support/amqp-connection.js';
import { amqpCreditCases } from '../../../support/amqp-credit-cases.js';
import { PEERS, PROTON_C as PROTON_C_PEER, RABBITMQ, requirePeers } from '../../../support/peers.js';
import { until } from '../../../support/wait.js';

const RABBIT = { url: RABBITMQ.amqpUrl(), hostname: 'localhost' };
const PROTON_C = { url: PROTON_C_PEER.url(), sasl: false as const };
/** One frame of a link in a frame trace: its direction, performative and field text. */
interface LinkFrame {
  readonly dir: '->' | '<-';
  readonly performative: string;
  readonly fields: string;
}

/**
 * The frames of the link whose name starts with `namePrefix`, in order, from a connection's frame
 * trace: ours by the handle of our attach, the peer's by the handle of its attach, each until that
 * side's detach (handles are reused afterwards).
 */
function framesOfLink(trace: readonly string[], namePrefix: string): LinkFrame[] {
  const handles: { '->'?: string; '<-'?: string } = {};
  const out: LinkFrame[] = [];
  for (const line of trace) {
    const m = /^\[ch \d+\] (->|<-) @([a-z-]+)\(0x[0-9a-f]+\) \[(.*)\]/.exec(line);
    if (m === null) continue;
    const dir = m[1] as '->' | '<-';
    const [performative, fields] = [m[2], m[3]];
    const handle = /(?:^|, )handle=(\d+)/.exec(fields)?.[1];
    if (performative === 'attach' && fields.includes(`name="${namePrefix}`)) handles[dir] = handle;
    if (handle === undefined || handles[dir] !== handle) continue;
    out.push({ dir, performative, fields });
    if (performative === 'detach') handles[dir] = undefined;
  }
  return out;
}

/** A field of a traced frame, as text (`link-credit=0` -> '0'), or undefined. */
const fieldOf = (f: LinkFrame, name: string): string | undefined => new RegExp(`(?:^|, )${name}=([^,\\]]+)`).exec(f.fields)?.[1];

/** Poll `cond` every 10 ms; fail after `ms`. */

describe('amqp/rx against independent peers', function () {
  this.timeout(60_000);

  describe('credit is the backpressure (RabbitMQ 3.10)', () => {
    requirePeers(PEERS.rabbitAmqp);
    amqpCreditCases(() => RABBIT);
  });

  describe('credit is the backpressure (Qpid Proton C broker)', () => {
    requirePeers(PEERS.protonC);
    amqpCreditCases(() => PROTON_C);

    it('fetch against a broker that ignores drain: detaches on time, nothing left behind', async () => {
      const q = unique('fetch-nodrain');
      await withConnection(PROTON_C, async (c) => {
        await sendAll(c, q, [{ body: 'a' }, { body: 'b' }]);
        const t0 = Date.now();
        const got = await lastValueFrom(c.fetch(q, { count: 5, timeout: 300, drainTimeout: 300 }).pipe(map((m) => m.body), toArray()));
        const elapsed = Date.now() - t0;
        expect(got).to.deep.equal(['a', 'b']);
        // timeout, then an unanswered drain, then the detach: bounded, never hanging.
        expect(elapsed).to.be.below(5000);
        await sendAll(c, q, [{ body: 'c' }]);
        const next = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(next).to.deep.equal(['c']);
      });
    });

    it('fetch on an empty queue: completes with nothing, and no credit is left on any link', async () => {
      const q = unique('fetch-empty');
      const trace: string[] = [];
      await withConnection({ ...PROTON_C, trace: (l) => trace.push(l) }, async (c) => {
        const got = await lastValueFrom(c.fetch(q, { count: 5, timeout: 300, drainTimeout: 300 }).pipe(toArray()));
        expect(got).to.deep.equal([]);
        const link = (): LinkFrame[] => framesOfLink(trace, `rx-mq-fetch-${q}-`);
        await until(() => link().some((f) => f.dir === '<-' && f.performative === 'detach'), "the broker's detach");
        const frames = link();
        // The broker never answers the drain, so the credit is withdrawn by closing the link: our
        // detach is the last thing we said, and the broker's detach confirms the link is gone.
        const ours = frames.filter((f) => f.dir === '->');
        expect(ours[0].performative).to.equal('attach');
        expect([ours[1].performative, fieldOf(ours[1], 'link-credit')]).to.deep.equal(['flow', '5']);
        const last = ours[ours.length - 1];
        expect([last.performative, fieldOf(last, 'closed')]).to.deep.equal(['detach', 'true']);
        // The broker sent no transfer and no flow (it ignored the drain), then answered the detach.
        expect(frames.filter((f) => f.dir === '<-').map((f) => f.performative)).to.deep.equal(['attach', 'detach']);
        // What the broker gets afterwards waits for the next fetch instead of going to a stale link.
        await sendAll(c, q, [{ body: 'later' }]);
        const later = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(later).to.deep.equal(['later']);
      });
    });

  });

  describe('Qpid Proton Python peer', () => {
    requirePeers(PEERS.protonPython);
    let peer: PythonPeer;
    let url: string;
    before(async () => {
      const port = await freePort();
      peer = await startPythonPeer(fileURLToPath(new URL('../../support/proton_peer.py', import.meta.url)), [String(port)]);
      url = `amqp://127.0.0.1:${port}`;
    });
    after(() => peer.stop());

    it('maps every outcome to a value: accepted, rejected, released, modified', async () => {
      const outcomes = await withConnection({ url, sasl: {} }, (c) => sendAll(c, unique('outcomes'), [
        { body: 1 }, { body: 2, subject: 'reject-me' }, { body: 3, subject: 'release-me' }, { body: 4, subject: 'modify-me' },
      ]));
      const byBody = new Map(outcomes.map((o) => [o.message.body, o]));
      expect(byBody.get(1)?.state).to.equal('accepted');
      expect(byBody.get(2)?.state).to.equal('rejected');
      expect(byBody.get(3)?.state).to.equal('released');
      expect(byBody.get(4)).to.deep.include({ state: 'modified', deliveryFailed: true, undeliverableHere: true });
    });

    /**
     * The drain exchange of a fetch link in `trace`: our drain flow, the peer's answer (which must
     * use up all the credit) and then our detach, in this order: it was the answer, not the
     * fallback after drainTimeout, that ended the fetch.
     */
    const expectDrained = (trace: readonly string[], q: string, count: number): void => {
      const frames = framesOfLink(trace, `rx-mq-fetch-${q}-`);
      const drainAt = frames.findIndex((f) => f.dir === '->' && f.performative === 'flow' && fieldOf(f, 'drain') === 'true');
      const answerAt = frames.findIndex((f, i) => i > drainAt && f.dir === '<-' && f.performative === 'flow');
      const detachAt = frames.findIndex((f) => f.dir === '->' && f.performative === 'detach');
      expect(drainAt, 'our drain flow').to.be.at.least(0);
      expect(fieldOf(frames[drainAt], 'link-credit')).to.equal(String(count - frames.filter((f) => f.performative === 'transfer').length));
      expect(answerAt, "the peer's answer to the drain").to.be.above(drainAt);
      const answer = frames[answerAt];
      // Credit used up: delivery-count advanced to what we granted, nothing left.
      expect([fieldOf(answer, 'link-credit'), fieldOf(answer, 'delivery-count')]).to.deep.equal(['0', String(count)]);
      expect(detachAt, 'our detach after the answer').to.be.above(answerAt);
    };

    it('fetch with drain: completes with what is there, credit drained', async () => {
      const q = unique('fetch-drain');
      const trace: string[] = [];
      const got = await withConnection({ url, sasl: {}, trace: (l) => trace.push(l) }, async (c) => {
        await sendAll(c, q, [{ body: 'x' }, { body: 'y' }]);
        return lastValueFrom(c.fetch(q, { count: 5, timeout: 300 }).pipe(map((m) => m.body), toArray()));
      });
      expect(got).to.deep.equal(['x', 'y']);
      expectDrained(trace, q, 5);
    });

    it('fetch on an empty queue: completes with nothing, its credit drained', async () => {
      const q = unique('fetch-empty');
      const trace: string[] = [];
      await withConnection({ url, sasl: {}, trace: (l) => trace.push(l) }, async (c) => {
        const got = await lastValueFrom(c.fetch(q, { count: 5, timeout: 300 }).pipe(toArray()));
        expect(got).to.deep.equal([]);
        expectDrained(trace, q, 5);
        expect(framesOfLink(trace, `rx-mq-fetch-${q}-`).some((f) => f.performative === 'transfer')).to.equal(false);
        // Nothing holds credit for this queue now: a message sent later waits for the next fetch.
        await sendAll(c, q, [{ body: 'later' }]);
        const later = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(later).to.deep.equal(['later']);
      });
    });

    it('routeByTo: messages with `to` reach their own queue, the others the target, through the relay', async () => {
      const orders = unique('orders');
      const audit = unique('audit');
      await withConnection({ url, sasl: {} }, async (c) => {
        const outs = await lastValueFrom(from<Message[]>([{ body: 1 }, { body: 2, to: audit }, { body: 3 }, { body: 4, to: audit }]).pipe(
          c.send(orders, { routeByTo: true }), toArray()));
        expect(outs.map((o) => o.state)).to.deep.equal(['accepted', 'accepted', 'accepted', 'accepted']);
        const inOrders = await lastValueFrom(c.fetch(orders, { count: 4, timeout: 500 }).pipe(map((m) => [m.body, m.to]), toArray()));
        const inAudit = await lastValueFrom(c.fetch(audit, { count: 4, timeout: 500 }).pipe(map((m) => [m.body, m.to]), toArray()));
        expect(inOrders).to.deep.equal([[1, orders], [3, orders]]);
        expect(inAudit).to.deep.equal([[2, audit], [4, audit]]);
      });
    });

    it('request/reply over a dynamic reply-to node, many in flight', async () => {
      const service = unique('service');
      const replies = await withConnection({ url, sasl: {} }, async (c) => {
        // A responder on the same connection: answers each request to its replyTo.
        const responder = c.receive(service).pipe(
          map((m): Message => ({ to: m.replyTo, correlationId: m.messageId as string, body: `echo:${String(m.body)}` })),
          c.send(null),
        ).subscribe();
        try {
          return await lastValueFrom(range(0, 20).pipe(
            mergeMap((i) => c.request(service, { body: i }, { timeout: 5000 }).pipe(map((r) => r.body)), 20),
            toArray(),
          ));
        } finally {
          responder.unsubscribe();
        }
      });
      expect([...replies].sort()).to.deep.equal(Array.from({ length: 20 }, (_, i) => `echo:${i}`).sort());
    });

    it('a request with no responder times out with a TimeoutError', async () => {
      const err = await withConnection({ url, sasl: {} }, (c) =>
        lastValueFrom(c.request(unique('nobody'), { body: 1 }, { timeout: 300 })).then(() => undefined, (e: unknown) => e));
      expect(err).to.be.instanceOf(TimeoutError);
    });
  });

  describe('RabbitMQ 3.10', () => {
    requirePeers(PEERS.rabbitAmqp);
    it('AmqpConnection shows the broker container, product and version; state$ open, closing, closed', async () => {
      const states: string[] = [];
      let seen: { id: string; product: unknown; version: unknown; caps: readonly string[] } | undefined;
      let conn: AmqpConnection | undefined;
      const sub = connect(RABBIT).subscribe((c) => {
        conn = c;
        c.state$.subscribe((st) => states.push(st));
        seen = { id: c.remoteContainerId, product: c.remoteProperties.product, version: c.remoteProperties.version, caps: c.remoteOfferedCapabilities };
      });
      await until(() => conn !== undefined, 'open');
      expect(seen?.product).to.equal('RabbitMQ');
      expect(seen?.version).to.be.a('string').and.match(/^3\.\d+\.\d+/);
      expect(seen?.id).to.be.a('string').and.not.equal('');
      expect(seen?.caps).to.be.an('array');
      expect(states).to.deep.equal(['open']);
      sub.unsubscribe();
      await until(() => states.includes('closed'), 'closed');
      expect(states).to.deep.equal(['open', 'closing', 'closed']);
    });

    it('fetch: exactly count when available; empty and partial fetches leave no credit behind', async () => {
      const q = `/queue/${unique('fetch')}`;
      await withConnection(RABBIT, async (c) => {
        await sendAll(c, q, Array.from({ length: 7 }, (_, i) => ({ body: i })));
        const first = await lastValueFrom(c.fetch(q, { count: 5, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(first).to.deep.equal([0, 1, 2, 3, 4]);
        const partial = await lastValueFrom(c.fetch(q, { count: 5, timeout: 300 }).pipe(map((m) => m.body), toArray()));
        expect(partial).to.deep.equal([5, 6]);
        const empty = await lastValueFrom(c.fetch(q, { count: 5, timeout: 300 }).pipe(toArray()));
        expect(empty).to.deep.equal([]);
        // No credit was left on any link: a new message waits in the queue for the next fetch.
        await sendAll(c, q, [{ body: 'later' }]);
        await new Promise((r) => setTimeout(r, 200));
        const later = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(later).to.deep.equal(['later']);
      });
    });

    it('settles the last messages when the whole pipeline is torn down at once (connect + switchMap + take)', async () => {
      // One unsubscribe tears down connection and receiver together, and RxJS runs the
      // connection's teardown first: the accepts and the detach must still go out before the close.
      const q = `/queue/${unique('teardown')}`;
      await withConnection(RABBIT, (c) => sendAll(c, q, [{ body: 1 }, { body: 2 }, { body: 3 }]));
      const taken = await firstValueFrom(connect(RABBIT).pipe(
        switchMap((c) => c.receive(q, { credit: 2 }).pipe(take(2), map((m) => m.body), toArray())),
      ));
      expect(taken).to.deep.equal([1, 2]);
      const left = await withConnection(RABBIT, (c) => lastValueFrom(c.fetch(q, { count: 3, timeout: 500 }).pipe(map((m) => m.body), toArray())));
      expect(left).to.deep.equal([3]);
    });

    it('manual settlement spread over later callbacks never stalls the stream (20,000 messages)', async () => {
      // RabbitMQ 3.10 answers our flows with its own, and has been seen to report more credit than
      // it was given (227 of 100) and then send nothing: a receiver that believed that figure
      // stopped granting. Settling from timers and setImmediate makes many small flows; before
      // the fix this stalled in most runs, somewhere between 8,000 and 19,000 messages.
      const q = `/queue/${unique('async-settle')}`;
      const n = 20_000;
      await withConnection(RABBIT, (c) => sendAll(c, q, Array.from({ length: n }, (_, i) => ({ body: i }))));
      // A seeded generator (mulberry32-style) so every run settles in the same pattern.
      let seed = 0x5eed;
      const random = (): number => {
        seed = (seed + 0x6d2b79f5) >>> 0;
        let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      // Each message is accepted now, on the next turn or after a short timer; the stream counts
      // a message once it is accepted, so `take(n)` ends it only after the last accept.
      const settleLater = (m: ReceivedMessage): Observable<number> => new Observable<number>((sub) => {
        const done = (): void => { m.accept(); sub.next(m.body as number); sub.complete(); };
        const how = random();
        if (how < 0.3) { done(); return undefined; }
        if (how < 0.6) { const h = setImmediate(done); return () => clearImmediate(h); }
        const t = setTimeout(done, random() * 3);
        return () => clearTimeout(t);
      });
      const bodies = await firstValueFrom(connect(RABBIT).pipe(
        switchMap((c) => c.receive(q, { settle: 'manual', credit: 100 }).pipe(
          timeout(5000),
          mergeMap(settleLater),
          take(n),
          toArray(),
        )),
      ));
      expect(bodies).to.have.length(n);
      expect(new Set(bodies).size).to.equal(n);
    });

    it('errors a receiver on an unknown address with amqp:not-found', async () => {
      const err = await withConnection(RABBIT, (c) =>
        lastValueFrom(c.receive(`/amq/queue/${unique('missing')}`)).then(() => undefined, (e: unknown) => e));
      expect(err).to.be.instanceOf(AmqpError);
      expect((err as AmqpError).condition).to.equal('amqp:not-found');
    });

    it('a failed attach ends that link only: the same connection then sends and fetches (RabbitMQ ends the default session; it is made again)', async () => {
      await withConnection(RABBIT, async (c) => {
        const err = await lastValueFrom(c.receive('/queue/does/not/exist/at/all')).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(AmqpError);
        const q = `/queue/${unique('after-bad')}`;
        const outcomes = await lastValueFrom(from([{ body: 'ok' }]).pipe(c.send(q), toArray()));
        expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted']);
        const got = await lastValueFrom(c.fetch(q, { count: 1, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(got).to.deep.equal(['ok']);
      });
    });

    it('errors connect() with AuthenticationError on a wrong password', async () => {
      const err = await firstValueFrom(connect({ ...RABBIT, url: RABBITMQ.amqpUrl({ password: 'wrong' }) })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AuthenticationError);
    });

    it('overflowing the send buffer is a typed error, not silent growth', async () => {
      const err = await withConnection(RABBIT, (c) =>
        lastValueFrom(range(0, 100).pipe(map((i) => ({ body: i })), c.send(`/queue/${unique('overflow')}`, { bufferSize: 10 })))
          .then(() => undefined, (e: unknown) => e));
      expect(err).to.be.instanceOf(SendBufferOverflowError);
    });

    it('mixed settlement per message: outcomes for at-least-once, "sent" for at-most-once', async () => {
      const q = `/queue/${unique('mixed')}`;
      await withConnection(RABBIT, async (c) => {
        const outs = await lastValueFrom(from([{ body: 1, subject: 'important' }, { body: 2 }, { body: 3, subject: 'important' }]).pipe(
          c.send(q, { delivery: (m) => (m.subject === 'important' ? 'at-least-once' : 'at-most-once') }), toArray()));
        const byBody = new Map(outs.map((o) => [o.message.body, o.state]));
        expect([...byBody.entries()].sort()).to.deep.equal([[1, 'accepted'], [2, 'sent'], [3, 'accepted']]);
        const got = await lastValueFrom(c.fetch(q, { count: 3, timeout: 2000 }).pipe(map((m) => m.body), toArray()));
        expect(got).to.deep.equal([1, 2, 3]);
      });
    });

    it('at-most-once sends report "sent" and arrive', async () => {
      const q = `/queue/${unique('amo')}`;
      await withConnection(RABBIT, async (c) => {
        const got = c.receive(q).pipe(take(3), map((m) => m.body), toArray());
        const received = lastValueFrom(got);
        await new Promise((r) => setTimeout(r, 200));
        const outs = await lastValueFrom(from([{ body: 1 }, { body: 2 }, { body: 3 }]).pipe(c.send(q, { delivery: 'at-most-once' }), toArray()));
        expect(outs.map((o) => o.state)).to.deep.equal(['sent', 'sent', 'sent']);
        expect(await received).to.deep.equal([1, 2, 3]);
      });
    });
  });
});

export { EMPTY };
