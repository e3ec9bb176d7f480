/**
 * The reconnecting client (`amqpClient`) against RabbitMQ 3.10 (AMQP 1.0): sends survive
 * the broker closing every connection and a socket cut in the middle of a frame (every message
 * arrives, duplicates are counted), a receiver keeps its subscription across a reconnect, state$
 * reports the outage, bad credentials are not retried, and a dead first URL fails over to the
 * second. Connections are cut either with `rabbitmqctl close_all_connections` (this process runs
 * as root) or by a small TCP proxy in this file that sits between the client and the broker.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { firstValueFrom, filter, lastValueFrom, Observable, take, toArray, type Subscription } from 'rxjs';
import { AuthenticationError } from '../../../../src/amqp/engine/sasl.js';
import { amqpClient, type AmqpClient } from '../../../../src/amqp/rx/client.js';
import type { ClientStateName } from '../../../../src/reconnect/state.js';
import { connect } from '../../../../src/amqp/index.js';
import type { Message } from '../../../../src/amqp/rx/message.js';
import type { ReceivedMessage } from '../../../../src/amqp/rx/receiver.js';
import type { Outcome } from '../../../../src/amqp/rx/sender.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

/**
 * Everything here runs in its own virtual host (scripts/brokers.sh creates it; RabbitMQ's AMQP 1.0
 * plugin takes `vhost:NAME` in open.hostname), so that closing every connection of that vhost
 * never disturbs other users of the broker, such as a test-suite running beside this one.
 */
const VHOST = 'rx-mq-outage';
const RABBIT = `${RABBITMQ.amqpUrl()}/vhost:${VHOST}`;

/**
 * `rabbitmqctl close_all_connections -p rx-mq-outage test`: every connection of our vhost. RabbitMQ 3.10 ends every AMQP 1.0 session with
 * amqp:internal-error (the connection itself stays open). rabbitmqctl prints its banner a few ms
 * before it acts (after about a second of start-up): `onBanner` runs then.
 */
function closeAllConnections(onBanner: () => void = () => {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('rabbitmqctl', ['close_all_connections', '-p', VHOST, 'test'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bannered = false;
    p.stdout.on('data', (d: Buffer) => {
      if (!bannered && d.toString().includes('Closing')) { bannered = true; onBanner(); }
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rabbitmqctl exited with ${code}`))));
  });
}

/** Where a proxy cut a stream: the unit (frame) it cut inside and the cut's offset. */
interface Cut {
  readonly at: number;
  readonly frameStart: number;
  readonly frameSize: number;
  /** The performative's descriptor code (0x14: transfer). */
  readonly descriptor: number;
}

/**
 * A TCP proxy to RabbitMQ. Counts connections; `latencyMs` delays what the broker sends (a slow
 * network: outcomes then arrive that much later, so messages are always awaiting one while a
 * stream runs); `killAll()` destroys every pair of sockets;
 * `cutAfter(n)` arms a one-shot cut: on the next connection, once `n` bytes have flowed client to
 * broker, the proxy finds the AMQP frame at (or after) that point, forwards up to a point strictly
 * inside it, and destroys both sockets.
 */
class Proxy {
  connections = 0;
  cut: Cut | undefined;
  private armed: number | undefined;
  private readonly pairs = new Set<{ client: net.Socket; broker: net.Socket }>();
  private readonly server = net.createServer((client) => this.accept(client));

  constructor(private readonly latencyMs = 0) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  url(user = RABBITMQ.user, password = RABBITMQ.password): string {
    return `${RABBITMQ.amqpUrl({ user, password, port: (this.server.address() as net.AddressInfo).port })}/vhost:${VHOST}`;
  }

  cutAfter(bytes: number): void { this.armed = bytes; }

  killAll(): void {
    for (const p of this.pairs) { p.client.destroy(); p.broker.destroy(); }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.killAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.connections++;
    const broker = net.connect(PEERS.rabbitAmqp.port, PEERS.rabbitAmqp.host);
    const pair = { client, broker };
    this.pairs.add(pair);
    const end = (): void => { client.destroy(); broker.destroy(); this.pairs.delete(pair); };
    client.on('error', end).on('close', end);
    broker.on('error', end).on('close', end);
    broker.on('data', (d: Buffer) => {
      // Same delay for every chunk: Node runs equal timeouts in order, so order is kept.
      if (this.latencyMs === 0) client.write(d);
      else setTimeout(() => { if (!client.destroyed) client.write(d); }, this.latencyMs);
    });
    const limit = this.armed;
    this.armed = undefined;
    if (limit === undefined) {
      client.on('data', (d: Buffer) => broker.write(d));
      return;
    }
    // Hold everything past `limit` until the cut point is known.
    const seen: Buffer[] = [];
    let total = 0;
    let forwarded = 0;
    let done = false;
    client.on('data', (d: Buffer) => {
      if (done) return;
      seen.push(d);
      total += d.length;
      const all = Buffer.concat(seen);
      const cut = total >= limit ? cutPoint(all, limit) : undefined;
      const upTo = cut === undefined ? Math.min(total, limit) : cut.at;
      if (upTo > forwarded) {
        broker.write(all.subarray(forwarded, upTo));
        forwarded = upTo;
      }
      if (cut !== undefined) {
        done = true;
        this.cut = cut;
        // Let the partial frame reach the broker, then drop both sides.
        setTimeout(end, 50);
      }
    });
  }
}

/**
 * The cut for a client->broker byte stream: inside the first AMQP frame (not a protocol header,
 * at least 16 bytes) that ends after `limit`, strictly between its first and last byte. Undefined
 * while that frame has not fully arrived in `all`.
 */
function cutPoint(all: Buffer, limit: number): Cut | undefined {
  let pos = 0;
  while (pos + 8 <= all.length) {
    const isHeader = all.subarray(pos, pos + 4).toString('latin1') === 'AMQP';
    const size = isHeader ? 8 : all.readUInt32BE(pos);
    const end = pos + size;
    if (end > limit && !isHeader && size >= 16) {
      const at = limit > pos ? limit : pos + Math.floor(size / 2);
      // Frame header (8 bytes), then the performative: 0x00 0x53 <code>.
      const descriptor = all[pos + 8] === 0x00 && all[pos + 9] === 0x53 ? all[pos + 10] : -1;
      return at < all.length ? { at, frameStart: pos, frameSize: size, descriptor } : undefined;
    }
    pos = end;
  }
  return undefined;
}

/** Everything in `queue`, through a plain connection: until `expected` distinct ids and 500 ms of quiet. */
async function drainQueue(queue: string, expected: number): Promise<{ total: number; ids: Set<string> }> {
  const ids = new Set<string>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const giveUp = setTimeout(() => { sub.unsubscribe(); resolve(); }, 20_000);
    const sub: Subscription = connect(RABBIT).subscribe({
      next: (conn) => {
        sub.add(conn.receive(queue, { credit: 1000 }).subscribe({
          next: (m: ReceivedMessage) => {
            total++;
            ids.add(String(m.messageId));
            if (ids.size >= expected) {
              if (quiet !== undefined) clearTimeout(quiet);
              quiet = setTimeout(() => { clearTimeout(giveUp); sub.unsubscribe(); resolve(); }, 500);
            }
          },
          error: reject,
        }));
      },
      error: reject,
    });
  });
  return { total, ids };
}

/** Send with a plain connection and wait for every outcome. */
async function sendPlain(queue: string, messages: readonly Message[]): Promise<void> {
  const outcomes = await new Promise<Outcome[]>((resolve, reject) => {
    const sub = connect(RABBIT).subscribe({
      next: (conn) => {
        sub.add(new Observable<Message>((s) => { messages.forEach((m) => s.next(m)); s.complete(); })
          .pipe(conn.send(queue), toArray())
          .subscribe({ next: (o) => { sub.unsubscribe(); resolve(o); }, error: reject }));
      },
      error: reject,
    });
  });
  expect(outcomes.every((o) => o.state === 'accepted')).to.equal(true);
}

/** A queue that exists (RabbitMQ declares it when a receiver attaches). */
async function declare(queue: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const sub = connect(RABBIT).subscribe({
      next: (conn) => {
        sub.add(conn.attachReceiver(queue).subscribe({ next: () => { sub.unsubscribe(); resolve(); }, error: reject }));
      },
      error: reject,
    });
  });
}

/**
 * `count` messages with ids m-0..m-(count-1), emitted in batches on a timer so that the stream is
 * still running when the connection is cut; `burst(n)` emits the next n at once.
 */
class Producer {
  emitted = 0;
  private emit: ((n: number) => void) | undefined;
  constructor(private readonly count: number, private readonly onEmit: (i: number) => void) {}

  burst(n: number): void { this.emit?.(n); }

  readonly messages$ = new Observable<Message>((s) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    this.emit = (n) => {
      for (let k = 0; k < n && this.emitted < this.count; k++) {
        const i = this.emitted++;
        this.onEmit(i);
        s.next({ messageId: `m-${i}`, body: `message ${i}`, durable: true });
      }
      if (this.emitted === this.count) { clearTimeout(timer); s.complete(); }
    };
    const tick = (): void => {
      this.emit?.(50);
      if (this.emitted < this.count) timer = setTimeout(tick, 20);
    };
    tick();
    return () => { clearTimeout(timer); this.emit = undefined; };
  });
}

/** Records the names of the states state$ reports and the time of each change. */
function recordStates(client: AmqpClient): { states: ClientStateName[]; at: number[]; sub: Subscription } {
  const states: ClientStateName[] = [];
  const at: number[] = [];
  const sub = client.state$.subscribe((s) => { states.push(s.state); at.push(Date.now()); });
  return { states, at, sub };
}

/** Milliseconds from the first 'reconnecting' to the 'open' after it. */
function reconnectTime(r: { states: ClientStateName[]; at: number[] }): number {
  const i = r.states.indexOf('reconnecting');
  const j = r.states.indexOf('open', i);
  return i < 0 || j < 0 ? NaN : r.at[j] - r.at[i];
}

/**
 * Send `count` at-least-once messages through `client`, calling `cut` once `cutAt` have been
 * emitted; then read the queue back and check every id arrived.
 */
async function sendThroughOutage(
  label: string, client: AmqpClient, queue: string, count: number, cutAt: number, cut: (p: Producer) => Promise<void> | void,
): Promise<void> {
  const rec = recordStates(client);
  let outcomes = 0;
  let awaitingAtDrop = -1;
  let emittedAtDrop = -1;
  let cutDone: Promise<void> = Promise.resolve();
  const producer: Producer = new Producer(count, (i) => {
    if (i === cutAt) cutDone = Promise.resolve(cut(producer));
  });
  const dropped = client.state$.pipe(filter((s) => s.state === 'reconnecting'), take(1)).subscribe(() => {
    emittedAtDrop = producer.emitted;
    awaitingAtDrop = producer.emitted - outcomes;
  });
  const started = Date.now();
  const states = await lastValueFrom(producer.messages$.pipe(
    client.send(queue, { bufferSize: count }),
    (o$) => new Observable<Outcome['state'][]>((s) => {
      const seen: Outcome['state'][] = [];
      return o$.subscribe({ next: (o) => { outcomes++; seen.push(o.state); }, error: (e) => s.error(e), complete: () => { s.next(seen); s.complete(); } });
    }),
  ));
  const sendMs = Date.now() - started;
  await cutDone;
  dropped.unsubscribe();
  rec.sub.unsubscribe();
  expect(states).to.have.length(count);
  expect(states.every((s) => s === 'accepted')).to.equal(true);
  expect(rec.states.slice(0, 4)).to.deep.equal(['closed', 'connecting', 'open', 'reconnecting']);
  expect(rec.states).to.include.members(['open']);
  expect(rec.states.lastIndexOf('open')).to.be.greaterThan(rec.states.indexOf('reconnecting'));
  // The cut happened mid-stream: messages were still waiting for their outcome, more came after.
  expect(awaitingAtDrop).to.be.greaterThan(0);
  expect(emittedAtDrop).to.be.lessThan(count);
  const { total, ids } = await drainQueue(queue, count);
  console.log(`      [${label}] sent ${count} in ${sendMs} ms; at the drop ${emittedAtDrop} emitted, ${awaitingAtDrop} awaiting outcome; `
    + `received ${total}, distinct ${ids.size}, duplicates ${total - ids.size}; reconnect ${reconnectTime(rec)} ms`);
  expect(ids.size).to.equal(count);
  for (let i = 0; i < count; i++) if (!ids.has(`m-${i}`)) expect.fail(`message m-${i} is missing`);
}

describe('brokers: amqpClient <-> RabbitMQ 3.10 (reconnecting client)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);
  const clients: AmqpClient[] = [];
  const proxies: Proxy[] = [];
  const client = (...args: Parameters<typeof amqpClient>): AmqpClient => {
    const c = amqpClient(...args);
    clients.push(c);
    return c;
  };
  const proxy = async (latencyMs = 0): Promise<Proxy> => {
    const p = new Proxy(latencyMs);
    await p.listen();
    proxies.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  it('re-sends what was in flight when the broker closes every connection: all 10,000 arrive', async () => {
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    await declare(queue);
    // Through a proxy adding 30 ms to the broker's answers, so that messages are always awaiting
    // their outcome when the kill lands. The kill starts at message 1000; when rabbitmqctl is
    // about to act, 2000 more go out at once.
    const p = await proxy(30);
    await sendThroughOutage('close_all_connections', client(p.url()), queue, 10_000, 1_000,
      (producer) => closeAllConnections(() => producer.burst(2000)));
  });

  it('re-sends what was in flight when the socket dies in the middle of a frame: all 10,000 arrive', async () => {
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    await declare(queue);
    const p = await proxy();
    p.cutAfter(300_000);
    await sendThroughOutage('socket cut mid-frame', client(p.url()), queue, 10_000, 0, () => undefined);
    expect(p.cut, 'the proxy cut the stream').to.not.equal(undefined);
    const cut = p.cut as Cut;
    expect(cut.at).to.be.greaterThan(cut.frameStart).and.lessThan(cut.frameStart + cut.frameSize);
    expect(cut.descriptor, 'a transfer frame').to.equal(0x14);
    console.log(`      [socket cut mid-frame] cut at byte ${cut.at}, inside a ${cut.frameSize}-byte transfer frame starting at ${cut.frameStart}; ${p.connections} proxied connections`);
    expect(p.connections).to.be.greaterThanOrEqual(2);
  });

  it('keeps one receive subscription delivering across a reconnect', async () => {
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    await declare(queue);
    await sendPlain(queue, Array.from({ length: 100 }, (_, i) => ({ messageId: `r-${i}`, body: i })));
    const c = client(RABBIT);
    const rec = recordStates(c);
    const bodies = new Set<number>();
    let accepted = 0;
    let killing: Promise<void> | undefined;
    let ended = '';
    await new Promise<void>((resolve, reject) => {
      const sub = c.receive(queue, { settle: 'manual', credit: 10 }).subscribe({
        next: (m) => {
          // After 50, hold what arrives on the doomed connection (the broker re-queues it).
          if (killing !== undefined && c.state.state === 'open' && rec.states.includes('reconnecting')) {
            bodies.add(m.body as number);
            m.accept();
          } else if (killing === undefined) {
            bodies.add(m.body as number);
            m.accept();
            if (++accepted === 50) killing = closeAllConnections();
          }
          if (bodies.size === 100) { clearTimeout(timer); sub.unsubscribe(); resolve(); }
        },
        error: (e: unknown) => { ended = `error ${String(e)}`; reject(e); },
        complete: () => { ended = 'complete'; reject(new Error('the receiver completed')); },
      });
      const timer = setTimeout(() => reject(new Error(`only ${bodies.size} of 100 received; states ${rec.states.join(',')}`)), 20_000);
    });
    await killing;
    rec.sub.unsubscribe();
    console.log(`      [receiver] 100 distinct across the reconnect; reconnect ${reconnectTime(rec)} ms`);
    expect(ended).to.equal('');
    expect(bodies.size).to.equal(100);
    expect(rec.states).to.deep.equal(['closed', 'connecting', 'open', 'reconnecting', 'connecting', 'open', 'closed']);
  });

  it('state$: closed -> connecting -> open -> reconnecting -> connecting -> open -> closed; lazy; close() completes it', async () => {
    const p = await proxy();
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    const c = client({ urls: p.url(), reconnect: { initialDelayMs: 50 } });
    const rec = recordStates(c);
    let completed = false;
    const completion = c.state$.subscribe({ complete: () => { completed = true; } });
    await new Promise((r) => setTimeout(r, 100));
    expect(p.connections, 'nothing connects before a subscription').to.equal(0);
    const sub = c.receive(queue).subscribe({ error: (e: unknown) => expect.fail(String(e)) });
    await firstValueFrom(c.state$.pipe(filter((s) => s.state === 'open')));
    p.killAll();
    await firstValueFrom(c.state$.pipe(filter((s) => s.state === 'reconnecting')));
    await firstValueFrom(c.state$.pipe(filter((s) => s.state === 'open')));
    sub.unsubscribe();
    expect(rec.states).to.deep.equal(['closed', 'connecting', 'open', 'reconnecting', 'connecting', 'open', 'closed']);
    expect(p.connections).to.equal(2);
    console.log(`      [state$] ${rec.states.join(' -> ')}; reconnect ${reconnectTime(rec)} ms`);
    await c.close();
    completion.unsubscribe();
    rec.sub.unsubscribe();
    expect(completed).to.equal(true);
    let err: unknown;
    c.receive(queue).subscribe({ error: (e: unknown) => { err = e; } });
    expect(String(err)).to.match(/closed/);
  });

  it('bad credentials: AuthenticationError, not retried', async () => {
    const p = await proxy();
    const c = client({ urls: p.url(RABBITMQ.user, 'wrong-password'), reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
    const rec = recordStates(c);
    const err = await firstValueFrom(c.receive('/queue/rxmq-never').pipe(toArray())).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AuthenticationError);
    await new Promise((r) => setTimeout(r, 500));
    expect(p.connections, 'connection attempts').to.equal(1);
    expect(rec.states).to.deep.equal(['closed', 'connecting', 'closed']);
    expect(c.state).to.deep.equal({ state: 'closed', error: err });
  });

  it('fetch through the client takes what is there and completes on time', async () => {
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    await declare(queue);
    const c = client(RABBIT);
    await lastValueFrom(new Observable<Message>((s) => { for (let i = 0; i < 3; i++) s.next({ body: i }); s.complete(); }).pipe(c.send(queue), toArray()));
    const started = Date.now();
    const got = await lastValueFrom(c.fetch(queue, { count: 5, timeout: 500 }).pipe(toArray()));
    expect(got.map((m) => m.body)).to.deep.equal([0, 1, 2]);
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it('fails over from a closed port to the next URL', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const queue = `/queue/rxmq-client-${randomUUID()}`;
    await declare(queue);
    const c = client({ urls: [`${RABBITMQ.amqpUrl({ port: deadPort })}/vhost:${VHOST}`, RABBIT], reconnect: { initialDelayMs: 50 } });
    const rec = recordStates(c);
    const outcomes = await lastValueFrom(
      new Observable<Message>((s) => { for (let i = 0; i < 5; i++) s.next({ body: i }); s.complete(); }).pipe(c.send(queue), toArray()),
    );
    expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    // The dead URL is a failed attempt (reconnecting), then the second URL opens.
    expect(rec.states).to.deep.equal(['closed', 'connecting', 'reconnecting', 'connecting', 'open', 'closed']);
    const { total } = await drainQueue(queue, 5);
    expect(total).to.equal(5);
  });
});
