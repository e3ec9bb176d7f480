/**
 * quiesce.ts: on a peer that strands deliveries in flight when a link detaches (RabbitMQ 3.x, by
 * its open properties), a receiver that ends with credit outstanding first takes the credit back
 * (flow link-credit=0), waits for the peer's answering flow, releases what arrived meanwhile, and
 * only then detaches; a peer that never answers is detached from after QUIESCE_TIMEOUT_MS. Other
 * peers are detached from at once. The peer is our scripted server, which (unlike rhea) can have
 * transfers on their way after the credit is gone, as RabbitMQ does.
 */
import { expect } from 'chai';
import { ReplaySubject, firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { connect, type AmqpConnection } from '../../../src/amqp/index.js';
import { QUIESCE_TIMEOUT_MS } from '../../../src/amqp/rx/quiesce.js';
import type { Performative } from '../../../src/amqp/frames/definitions.generated.js';
import { answerAttach, frames, payloadOf, scriptedAmqpServer, transfers, type ScriptedAmqpServer } from '../../support/hostile-amqp-server.js';
import { until } from '../../support/wait.js';


/** What the peer saw of the receiving link, in order, with times (ms since the attach). */
interface PeerLog {
  readonly events: string[];
  readonly at: Record<string, number>;
  /** The outcome of each delivery-id the client settled. */
  readonly outcomes: Record<number, string>;
}

/**
 * A scripted server calling itself `product` `version`. On the first credit it sends `initial`
 * messages; on the flow that takes the credit back it sends `late` more at once (what the broker
 * had on its way) and answers `answerAfter` ms later (undefined: never).
 */
async function peer(product: string, version: string, initial: number, late: number, answerAfter: number | undefined): Promise<{ server: ScriptedAmqpServer; log: PeerLog }> {
  const log: PeerLog = { events: [], at: {}, outcomes: {} };
  let t0 = 0;
  const note = (e: string): void => { log.events.push(e); log.at[e] ??= Date.now() - t0; };
  let next = 0;
  const server = await scriptedAmqpServer({
    properties: { product, version },
    script: (p: Performative, ch, conn) => {
      if (p.kind === 'attach') {
        t0 = Date.now();
        conn.write(frames([ch, answerAttach(p, p.handle)]));
      } else if (p.kind === 'flow' && p.handle !== undefined) {
        const credit = p.linkCredit ?? 0;
        note(`flow ${credit}`);
        if (credit > 0 && next === 0) {
          conn.write(transfers(ch, p.handle, 0, initial, payloadOf('m')));
          next = initial;
        }
        if (credit === 0) {
          if (late > 0) conn.write(transfers(ch, p.handle, next, late, payloadOf('late')));
          next += late;
          const handle = p.handle;
          if (answerAfter !== undefined) {
            setTimeout(() => {
              note('answer');
              conn.write(frames([ch, { kind: 'flow', nextIncomingId: 0, incomingWindow: 65536, nextOutgoingId: next, outgoingWindow: 65536, handle, deliveryCount: next, linkCredit: 0, available: 0 }]));
            }, answerAfter);
          }
        }
      } else if (p.kind === 'disposition') {
        for (let id = p.first; id <= (p.last ?? p.first); id++) log.outcomes[id] = p.state !== undefined && 'kind' in p.state ? String(p.state.kind) : 'none';
      } else if (p.kind === 'detach') {
        note('detach');
        conn.write(frames([ch, { kind: 'detach', handle: p.handle, closed: p.closed }]));
      } else {
        return false;
      }
      return true;
    },
  });
  return { server, log };
}

/** Open a connection kept for the test (the quiesce happens while it lives); closed in afterEach. */
async function openConnection(url: string): Promise<{ c: AmqpConnection; close(): void }> {
  const subject = new ReplaySubject<AmqpConnection>(1);
  const sub = connect({ url, sasl: false }).subscribe(subject);
  return { c: await firstValueFrom(subject), close: () => sub.unsubscribe() };
}

describe('amqp/rx quiesce: the credit taken back before a receiver detaches', function () {
  this.timeout(20_000);
  let server: ScriptedAmqpServer | undefined;
  let conn: { c: AmqpConnection; close(): void } | undefined;
  afterEach(async () => {
    conn?.close();
    conn = undefined;
    await server?.close();
    server = undefined;
  });

  it('RabbitMQ 3.x: flow credit 0, the answer awaited, late arrivals released, then the detach', async () => {
    const p = await peer('RabbitMQ', '3.10.7', 3, 2, 150);
    server = p.server;
    conn = await openConnection(server.url);
    await lastValueFrom(conn.c.receive('q', { credit: 10, settle: 'manual' }).pipe(map((m) => m.accept()), take(1)));
    await until(() => p.log.events.includes('detach'), 'the detach');
    expect(p.log.events).to.deep.equal(['flow 10', 'flow 0', 'answer', 'detach']);
    expect(p.log.at.detach).to.be.at.least(p.log.at.answer as number);
    // The one taken was accepted; the two held and the two on their way were given back.
    expect(p.log.outcomes).to.deep.equal({ 0: 'accepted', 1: 'released', 2: 'released', 3: 'released', 4: 'released' });
  });

  it('RabbitMQ 3.x that never answers: detached from after QUIESCE_TIMEOUT_MS, late arrivals released', async () => {
    const p = await peer('RabbitMQ', '3.10.7', 1, 1, undefined);
    server = p.server;
    conn = await openConnection(server.url);
    await lastValueFrom(conn.c.receive('q', { credit: 10 }).pipe(take(1)));
    await until(() => p.log.events.includes('detach'), 'the detach', QUIESCE_TIMEOUT_MS + 3000);
    expect(p.log.events).to.deep.equal(['flow 10', 'flow 0', 'detach']);
    expect((p.log.at.detach as number) - (p.log.at['flow 0'] as number)).to.be.at.least(QUIESCE_TIMEOUT_MS - 50);
    expect(p.log.outcomes).to.deep.equal({ 0: 'accepted', 1: 'released' });
  });

  it('a connection closed during the wait closes at once: ending the session gives everything back', async () => {
    const p = await peer('RabbitMQ', '3.10.7', 1, 0, undefined);
    server = p.server;
    conn = await openConnection(server.url);
    const serverSide = await server.connection(0);
    const closed = new Promise<number>((r) => serverSide.socket.once('close', () => r(Date.now())));
    await lastValueFrom(conn.c.receive('q', { credit: 10 }).pipe(take(1)));
    await until(() => p.log.events.includes('flow 0'), 'the credit taken back');
    const t0 = Date.now();
    conn.close();
    conn = undefined;
    expect(await closed - t0, 'ms to the socket closed').to.be.below(QUIESCE_TIMEOUT_MS / 2);
    expect(p.log.events).to.deep.equal(['flow 10', 'flow 0']);
  });

  it('a peer that does not strand (RabbitMQ 4, any other product): detached from at once, no credit taken back', async () => {
    for (const [product, version] of [['RabbitMQ', '4.0.5'], ['some-broker', '1.0']] as const) {
      const p = await peer(product, version, 1, 0, 0);
      server = p.server;
      conn = await openConnection(server.url);
      await lastValueFrom(conn.c.receive('q', { credit: 10 }).pipe(take(1)));
      await until(() => p.log.events.includes('detach'), 'the detach');
      expect(p.log.events, `${product} ${version}`).to.deep.equal(['flow 10', 'detach']);
      conn.close();
      conn = undefined;
      await server.close();
      server = undefined;
    }
  });

  it('a receive unsubscribed with no credit outstanding detaches at once on RabbitMQ 3.x too', async () => {
    const p = await peer('RabbitMQ', '3.10.7', 2, 0, 0);
    server = p.server;
    conn = await openConnection(server.url);
    await lastValueFrom(conn.c.receive('q', { credit: 2 }).pipe(take(2)));
    await until(() => p.log.events.includes('detach'), 'the detach');
    expect(p.log.events).to.deep.equal(['flow 2', 'detach']);
  });

  it('fetch on RabbitMQ 3.x: a timeout takes the credit back; what arrives before the answer is fetched', async () => {
    const p = await peer('RabbitMQ', '3.10.7', 1, 1, 100);
    server = p.server;
    conn = await openConnection(server.url);
    const bodies = await lastValueFrom(conn.c.fetch('q', { count: 5, timeout: 200 }).pipe(map((m) => m.body), toArray()));
    expect(bodies).to.deep.equal(['m', 'late']);
    await until(() => p.log.events.includes('detach'), 'the detach');
    expect(p.log.events).to.deep.equal(['flow 5', 'flow 0', 'answer', 'detach']);
    expect(p.log.outcomes).to.deep.equal({ 0: 'accepted', 1: 'accepted' });
  });
});
