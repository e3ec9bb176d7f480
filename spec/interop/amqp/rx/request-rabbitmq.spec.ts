/**
 * request() to a fixed reply queue on RabbitMQ 3.10, which has no dynamic nodes: rx-mq asks, and
 * a responder written with rhea (an independent AMQP 1.0 client) answers each request on the
 * request's reply-to with correlation-id = its message-id. Many requests in flight; a request
 * without an answer times out; amqpClient does the same.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, mergeMap, range, toArray } from 'rxjs';
import rhea from 'rhea';
import { amqpClient, connect } from '../../../../src/amqp/index.js';
import { TimeoutError } from '../../../../src/errors.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

interface Responder { close(): void }

/** A rhea responder on `queue`: replies `echo:<body>` to each request's reply-to. */
function startResponder(queue: string): Promise<Responder> {
  const container = rhea.create_container({ id: `rhea-responder-${process.pid}` });
  container.on('error', () => {});
  const conn = container.connect({
    host: PEERS.rabbitAmqp.host, port: PEERS.rabbitAmqp.port, username: RABBITMQ.user, password: RABBITMQ.password,
    reconnect: false, hostname: 'vhost:/',
  } as rhea.ConnectionOptions);
  const senders = new Map<string, rhea.Sender>();
  conn.on('message', (ctx: rhea.EventContext) => {
    const m = ctx.message as rhea.Message;
    if (typeof m.reply_to !== 'string') return;
    let s = senders.get(m.reply_to);
    if (s === undefined) {
      s = conn.open_sender(m.reply_to);
      senders.set(m.reply_to, s);
    }
    s.send({ body: `echo:${String(m.body)}`, correlation_id: m.message_id });
  });
  return new Promise((resolve, reject) => {
    const r = conn.open_receiver({ source: { address: queue }, credit_window: 100 });
    r.once('receiver_open', () => resolve({ close: () => conn.close() }));
    conn.once('connection_error', () => reject(new Error(String(conn.error))));
    conn.once('disconnected', (ctx: rhea.EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
}

describe('interop: request() to a fixed reply queue on RabbitMQ 3.10 (rhea responder)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);
  const stamp = `${process.pid}-${Date.now()}`;
  const service = `/queue/rxmq-req-service-${stamp}`;
  let responder: Responder;

  before(async () => { responder = await startResponder(service); });
  after(() => responder?.close());

  it('30 requests in flight, each reply matched to its request through the fixed reply queue', async () => {
    const replyTo = `/queue/rxmq-req-replies-${stamp}`;
    const replies = await firstValueFrom(connect({ url: RABBITMQ.amqpUrl(), onWarning: () => {} }).pipe(mergeMap((c) => lastValueFrom(range(0, 30).pipe(
      mergeMap((n) => c.request<string, string>(service, { body: `q${n}` }, { replyTo, timeout: 10_000 })),
      toArray(),
    )))));
    expect(replies.map((m) => m.body).sort()).to.deep.equal(Array.from({ length: 30 }, (_, n) => `echo:q${n}`).sort());
  });

  it('a request nobody answers times out (the fixed reply queue stays usable)', async () => {
    const replyTo = `/queue/rxmq-req-replies-t-${stamp}`;
    await firstValueFrom(connect({ url: RABBITMQ.amqpUrl(), onWarning: () => {} }).pipe(mergeMap(async (c) => {
      const err = await firstValueFrom(c.request(`/queue/rxmq-req-nobody-${stamp}`, { body: 'x' }, { replyTo, timeout: 300 })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
      const ok = await firstValueFrom(c.request<string, string>(service, { body: 'after' }, { replyTo }));
      expect(ok.body).to.equal('echo:after');
    })));
  });

  it('amqpClient.request with the fixed reply queue', async () => {
    const client = amqpClient({ urls: RABBITMQ.amqpUrl(), onWarning: () => {} });
    try {
      const r = await firstValueFrom(client.request<string, string>(service, { body: 'client' }, { replyTo: `/queue/rxmq-req-replies-c-${stamp}` }));
      expect(r.body).to.equal('echo:client');
    } finally {
      await client.close();
    }
  });
});
