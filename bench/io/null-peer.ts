/**
 * rx-mq's null-sink AMQP peer for the "each library with itself" scenarios: our server-role
 * engine on a plain socket, so that rx-mq's client is measured against rx-mq and never against a
 * broker's bookkeeping. Every address is the null node:
 * - a sending link gets a credit window of NULL_CREDIT (topped up when half is used); each
 *   message is accepted at once and discarded;
 * - a receiving link is sent, as fast as its credit allows, messages whose body is the string
 *   `hello world!` (one amqp-value section); its drain is answered.
 * It lives here, not in the embedded broker, because it exists only to measure clients.
 */
import net from 'node:net';
import { ServerConnection } from '../../src/amqp/engine/server-connection.js';
import type { EngineEvent } from '../../src/amqp/engine/events.js';
import type { ReceiverLink, SenderLink } from '../../src/amqp/engine/link.js';
import type { Source, Target } from '../../src/amqp/frames/definitions.generated.js';
import { ACCEPTED } from '../../src/amqp/frames/fast-performatives.js';
import { encodeMessage } from '../../src/amqp/rx/message.js';
import { SMALL_BODY } from './common.js';

/** Credit window the null peer grants each sending link. */
export const NULL_CREDIT = 5000;

/** The one message the null peer sends. */
const GENERATED = encodeMessage({ body: SMALL_BODY });

/** Heartbeats and the idle timeout are checked this often (they only matter on long runs). */
const TICK_MS = 1000;

export interface NullPeer {
  readonly port: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (port 0: a free one) and answer every AMQP connection as the null node. */
export async function startNullPeer(port = 0): Promise<NullPeer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    serve(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** One connection: bytes in, events answered, output written once per read. */
function serve(socket: net.Socket): void {
  const engine = new ServerConnection({ containerId: 'rx-mq-null-peer', allowNoSasl: true, offeredCapabilities: ['ANONYMOUS-RELAY'] });
  engine.start(Date.now());
  const flush = (): void => {
    const out = engine.takeOutput(Date.now());
    if (out.length > 0 && !socket.destroyed) socket.write(out);
  };
  const handle = (events: readonly EngineEvent[]): void => {
    for (const e of events) answer(e);
    flush();
    if (engine.done) socket.end();
  };
  const timer = setInterval(() => handle(engine.tick(Date.now())), TICK_MS);
  timer.unref();
  socket.on('data', (c: Buffer) => handle(engine.receive(new Uint8Array(c.buffer, c.byteOffset, c.length), Date.now())));
  socket.on('error', () => { /* the close follows */ });
  socket.on('close', () => clearInterval(timer));
}

function answer(e: EngineEvent): void {
  switch (e.type) {
    case 'link-attach':
      // The client's terminus is echoed back (a null one would read as a refusal).
      if (!e.remoteInitiated) return;
      if (e.link.role === 'receiver') {
        const l = e.link as ReceiverLink;
        l.attach(undefined, { target: l.remote?.target as Target | undefined, rcvSettleMode: 'first' });
        l.flow(NULL_CREDIT);
      } else {
        const l = e.link as SenderLink;
        l.attach(0, { source: l.remote?.source as Source | undefined });
      }
      return;
    case 'delivery': {
      const l = e.link;
      if (!e.delivery.settled) l.settle(e.delivery, ACCEPTED);
      if (l.state === 'attached' && l.credit.credit <= NULL_CREDIT / 2) l.flow(NULL_CREDIT);
      return;
    }
    case 'link-flow':
      if (e.link.role === 'sender') fill(e.link as SenderLink);
      return;
    default:
      return;
  }
}

/** Use all the credit the client granted, then answer a drain. */
function fill(l: SenderLink): void {
  if (l.state !== 'attached') return;
  const settled = l.sndSettleMode === 'settled';
  while (l.credit.credit > 0) l.send(GENERATED, { settled });
  if (l.drainRequested) l.drained();
}
