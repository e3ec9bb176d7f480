/**
 * rhea (an independent AMQP 1.0 implementation) as a listening peer with request/reply nodes, the
 * way Azure Service Bus and Event Hubs serve `$cbs` and `$management`: requests arrive on a node's
 * address; a reply goes to the link whose name or target address is the request's reply-to (the
 * management pattern) or whose source address is the reply-to (a reply queue), with
 * correlation-id = the request's message-id. A `$cbs` node checks put-token requests with a
 * test's function and answers with status-code and status-description, and the peer refuses links
 * to other addresses until a token was accepted (as Azure does: links need a valid claim). Other
 * addresses are plain in-memory queues, so that the application's links can be seen to work.
 */
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';

/** A request as the node saw it, with what the reply should be. */
export interface NodeRequest {
  readonly node: string;
  readonly message: rhea.Message;
  readonly at: number;
}

/** What a node answers: a reply message (sent to the reply-to), or nothing (silence). */
export type NodeHandler = (req: NodeRequest) => Promise<Partial<rhea.Message> | undefined> | Partial<rhea.Message> | undefined;

/** The CBS verdict on one put-token: a status code and its description. */
export type TokenCheck = (req: { token: unknown; type: unknown; name: unknown; expiration: unknown }) => { code: number; description: string } | undefined;

export interface ManagementPeer {
  readonly port: number;
  readonly url: string;
  /** Every request each node received, in order. */
  readonly requests: NodeRequest[];
  /** Reply links the client attached: name, source and target addresses. */
  readonly replyLinks: { readonly name: string; readonly source: string | undefined; readonly target: string | undefined }[];
  /** Links the peer refused for want of an accepted token. */
  readonly refusedForClaims: string[];
  /** Addresses of links the client attached apart from reply links and node senders, in order. */
  readonly attached: string[];
  /** Install or replace the handler of a node address. */
  handle(node: string, handler: NodeHandler): void;
  /** Send a message to a reply address now (a late or a stray reply). */
  replyTo(address: string, message: Partial<rhea.Message>): boolean;
  close(): Promise<void>;
}

export interface ManagementPeerOptions {
  /** Check each put-token to `$cbs`; without it there is no `$cbs` node (its attach is refused like any unknown node). */
  readonly cbs?: TokenCheck;
  /** Refuse other links until a put-token was accepted on the connection. Default: true with `cbs`. */
  readonly requireClaims?: boolean;
}

export async function startManagementPeer(options: ManagementPeerOptions = {}): Promise<ManagementPeer> {
  const container = rhea.create_container({ id: `rhea-management-${process.pid}` });
  container.on('error', () => {});
  const handlers = new Map<string, NodeHandler>();
  const requests: NodeRequest[] = [];
  const replyLinks: ManagementPeer['replyLinks'][number][] = [];
  const refusedForClaims: string[] = [];
  const attached: string[] = [];
  /** Reply senders by link name, target address and source address. */
  const senders: rhea.Sender[] = [];
  const claimed = new WeakSet<rhea.Connection>();
  const requireClaims = options.requireClaims ?? options.cbs !== undefined;
  const connections: rhea.Connection[] = [];
  /** Plain queues: messages waiting per address, and the consumers of each address. */
  const queues = new Map<string, rhea.Message[]>();
  const consumers = new Map<string, rhea.Sender[]>();
  const pump = (address: string): void => {
    const waiting = queues.get(address) ?? [];
    for (const c of consumers.get(address) ?? []) {
      while (waiting.length > 0 && c.sendable()) c.send(waiting.shift() as rhea.Message);
    }
  };

  if (options.cbs !== undefined) {
    const check = options.cbs;
    handlers.set('$cbs', (req) => {
      const p = req.message.application_properties ?? {};
      if (p.operation !== 'put-token') return { application_properties: { 'status-code': 400, 'status-description': `unknown operation ${String(p.operation)}` } };
      const verdict = check({ token: req.message.body, type: p.type, name: p.name, expiration: p.expiration });
      if (verdict === undefined) return undefined;
      if (verdict.code === 200 || verdict.code === 202) claimed.add((req as unknown as { connection: rhea.Connection }).connection);
      return { application_properties: { 'status-code': verdict.code, 'status-description': verdict.description } };
    });
  }

  /** A terminus's address: of the peer's attach (what the client asked for), else of the link. */
  const addressOf = (l: rhea.Sender | rhea.Receiver, which: 'source' | 'target'): string | undefined => {
    const remote = (l as unknown as { remote?: { attach?: Record<string, { address?: unknown } | undefined> } }).remote?.attach?.[which];
    const a = remote?.address ?? (l as unknown as Record<string, { address?: unknown } | undefined>)[which]?.address;
    return typeof a === 'string' ? a : undefined;
  };

  container.on('connection_open', (ctx: rhea.EventContext) => { connections.push(ctx.connection); });
  container.on('sender_open', (ctx: rhea.EventContext) => {
    const s = ctx.sender as rhea.Sender;
    const source = addressOf(s, 'source');
    const target = addressOf(s, 'target');
    // rhea answers without a terminus unless told (a refusal): echo what the client asked for.
    s.set_source({ address: source ?? '' });
    if (target !== undefined) s.set_target({ address: target });
    if (source !== undefined && handlers.has(source) || source !== undefined && source === target) {
      // A reply link: on a node (management pattern) or a reply queue of its own address.
      replyLinks.push({ name: s.name, source, target });
      senders.push(s);
      s.on('sender_close', () => senders.splice(senders.indexOf(s), 1));
      return;
    }
    if (requireClaims && !claimed.has(ctx.connection)) {
      refusedForClaims.push(source ?? '');
      s.close({ condition: 'amqp:unauthorized-access', description: 'no valid claim for this link: put a token to $cbs first' });
      return;
    }
    attached.push(source ?? '');
    const address = source ?? '';
    consumers.set(address, [...(consumers.get(address) ?? []), s]);
    s.on('sendable', () => pump(address));
    s.on('sender_close', () => consumers.set(address, (consumers.get(address) ?? []).filter((x) => x !== s)));
  });
  container.on('receiver_open', (ctx: rhea.EventContext) => {
    const r = ctx.receiver as rhea.Receiver;
    const target = addressOf(r, 'target');
    if (target !== undefined) r.set_target({ address: target });
    if (target !== undefined && handlers.has(target)) return;
    if (requireClaims && !claimed.has(ctx.connection)) {
      refusedForClaims.push(target ?? '');
      r.close({ condition: 'amqp:unauthorized-access', description: 'no valid claim for this link: put a token to $cbs first' });
      return;
    }
    attached.push(target ?? '');
  });

  const findReplySender = (address: string): rhea.Sender | undefined =>
    senders.find((s) => s.name === address || addressOf(s, 'target') === address)
      ?? senders.find((s) => addressOf(s, 'source') === address);

  const sendReply = (address: string, reply: Partial<rhea.Message>): boolean => {
    const s = findReplySender(address);
    if (s === undefined || !s.sendable()) return false;
    s.send(reply as rhea.Message);
    return true;
  };

  container.on('message', (ctx: rhea.EventContext) => {
    const node = ctx.receiver === undefined ? undefined : addressOf(ctx.receiver, 'target');
    const message = ctx.message as rhea.Message;
    const handler = node === undefined ? undefined : handlers.get(node);
    if (node === undefined) return;
    if (handler === undefined) {
      queues.set(node, [...(queues.get(node) ?? []), message]);
      pump(node);
      return;
    }
    const req = { node, message, at: Date.now(), connection: ctx.connection } as NodeRequest;
    requests.push(req);
    void Promise.resolve(handler(req)).then((reply) => {
      if (reply === undefined || typeof message.reply_to !== 'string') return;
      sendReply(message.reply_to, { ...reply, correlation_id: message.message_id });
    });
  });

  const server = container.listen({ port: 0, host: '127.0.0.1' }) as unknown as Server;
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port, url: `amqp://127.0.0.1:${port}`, requests, replyLinks, refusedForClaims, attached,
    handle: (node, h) => { handlers.set(node, h); },
    replyTo: sendReply,
    close: () => new Promise<void>((r) => {
      for (const c of connections) if (!c.is_closed()) c.close();
      server.close(() => r());
      setTimeout(r, 500);
    }),
  };
}
