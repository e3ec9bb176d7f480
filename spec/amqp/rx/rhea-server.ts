/**
 * Test support: rhea (an independent AMQP 1.0 implementation) in the server role, in-process, so a
 * test can make the peer do what no broker does on demand: set open properties and capabilities,
 * report `available`, answer with any outcome, close or detach with an error carrying info.
 */
import { createRequire } from 'node:module';
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';

export interface RheaServer {
  readonly container: rhea.Container;
  readonly port: number;
  readonly url: string;
  /** Connections the server accepted, in order. */
  readonly connections: rhea.Connection[];
  close(): Promise<void>;
}

/**
 * Listen on a free loopback port. `options` are rhea's connection options for every accepted
 * connection (container_id, properties, offered_capabilities, autoaccept, credit_window...).
 */
export async function startRheaServer(id: string, options: Record<string, unknown> = {}): Promise<RheaServer> {
  const container = rhea.create_container({ id });
  const connections: rhea.Connection[] = [];
  container.on('connection_open', (ctx: rhea.EventContext) => { connections.push(ctx.connection); });
  // rhea re-emits unhandled link and session errors on the container; the tests look at them
  // through their own handlers, so an unhandled one must not become an uncaught exception.
  container.on('error', () => {});
  const server = container.listen({ port: 0, host: '127.0.0.1', ...options }) as unknown as Server;
  await new Promise<void>((r) => server.once('listening', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    container, port, url: `amqp://127.0.0.1:${port}`, connections,
    close: () => new Promise<void>((r) => {
      for (const c of connections) if (!c.is_closed()) c.close();
      server.close(() => r());
      // Sockets the test left open must not keep the server from closing.
      setTimeout(r, 500);
    }),
  };
}

/** The parts of a rhea link that rhea keeps but does not declare in its typings. */
interface RheaLinkInternals {
  readonly credit: number;
  readonly delivery_count: number;
  readonly local: { readonly handle: number };
  readonly session: {
    readonly incoming: { readonly next_transfer_id: number; readonly window: number };
    readonly outgoing: { readonly next_transfer_id: number; readonly window: number };
    output(frame: unknown): void;
  };
  readonly connection: { _register(): void };
}

/** rhea's frame constructors (CommonJS, no typings): used to write a flow rhea itself never would. */
const rheaFrames = createRequire(import.meta.url)('rhea/lib/frames.js') as { flow(fields: Record<string, unknown>): unknown };

/**
 * Write a flow for a rhea sending link that carries `available` (rhea never sets the field): its
 * own delivery-count and credit, as rhea's own flows do, plus the count of messages it could send.
 */
export function writeFlowWithAvailable(sender: rhea.Sender, available: number): void {
  const l = sender as unknown as RheaLinkInternals;
  l.session.output(rheaFrames.flow({
    next_incoming_id: l.session.incoming.next_transfer_id,
    incoming_window: l.session.incoming.window,
    next_outgoing_id: l.session.outgoing.next_transfer_id,
    outgoing_window: l.session.outgoing.window,
    handle: l.local.handle,
    delivery_count: l.delivery_count,
    link_credit: l.credit,
    available,
  }));
  l.connection._register();
}

/** Credit and delivery-count of a rhea link (kept on the object, not in the typings). */
export const linkCredit = (l: rhea.Sender | rhea.Receiver): { credit: number; deliveryCount: number } => {
  const x = l as unknown as RheaLinkInternals;
  return { credit: x.credit, deliveryCount: x.delivery_count };
};
