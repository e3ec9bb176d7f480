/**
 * Test support: rhea as a small queue broker that behaves like RabbitMQ 3.10's AMQP 1.0 plugin
 * where that matters to error handling and settlement:
 * - an attach naming an address that starts with `missing` is answered by ending the whole
 *   session with amqp:not-found (no attach answer), as RabbitMQ does for `/exchange/missing`;
 *   one starting with `refused` is answered with a link detach carrying amqp:unauthorized-access;
 * - a delivery our receiver leaves unsettled stays held by the broker after the link detaches,
 *   for as long as the session lives (RabbitMQ keeps them unacknowledged), so a client that does
 *   not release before detaching strands them; `released` puts a message back at the head of its
 *   queue, `accepted` removes it.
 * - a link to an address starting with `doomed` is attached, and 20 ms later the peer ends its
 *   session with amqp:resource-limit-exceeded: a session ended while the link was attached.
 * Dynamic sources get a fresh address, so request/reply works.
 */
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';

/** What the broker holds for one address. */
export interface RheaQueueInfo {
  /** Messages waiting to be sent. */
  readonly ready: number;
  /** Messages sent and not yet settled by the receiver (held even after its link detached). */
  readonly unacked: number;
  /** Accepted so far. */
  readonly accepted: number;
  /** Released so far. */
  readonly released: number;
}

export interface RheaQueue {
  readonly url: string;
  /** Put messages on a queue. */
  put(address: string, bodies: readonly unknown[]): void;
  info(address: string): RheaQueueInfo;
  /** How many sessions the server ended with an error. */
  readonly sessionsEnded: number;
  /** Attaches seen for an address (both roles). */
  attaches(address: string): number;
  /** Connections accepted. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Node {
  readonly ready: rhea.Message[];
  readonly held: Set<rhea.Delivery>;
  accepted: number;
  released: number;
}

/** rhea's listen() takes connection options its typings do not list. */
type Listen = (o: object) => Server;

export async function startRheaQueue(): Promise<RheaQueue> {
  const container = rhea.create_container({ id: 'rhea-queue' });
  const nodes = new Map<string, Node>();
  const consumers = new Map<string, rhea.Sender[]>();
  const sent = new Map<rhea.Delivery, { address: string; message: rhea.Message }>();
  let sessionsEnded = 0;
  let connections = 0;
  let dynamic = 0;
  const attaches = new Map<string, number>();
  const queuedOn = new Map<rhea.Sender, number>();
  const node = (a: string): Node => {
    let n = nodes.get(a);
    if (n === undefined) nodes.set(a, n = { ready: [], held: new Set(), accepted: 0, released: 0 });
    return n;
  };
  const dispatch = (address: string): void => {
    const n = node(address);
    for (const s of consumers.get(address) ?? []) {
      // rhea counts credit down only when a transfer goes out, not on send(): count what is
      // queued ourselves, so that no message waits on a link without credit (and dies with it).
      const out = s as unknown as { credit: number; delivery_count: number };
      while (n.ready.length > 0 && s.is_open() && out.credit - ((queuedOn.get(s) ?? 0) - out.delivery_count) > 0) {
        queuedOn.set(s, (queuedOn.get(s) ?? 0) + 1);
        const message = n.ready.shift() as rhea.Message;
        const d = s.send(message);
        n.held.add(d);
        sent.set(d, { address, message });
      }
    }
  };
  /** The peer settled delivery `d`: account for it, requeue it when released. */
  const settled = (d: rhea.Delivery, outcome: 'accepted' | 'released'): void => {
    const entry = sent.get(d);
    if (entry === undefined) return;
    sent.delete(d);
    const n = node(entry.address);
    n.held.delete(d);
    if (outcome === 'accepted') n.accepted++;
    else {
      n.released++;
      n.ready.unshift(entry.message);
      dispatch(entry.address);
    }
  };
  /** RabbitMQ's answer to an attach naming a missing node: end the session, not the link. */
  const refuse = (link: rhea.Sender | rhea.Receiver, address: string): boolean => {
    attaches.set(address, (attaches.get(address) ?? 0) + 1);
    if (address.startsWith('doomed')) {
      setTimeout(() => {
        sessionsEnded++;
        link.session.close({ condition: 'amqp:resource-limit-exceeded', description: 'doomed' } as unknown as rhea.AmqpError);
      }, 20);
      return false;
    }
    if (address.startsWith('missing')) {
      sessionsEnded++;
      link.session.close({ condition: 'amqp:not-found', description: `NOT_FOUND - no node '${address}'` } as unknown as rhea.AmqpError);
      return true;
    }
    if (address.startsWith('refused')) {
      link.close({ condition: 'amqp:unauthorized-access', description: `no access to '${address}'` } as unknown as rhea.AmqpError);
      return true;
    }
    return false;
  };
  container.on('connection_open', () => { connections++; });
  container.on('sender_open', (ctx: rhea.EventContext) => {
    const s = ctx.sender as rhea.Sender;
    const src = s.source as { address?: string; dynamic?: boolean } | undefined;
    const address = src?.dynamic ? `reply-${++dynamic}` : String(src?.address ?? '');
    if (refuse(s, address)) return;
    s.set_source({ address });
    consumers.set(address, [...(consumers.get(address) ?? []), s]);
  });
  container.on('receiver_open', (ctx: rhea.EventContext) => {
    const r = ctx.receiver as rhea.Receiver;
    refuse(r, String(r.target?.address ?? ''));
  });
  container.on('message', (ctx: rhea.EventContext) => {
    const m = ctx.message as rhea.Message;
    const address = String(ctx.receiver?.target?.address ?? '');
    // A request: answer to its reply-to with the same body and the request's id as correlation-id.
    if (address === 'echo' && m.reply_to !== undefined) {
      node(String(m.reply_to)).ready.push({ body: m.body, correlation_id: m.message_id });
      return dispatch(String(m.reply_to));
    }
    node(address).ready.push(m);
    dispatch(address);
  });
  container.on('sendable', (ctx: rhea.EventContext) => dispatch(String(ctx.sender?.source?.address ?? '')));
  container.on('accepted', (ctx: rhea.EventContext) => settled(ctx.delivery as rhea.Delivery, 'accepted'));
  container.on('released', (ctx: rhea.EventContext) => settled(ctx.delivery as rhea.Delivery, 'released'));
  container.on('sender_close', (ctx: rhea.EventContext) => {
    // Unsettled deliveries stay held (RabbitMQ 3.10 keeps them unacknowledged after a detach).
    for (const [a, list] of consumers) consumers.set(a, list.filter((x) => x !== ctx.sender));
  });
  container.on('session_close', (ctx: rhea.EventContext) => {
    // The session is gone: what it held goes back, as RabbitMQ does when a session ends.
    for (const [d, entry] of [...sent]) {
      if ((d as unknown as { link: { session: unknown } }).link.session === ctx.session) settled(d, 'released');
      void entry;
    }
  });
  container.on('disconnected', () => {});
  container.on('error', () => {});
  const server = (container.listen.bind(container) as unknown as Listen)({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `amqp://127.0.0.1:${port}`,
    put: (address, bodies) => {
      node(address).ready.push(...bodies.map((body) => ({ body })));
      dispatch(address);
    },
    info: (address) => {
      const n = node(address);
      return { ready: n.ready.length, unacked: n.held.size, accepted: n.accepted, released: n.released };
    },
    get sessionsEnded() { return sessionsEnded; },
    attaches: (address) => attaches.get(address) ?? 0,
    get connections() { return connections; },
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      setTimeout(r, 300);
    }),
  };
}
