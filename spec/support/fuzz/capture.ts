/**
 * Records what real, independent clients send to the embedded broker in an ordinary session, for
 * the fuzz harness to mutate (sessions.json): rhea (AMQP 1.0 with SASL PLAIN: a sender, three
 * messages of each body kind, a receiver with credit, accept, detach, close) and @stomp/stompjs
 * (STOMP 1.2: CONNECT, SUBSCRIBE with client acks, SEND with receipts, a transaction, ACK, NACK,
 * UNSUBSCRIBE, DISCONNECT). Run again with `npx tsx spec/support/fuzz/capture.ts` after a
 * protocol change; the recording is committed so that every fuzz run is reproducible from a seed.
 */
import { Client } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import rhea from 'rhea';
import { startBroker } from '../../../src/broker/index.js';

/** A TCP proxy in front of `port` that keeps every chunk the client wrote, in order. */
async function recorder(port: number): Promise<{ port: number; chunks: Buffer[]; close(): void }> {
  const chunks: Buffer[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.on('data', (d) => { chunks.push(Buffer.from(d)); upstream.write(d); });
    upstream.on('data', (d) => client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, chunks, close: () => server.close() };
}

async function rheaSession(port: number): Promise<void> {
  const container = rhea.create_container({ id: 'fuzz-capture' });
  const conn = container.connect({ port, host: '127.0.0.1', username: 'user', password: 'pass', reconnect: false } as rhea.ConnectionOptions);
  await new Promise<void>((resolve) => {
    conn.once('connection_open', () => {
      const s = conn.open_sender({ name: 'capture-sender', target: { address: 'fuzz' } });
      s.once('sendable', () => {
        s.send({ body: 'hello', message_id: 1, application_properties: { k: 'v', n: 7 } });
        s.send({ body: rhea.message.data_section(Buffer.from('bytes')), subject: 's', content_type: 'application/octet-stream' });
        s.send({ body: rhea.message.sequence_section([1, 'two', [3]]), durable: true, priority: 4, ttl: 1000 });
        let settled = 0;
        s.on('accepted', () => {
          if (++settled < 3) return;
          const r = conn.open_receiver({ name: 'capture-receiver', source: { address: 'fuzz' }, credit_window: 10, autoaccept: false });
          let got = 0;
          r.on('message', (ctx: rhea.EventContext) => {
            if (got++ === 0) ctx.delivery?.release(); else ctx.delivery?.accept();
            if (got === 4) { r.close(); s.close(); conn.close(); }
          });
        });
      });
    });
    conn.once('connection_close', () => resolve());
    conn.once('disconnected', () => resolve());
  });
}

async function stompSession(port: number): Promise<void> {
  const js = new Client({
    webSocketFactory: () => new TCPWrapper('127.0.0.1', port),
    connectHeaders: { login: 'user', passcode: 'pass', host: '/' },
    heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0,
  });
  await new Promise<void>((r) => { js.onConnect = () => r(); js.activate(); });
  const got: { ack(): void; nack(): void }[] = [];
  const sub = js.subscribe('/queue/fuzz', (m) => { got.push(m); }, { ack: 'client-individual', 'prefetch-count': '10' });
  js.publish({ destination: '/queue/fuzz', body: 'hello', headers: { receipt: 'r1', 'content-type': 'text/plain', priority: '4' } });
  js.publish({ destination: '/topic/fuzz', binaryBody: new Uint8Array([0, 1, 2, 0, 255]) });
  const tx = js.begin();
  js.publish({ destination: '/queue/fuzz', body: 'in tx', headers: { transaction: tx.id } });
  tx.commit();
  while (got.length < 2) await new Promise((r) => setTimeout(r, 10));
  got[0].ack();
  got[1].nack();
  sub.unsubscribe();
  await js.deactivate();
}

const broker = await startBroker();
const amqp = await recorder(broker.amqpPort);
await rheaSession(amqp.port);
const stomp = await recorder(broker.stompPort as number);
await stompSession(stomp.port);
const out = new URL('./sessions.json', import.meta.url);
writeFileSync(out, `${JSON.stringify({
  note: 'What rhea (AMQP) and @stomp/stompjs (STOMP) wrote to the embedded broker in one ordinary session each, chunk by chunk, base64. Made by capture.ts.',
  amqp: amqp.chunks.map((c) => c.toString('base64')),
  stomp: stomp.chunks.map((c) => c.toString('base64')),
}, null, 2)}\n`);
amqp.close();
stomp.close();
await broker.close();
console.log(`amqp: ${amqp.chunks.length} chunks, ${amqp.chunks.reduce((n, c) => n + c.length, 0)} bytes; stomp: ${stomp.chunks.length} chunks, ${stomp.chunks.reduce((n, c) => n + c.length, 0)} bytes`);
