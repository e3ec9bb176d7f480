/**
 * A null-sink AMQP peer in its own process, for the "each library with itself" scenarios: it
 * accepts and discards what it is sent, and sends `hello world!` messages (amqp-value string) as
 * fast as a receiver's credit allows. `ours` is rx-mq's null peer (null-peer.ts: our server-role
 * engine, every address the null node), `rhea` a rhea container listening (credit window NULL_CREDIT, auto accept). Prints `{"port":N}`
 * once listening; exits when its stdin closes.
 * Usage: node --import tsx bench/io/null-server.ts ours|rhea
 */
import rhea, { type EventContext, type Sender } from 'rhea';
import { SMALL_BODY } from './common.js';
import { NULL_CREDIT, startNullPeer } from './null-peer.js';

async function ours(): Promise<number> {
  return (await startNullPeer()).port;
}

function rheaServer(): Promise<number> {
  const container = rhea.create_container({ id: 'rhea-null-sink', credit_window: NULL_CREDIT, autoaccept: true } as never);
  const fill = (s: Sender): void => {
    while (s.sendable()) s.send({ body: SMALL_BODY });
  };
  // Echo the client's terminus in the answering attach (rhea answers with an empty one otherwise,
  // which clients read as a refusal).
  container.on('sender_open', (ctx: EventContext) => {
    const s = ctx.sender;
    if (s === undefined) return;
    (s as unknown as { set_source(f: unknown): void }).set_source((s as unknown as { remote: { attach: { source: unknown } } }).remote.attach.source);
    fill(s);
  });
  container.on('receiver_open', (ctx: EventContext) => {
    const r = ctx.receiver;
    if (r === undefined) return;
    (r as unknown as { set_target(f: unknown): void }).set_target((r as unknown as { remote: { attach: { target: unknown } } }).remote.attach.target);
  });
  container.on('sendable', (ctx: EventContext) => { if (ctx.sender !== undefined) fill(ctx.sender); });
  container.on('message', () => {}); // discarded (auto accept settles it)
  container.on('error', () => {});
  container.on('disconnected', () => {});
  return new Promise((resolve, reject) => {
    const server = container.listen({ port: 0, host: '127.0.0.1' });
    server.on('listening', () => resolve((server.address() as { port: number }).port));
    server.on('error', reject);
  });
}

const which = process.argv[2];
const port = which === 'ours' ? await ours() : which === 'rhea' ? await rheaServer() : Promise.reject(new Error(`usage: null-server.ts ours|rhea`));
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
