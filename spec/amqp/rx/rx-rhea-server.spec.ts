/**
 * The reactive API against rhea in the server role (in-process), a peer we can make do anything
 * on demand: open properties and capabilities (AmqpConnection's remote fields and state$), flows
 * with `available`, counted credit flows (creditThreshold), every outcome with its details
 * (rejected condition/description/info, modified with annotations), closes and detaches with an
 * error carrying info, routing by `to` through the anonymous relay, and the send operator's
 * detach when it is unsubscribed mid-stream.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import rhea from 'rhea';
import { ReplaySubject, firstValueFrom, from, lastValueFrom, map, switchMap, take, toArray, type Subscription } from 'rxjs';
import {
  AmqpError, IllegalStateError, MessageDecodeError, type AmqpWarning, TransportError, amqpClient, connect, toNative, type AmqpConnection, type ConnectionState, type Message, type Outcome,
  type ReceiverHandle,
} from '../../../src/amqp/index.js';
import { linkCredit, startRheaServer, writeFlowWithAvailable, type RheaServer } from './rhea-server.js';
import { sleep, until } from '../../support/wait.js';

const unique = (p: string): string => `${p}-${randomUUID()}`;

/** A rhea link's address: the source of a sending link, the target of a receiving one. */
const addressOf = (l: rhea.Sender | rhea.Receiver, side: 'source' | 'target'): string | undefined =>
  (l as unknown as { remote: { attach?: { [k: string]: { address?: string } | undefined } } }).remote.attach?.[side]?.address;

describe('amqp/rx against a rhea server', function () {
  this.timeout(30_000);
  let server: RheaServer;
  /** Per-test behaviour of the server, by link address. */
  let onSenderOpen: (s: rhea.Sender, address: string | undefined) => void;
  let onReceiverOpen: (r: rhea.Receiver, address: string | undefined) => void;
  let onMessage: (ctx: rhea.EventContext) => void;
  /** What the server's receiving links got: link target address, message `to`, body. */
  let received: { linkTarget: string | undefined; to: string | undefined; body: unknown }[];
  let receiverCloses: { address: string | undefined; closed: boolean; error: unknown }[];

  const url = (): string => server.url;
  const options = (containerId = unique('rx')): Parameters<typeof connect>[0] => ({ url: url(), sasl: false, containerId });
  function withConnection<T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> {
    return firstValueFrom(connect(options()).pipe(switchMap((c) => from(f(c))), take(1)));
  }
  /** The server's end of our connection, found by the container-id we sent. */
  const serverSide = (containerId: string): rhea.Connection | undefined =>
    server.connections.find((c) => (c as unknown as { container_id: string }).container_id === containerId);

  before(async () => {
    server = await startRheaServer('rhea-rx-server', {
      container_id: 'rhea-peer-container',
      properties: { product: 'rhea-test-peer', version: '3.0-test', 'x-answer': 42 },
      offered_capabilities: ['ANONYMOUS-RELAY', 'x-test-capability'],
      // Outcomes are chosen per test (onMessage), so nothing is accepted automatically.
      autoaccept: false,
    });
    // rhea answers an attach without the terminus unless told, which by the specification means
    // the link is refused: echo the address the client asked for, as a broker would.
    server.container.on('sender_open', (ctx: rhea.EventContext) => {
      const s = ctx.sender as rhea.Sender;
      const address = addressOf(s, 'source');
      s.set_source({ address: address ?? '' });
      onSenderOpen(s, address);
    });
    server.container.on('receiver_open', (ctx: rhea.EventContext) => {
      const r = ctx.receiver as rhea.Receiver;
      const address = addressOf(r, 'target');
      if (address !== undefined) r.set_target({ address });
      onReceiverOpen(r, address);
    });
    server.container.on('message', (ctx: rhea.EventContext) => {
      received.push({ linkTarget: addressOf(ctx.receiver as rhea.Receiver, 'target'), to: ctx.message?.to, body: ctx.message?.body });
      onMessage(ctx);
    });
    server.container.on('receiver_close', (ctx: rhea.EventContext) => {
      const r = ctx.receiver as rhea.Receiver & { remote: { detach?: { closed?: boolean; error?: unknown } } };
      receiverCloses.push({ address: addressOf(r, 'target'), closed: r.remote.detach?.closed === true, error: r.remote.detach?.error });
    });
  });
  after(() => server.close());
  beforeEach(() => {
    onSenderOpen = () => {};
    onReceiverOpen = () => {};
    onMessage = (ctx) => ctx.delivery?.accept();
    received = [];
    receiverCloses = [];
  });

  describe('AmqpConnection: remote open fields and state$', () => {
    it('exposes the peer container-id, open properties (native view) and offered capabilities', async () => {
      const got = await withConnection(async (c) => ({
        id: c.remoteContainerId, props: c.remoteProperties, caps: c.remoteOfferedCapabilities,
      }));
      expect(got.id).to.equal('rhea-peer-container');
      expect(got.props).to.deep.equal({ product: 'rhea-test-peer', version: '3.0-test', 'x-answer': 42 });
      expect(got.caps).to.deep.equal(['ANONYMOUS-RELAY', 'x-test-capability']);
    });

    /** Connect as `id` and record state$; `ended` resolves with the error, or 'completed'. */
    function watchConnection(id: string): { states: ConnectionState[]; ended: Promise<unknown> } {
      const states: ConnectionState[] = [];
      const ended = new Promise<unknown>((resolve) => {
        connect(options(id)).subscribe({
          next: (c) => { c.state$.subscribe((st) => states.push(st)); },
          error: resolve,
          complete: () => resolve('completed'),
        });
      });
      return { states, ended };
    }

    it('state$: open, then closing on unsubscribe, then closed once the peer answered the close', async () => {
      const id = unique('state');
      const states: ConnectionState[] = [];
      let conn: AmqpConnection | undefined;
      const sub = connect(options(id)).subscribe((c) => {
        conn = c;
        c.state$.subscribe((s) => states.push(s));
      });
      await until(() => conn !== undefined, 'open');
      expect(states).to.deep.equal(['open']);
      const peer = serverSide(id);
      expect(peer?.is_open()).to.equal(true);
      sub.unsubscribe();
      await until(() => states.includes('closed'), 'closed');
      expect(states).to.deep.equal(['open', 'closing', 'closed']);
      // Closed gracefully: the peer received our close frame.
      await until(() => peer?.is_remote_open() === false, 'peer saw the close');
    });

    it('a clean close by the peer completes connect() and moves state$ from open to closed', async () => {
      const id = unique('peer-close');
      const { states, ended } = watchConnection(id);
      const done = ended.then((r) => (r === 'completed' ? 'complete' : `error: ${String(r)}`));
      await until(() => serverSide(id) !== undefined, 'server side');
      serverSide(id)?.close();
      expect(await done).to.equal('complete');
      expect(states).to.deep.equal(['open', 'closed']);
    });

    it('a connection lost without a close frame errors connect() and moves state$ to closed', async () => {
      const id = unique('peer-drop');
      const { states, ended: failed } = watchConnection(id);
      await until(() => serverSide(id) !== undefined, 'server side');
      (serverSide(id) as unknown as { socket: { destroy(): void } }).socket.destroy();
      const err = await failed;
      // Not a completion: losing the socket without a close frame is a failure, typed as such.
      expect(err).to.be.instanceOf(TransportError);
      expect(states).to.deep.equal(['open', 'closed']);
    });

    it('a close with an error is an AmqpError with the condition, description and info', async () => {
      const id = unique('peer-close-error');
      const { states, ended: failed } = watchConnection(id);
      await until(() => serverSide(id) !== undefined, 'server side');
      serverSide(id)?.close({
        condition: 'amqp:connection:forced', description: 'maintenance window',
        info: { 'x-retry-after-ms': 5000, 'x-node': 'node-2' },
      } as unknown as rhea.AmqpError);
      const err = await failed;
      expect(err).to.be.instanceOf(AmqpError);
      const e = err as AmqpError;
      expect(e).to.include({ condition: 'amqp:connection:forced', description: 'maintenance window', scope: 'connection', local: false });
      expect(e.info === undefined ? undefined : toNative(e.info)).to.deep.equal({ 'x-retry-after-ms': 5000, 'x-node': 'node-2' });
      expect(e.message).to.contain('maintenance window');
      expect(states).to.deep.equal(['open', 'closed']);
    });
  });

  describe('receivers: available and creditThreshold', () => {
    it('ReceiverHandle.available shows what the sender last reported in its flow', async () => {
      const q = unique('available');
      let serverSender: rhea.Sender | undefined;
      onSenderOpen = (s, address) => {
        if (address !== q) return;
        serverSender = s;
        // Answer our first credit with a flow saying 42 messages are waiting.
        s.once('sender_flow', () => writeFlowWithAvailable(s, 42));
      };
      await withConnection(async (c) => {
        const handle$ = new ReplaySubject<ReceiverHandle>(1);
        const keep = c.attachReceiver(q).subscribe(handle$);
        try {
          const h = await firstValueFrom(handle$);
          expect(h.available).to.equal(0);
          h.addCredit(3);
          await until(() => h.available === 42, 'available from the flow');
          // The sender's flow kept our credit and delivery-count as they were.
          expect(h.credit).to.equal(3);
          expect(h.deliveryCount).to.equal(0);
          expect(serverSender === undefined ? undefined : linkCredit(serverSender).credit).to.equal(3);
        } finally {
          keep.unsubscribe();
        }
      });
    });

    /**
     * The server sends `n` messages one at a time, each after the previous one was accepted (and a
     * pause), and records for every flow from us how many it had sent and the credit it then had.
     */
    const pacedSource = (q: string, n: number): { flows: { sent: number; credit: number }[] } => {
      const flows: { sent: number; credit: number }[] = [];
      onSenderOpen = (s, address) => {
        if (address !== q) return;
        let sent = 0;
        let started = false;
        const next = (): void => {
          if (sent >= n || !s.sendable()) return;
          sent++;
          s.send({ body: sent });
        };
        s.on('sender_flow', () => {
          flows.push({ sent, credit: linkCredit(s).credit });
          if (!started) { started = true; next(); }
        });
        s.on('accepted', () => { setTimeout(next, 20); });
      };
      return { flows };
    };

    it('receive() tops credit back up to `credit` when it falls to creditThreshold', async () => {
      const q = unique('threshold');
      const src = pacedSource(q, 18);
      const bodies = await withConnection((c) => lastValueFrom(c.receive(q, { credit: 10, creditThreshold: 3 }).pipe(take(18), toArray())));
      expect(bodies.map((m) => m.body)).to.deep.equal(Array.from({ length: 18 }, (_, i) => i + 1));
      // 10 granted; after 7 messages 3 are left: topped up to 10; again after 14.
      expect(src.flows).to.deep.equal([{ sent: 0, credit: 10 }, { sent: 7, credit: 10 }, { sent: 14, credit: 10 }]);
    });

    it('receive() in manual mode gives credit back in steps of credit - creditThreshold as messages are settled', async () => {
      const q = unique('threshold-manual');
      const src = pacedSource(q, 18);
      const bodies = await withConnection((c) => lastValueFrom(c.receive(q, { credit: 10, creditThreshold: 3, settle: 'manual' }).pipe(
        map((m) => { m.accept(); return m.body; }), take(18), toArray())));
      expect(bodies).to.deep.equal(Array.from({ length: 18 }, (_, i) => i + 1));
      expect(src.flows).to.deep.equal([{ sent: 0, credit: 10 }, { sent: 7, credit: 10 }, { sent: 14, credit: 10 }]);
    });

    it('manual mode on a RabbitMQ-like peer (by open product): tops up only when no credit is outstanding', async () => {
      // A second server that calls itself RabbitMQ: the client must not grant while credit is out.
      const rabbit = await startRheaServer('rhea-as-rabbitmq', { container_id: 'fake-rabbit', properties: { product: 'RabbitMQ' }, autoaccept: false });
      try {
        const flows: { sent: number; credit: number }[] = [];
        let sent = 0;
        rabbit.container.on('sender_open', (ctx: rhea.EventContext) => {
          const s = ctx.sender as rhea.Sender;
          s.set_source({ address: addressOf(s, 'source') ?? '' });
          // One message per 20 ms while credit lasts: credit is out when the application settles.
          const tick = setInterval(() => { if (s.sendable() && sent < 30) s.send({ body: ++sent }); }, 20);
          s.on('sender_flow', () => flows.push({ sent, credit: linkCredit(s).credit }));
          s.on('sender_close', () => clearInterval(tick));
          ctx.connection?.on('connection_close', () => clearInterval(tick));
        });
        const got = await firstValueFrom(connect({ url: rabbit.url, sasl: false }).pipe(
          switchMap((c) => c.receive('q', { credit: 10, creditThreshold: 7, settle: 'manual' })),
          map((m) => { m.accept(); return m.body; }),
          take(30),
          toArray(),
        ));
        expect(got).to.have.length(30);
        // Every flow after the first came when the server had used up its credit.
        expect(flows.length).to.be.greaterThan(1);
        for (const f of flows.slice(1)) expect(f.sent % 10 === 0 || f.credit <= 10, JSON.stringify(flows)).to.equal(true);
        expect(flows.slice(1).map((f) => f.sent % 10), JSON.stringify(flows)).to.deep.equal(flows.slice(1).map(() => 0));
      } finally {
        await rabbit.close();
      }
    });

    it('manual mode on a RabbitMQ-like peer: a released message gets a grant of the window less what is outstanding', async () => {
      const rabbit = await startRheaServer('rhea-as-rabbitmq-release', { container_id: 'fake-rabbit-2', properties: { product: 'RabbitMQ' }, autoaccept: false });
      try {
        const flows: number[] = [];
        rabbit.container.on('sender_open', (ctx: rhea.EventContext) => {
          const s = ctx.sender as rhea.Sender;
          s.set_source({ address: addressOf(s, 'source') ?? '' });
          let sent = false;
          s.on('sender_flow', () => {
            flows.push(linkCredit(s).credit);
            if (!sent) { sent = true; s.send({ body: 'once' }); } // one message, 9 credits left out
          });
        });
        const sub = connect({ url: rabbit.url, sasl: false }).pipe(
          switchMap((c) => c.receive('q', { credit: 10, settle: 'manual' })),
        ).subscribe((m) => m.release());
        try {
          await until(() => flows.length >= 2, 'a flow after the release');
          // The first grant, then window (10 - 0 unsettled) less the 9 outstanding: 1.
          expect(flows).to.deep.equal([10, 1]);
        } finally {
          sub.unsubscribe();
        }
      } finally {
        await rabbit.close();
      }
    });

    it('receive() without creditThreshold tops up at half the credit window', async () => {
      const q = unique('threshold-default');
      const src = pacedSource(q, 18);
      await withConnection((c) => lastValueFrom(c.receive(q, { credit: 10 }).pipe(take(18), toArray())));
      expect(src.flows).to.deep.equal([{ sent: 0, credit: 10 }, { sent: 5, credit: 10 }, { sent: 10, credit: 10 }, { sent: 15, credit: 10 }]);
    });
  });

  describe('the send operator', () => {
    it('reports rejected with condition, description and info, and modified with its annotations', async () => {
      const q = unique('outcomes');
      onMessage = (ctx) => {
        const d = ctx.delivery as rhea.Delivery;
        // One disposition per delivery, each on its own turn: rhea 3 merges a disposition that
        // follows a single pending one into a range even when their outcomes differ.
        setTimeout(() => settle(d, ctx.message?.subject), 10 * Number(ctx.message?.body));
      };
      const settle = (d: rhea.Delivery, subject: string | undefined): void => {
        switch (subject) {
          case 'reject':
            d.reject({ condition: 'x-app:invalid-order', description: 'order 7 has no lines', info: { field: 'lines', order: 7 } } as unknown as rhea.AmqpError);
            return;
          case 'modify':
            d.modified({ delivery_failed: true, undeliverable_here: true, message_annotations: { 'x-opt-reason': 'busy', 'x-opt-attempt': 3 } });
            return;
          case 'modify-plain':
            d.modified({ delivery_failed: false, undeliverable_here: false });
            return;
          case 'release':
            d.release();
            return;
          default:
            d.accept();
        }
      };
      const outcomes = await withConnection((c) => lastValueFrom(from<Message[]>([
        { body: 1 }, { body: 2, subject: 'reject' }, { body: 3, subject: 'modify' }, { body: 4, subject: 'release' },
        { body: 5, subject: 'modify-plain' },
      ]).pipe(c.send(q), toArray())));
      const by = new Map<unknown, Outcome>(outcomes.map((o) => [o.message.body, o]));
      expect(by.get(1)?.state).to.equal('accepted');

      const rejected = by.get(2);
      if (rejected?.state !== 'rejected') expect.fail(`message 2: ${rejected?.state} instead of rejected`);
      expect(rejected?.error).to.be.instanceOf(AmqpError);
      expect(rejected?.error).to.include({ condition: 'x-app:invalid-order', description: 'order 7 has no lines', scope: 'delivery', local: false });
      const info = rejected?.error?.info;
      expect(info === undefined ? undefined : toNative(info)).to.deep.equal({ field: 'lines', order: 7 });

      expect(by.get(3)).to.deep.include({
        state: 'modified', deliveryFailed: true, undeliverableHere: true,
        messageAnnotations: { 'x-opt-reason': 'busy', 'x-opt-attempt': 3 },
      });
      expect(by.get(4)?.state).to.equal('released');
      const plain = by.get(5);
      if (plain?.state !== 'modified') expect.fail(`message 5: ${plain?.state} instead of modified`);
      expect(plain?.deliveryFailed).to.equal(false);
      expect(plain?.messageAnnotations).to.equal(undefined);
    });

    it('detaches its link when unsubscribed mid-stream (upstream open, an outcome outstanding)', async () => {
      const q = unique('mid-stream');
      onMessage = (ctx) => { if (ctx.message?.body !== 3) ctx.delivery?.accept(); };
      await withConnection(async (c) => {
        // Replayed: the operator subscribes to its upstream once its session is there. Never completed.
        const upstream = new ReplaySubject<Message>();
        const outcomes: Outcome[] = [];
        let ended = false;
        const sub: Subscription = upstream.pipe(c.send(q)).subscribe({
          next: (o) => outcomes.push(o),
          error: () => { ended = true; },
          complete: () => { ended = true; },
        });
        for (const body of [1, 2, 3]) upstream.next({ body });
        await until(() => outcomes.length === 2 && received.length === 3, `two outcomes, three transfers (${outcomes.length}, ${received.length})`);
        expect(receiverCloses).to.deep.equal([]);
        sub.unsubscribe();
        await until(() => receiverCloses.length === 1, 'the detach at the peer');
        expect(receiverCloses[0]).to.deep.include({ address: q, closed: true, error: undefined });
        expect(ended).to.equal(false);
        // Only the link went: the connection is still usable.
        const more = await lastValueFrom(from<Message[]>([{ body: 4 }]).pipe(c.send(q), toArray()));
        expect(more.map((o) => o.state)).to.deep.equal(['accepted']);
      });
    });

    it('errors with the peer\'s detach error (condition, description, info)', async () => {
      const q = unique('detach-sender');
      onReceiverOpen = (r, address) => {
        if (address === q) r.close({ condition: 'amqp:unauthorized-access', description: 'no sending to this node', info: { 'x-policy': 'read-only' } } as unknown as rhea.AmqpError);
      };
      const err = await withConnection((c) => lastValueFrom(from<Message[]>([{ body: 1 }]).pipe(c.send(q))).then(() => undefined, (e: unknown) => e));
      expect(err).to.be.instanceOf(AmqpError);
      const e = err as AmqpError;
      expect(e).to.include({ condition: 'amqp:unauthorized-access', description: 'no sending to this node', scope: 'link', local: false });
      expect(e.info === undefined ? undefined : toNative(e.info)).to.deep.equal({ 'x-policy': 'read-only' });
    });
  });

  describe('receivers: a detach with an error', () => {
    it('errors receive() with the condition, description and info', async () => {
      const q = unique('detach-receiver');
      onSenderOpen = (s, address) => {
        if (address !== q) return;
        s.once('sender_flow', () => s.close({ condition: 'amqp:link:stolen', description: 'another consumer took the link', info: { 'x-owner': 'consumer-b' } } as unknown as rhea.AmqpError));
      };
      const err = await withConnection((c) => lastValueFrom(c.receive(q)).then(() => undefined, (e: unknown) => e));
      expect(err).to.be.instanceOf(AmqpError);
      const e = err as AmqpError;
      expect(e).to.include({ condition: 'amqp:link:stolen', description: 'another consumer took the link', scope: 'link', local: false });
      expect(e.info === undefined ? undefined : toNative(e.info)).to.deep.equal({ 'x-owner': 'consumer-b' });
    });

    it('completes receive() on a detach without an error', async () => {
      const q = unique('detach-clean');
      onSenderOpen = (s, address) => {
        if (address === q) s.once('sender_flow', () => { s.send({ body: 'only' }); setTimeout(() => s.close(), 50); });
      };
      const got = await withConnection((c) => lastValueFrom(c.receive(q).pipe(toArray())));
      expect(got.map((m) => m.body)).to.deep.equal(['only']);
    });
  });

  describe('receivers: a message that does not decode', () => {
    /** On link `q`: one good message, then bytes that are no message (65 zero bytes: described-type nesting). */
    function sendGoodThenGarbage(q: string, outcomes: { state: string; condition?: string; description?: string }[]): void {
      onSenderOpen = (s, address) => {
        if (address !== q) return;
        s.on('accepted', () => outcomes.push({ state: 'accepted' }));
        s.on('rejected', (ctx: rhea.EventContext) => {
          const err = (ctx.delivery as unknown as { remote_state?: { error?: { condition?: string; description?: string } } }).remote_state?.error;
          outcomes.push({ state: 'rejected', condition: err?.condition, description: err?.description });
        });
        s.once('sendable', () => {
          s.send({ body: 'fine' });
          s.send(Buffer.alloc(65), undefined, 0);
          s.send({ body: 'after' });
        });
      };
    }

    for (const how of ['receive', 'fetch'] as const) {
      it(`${how}(): by default the message is rejected with amqp:decode-error, reported as a warning, and the stream goes on`, async () => {
        const q = unique(`garbage-default-${how}`);
        const outcomes: { state: string; condition?: string; description?: string }[] = [];
        sendGoodThenGarbage(q, outcomes);
        const warnings: AmqpWarning[] = [];
        const bodies = await firstValueFrom(connect({ ...options() as object, url: url(), onWarning: (w) => warnings.push(w) }).pipe(
          switchMap((c) => (how === 'receive' ? c.receive(q) : c.fetch(q, { count: 3, timeout: 5000 })).pipe(take(2), map((m) => m.body), toArray())),
        ));
        expect(bodies).to.deep.equal(['fine', 'after']);
        expect(warnings).to.have.length(1);
        const w = warnings[0];
        expect(w.code).to.equal('undecodable-message');
        expect(w.code === 'undecodable-message' && w.error).to.be.instanceOf(MessageDecodeError).and.include({ deliveryId: 1, rejected: true });
        expect(w.message).to.match(/does not decode: nesting deeper than 64; it was rejected with amqp:decode-error and the stream goes on$/);
        await until(() => outcomes.length === 3, 'the three outcomes at the server');
        expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'rejected', 'accepted']);
        expect(outcomes[1]).to.include({ condition: 'amqp:decode-error' });
      });

      it(`${how}(): with onDecodeError 'error' the stream fails with MessageDecodeError, and the delivery goes back rejected with amqp:decode-error`, async () => {
        const q = unique(`garbage-${how}`);
        const outcomes: { state: string; condition?: string; description?: string }[] = [];
        sendGoodThenGarbage(q, outcomes);
        const bodies: unknown[] = [];
        const err = await withConnection((c) => lastValueFrom((how === 'receive' ? c.receive(q, { onDecodeError: 'error' }) : c.fetch(q, { count: 5, timeout: 5000, onDecodeError: 'error' })).pipe(map((m) => bodies.push(m.body))))
          .then(() => undefined, (e: unknown) => e));
        expect(bodies).to.deep.equal(['fine']);
        expect(err).to.be.instanceOf(MessageDecodeError);
        const e = err as MessageDecodeError;
        expect(e).to.include({ deliveryId: 1, rejected: true });
        expect(e.message).to.match(/^message 1 on rx-mq-(receiver|fetch)-garbage-.* does not decode: nesting deeper than 64 \(at byte 64\)$/);
        await until(() => outcomes.length >= 2, 'both outcomes at the server');
        expect(outcomes[0]).to.deep.equal({ state: 'accepted' });
        expect(outcomes[1]).to.include({ state: 'rejected', condition: 'amqp:decode-error' });
        expect(outcomes[1].description).to.contain('nesting deeper than 64');
      });
    }
  });

  describe('routing by `to` (SendOptions.routeByTo)', () => {
    it('sends messages with `to` to their own address and the others to the target, on one relay link', async () => {
      const q = unique('orders');
      const links: (string | undefined)[] = [];
      onReceiverOpen = (_r, address) => { links.push(address); };
      const outcomes = await withConnection((c) => lastValueFrom(from<Message[]>([
        { body: 1 }, { body: 2, to: 'audit' }, { body: 3 },
      ]).pipe(c.send(q, { routeByTo: true }), toArray())));
      // One link, to the anonymous relay (no target address).
      expect(links).to.deep.equal([undefined]);
      expect(received).to.deep.equal([
        { linkTarget: undefined, to: q, body: 1 },
        { linkTarget: undefined, to: 'audit', body: 2 },
        { linkTarget: undefined, to: q, body: 3 },
      ]);
      expect(outcomes.map((o) => [o.state, o.message.to])).to.deep.equal([['accepted', q], ['accepted', 'audit'], ['accepted', q]]);
    });

    it('without routeByTo the link has the target and `to` is left as the message set it', async () => {
      const q = unique('plain');
      await withConnection((c) => lastValueFrom(from<Message[]>([{ body: 1 }, { body: 2, to: 'elsewhere' }]).pipe(c.send(q), toArray())));
      expect(received).to.deep.equal([{ linkTarget: q, to: undefined, body: 1 }, { linkTarget: q, to: 'elsewhere', body: 2 }]);
    });

    for (const [title, opts] of [['send(null)', {}], ['send(null, { routeByTo: true })', { routeByTo: true }]] as const) {
      it(`${title}: a message without \`to\` is a typed error, and it never reaches the peer`, async () => {
        const err = await withConnection((c) => lastValueFrom(from<Message[]>([{ body: 1, to: 'somewhere' }, { body: 2 }, { body: 3, to: 'somewhere' }]).pipe(
          c.send(null, opts), toArray())).then(() => undefined, (e: unknown) => e));
        expect(err).to.be.instanceOf(IllegalStateError);
        expect((err as Error).message).to.match(/anonymous relay needs `to`/);
        await sleep(200);
        expect(received.map((r) => r.body)).to.not.include(2);
        expect(received.map((r) => r.body)).to.not.include(3);
      });
    }

    it('amqpClient.send routes by `to` the same way', async () => {
      const q = unique('client-orders');
      const client = amqpClient({ urls: url(), sasl: false });
      try {
        const outcomes = await lastValueFrom(from<Message[]>([{ body: 1 }, { body: 2, to: 'audit' }]).pipe(
          client.send(q, { routeByTo: true }), toArray()));
        expect(outcomes.map((o) => [o.state, o.message.to])).to.deep.equal([['accepted', q], ['accepted', 'audit']]);
        expect(received).to.deep.equal([{ linkTarget: undefined, to: q, body: 1 }, { linkTarget: undefined, to: 'audit', body: 2 }]);
      } finally {
        await client.close();
      }
    });
  });
});
