/**
 * stompClient and fatal errors (issue 22, item 3), against a scripted peer that answers as
 * RabbitMQ 3.10 does: a refused login is an ERROR to CONNECT; a refused destination is an ERROR
 * without receipt-id, then the RECEIPT the refused frame asked for, then the socket closes. Each
 * test counts the connections the client made.
 *
 * Measured against RabbitMQ before this work (spec/interop/stomp/fatal.spec.ts measures it now):
 * a wrong password looped connecting/reconnecting without an error, and `/exchange/missing`
 * beside a good subscription made about 46 connections in 5 s.
 */
import { expect } from 'chai';
import type net from 'node:net';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import {
  AuthenticationError, connect, headerOf, stompClient, StompAuthenticationError, StompDestinationError, StompError,
  type ClientState, type StompFrame, type StompMessage, type StompSession,
} from '../../src/stomp/index.js';
import { fakePeer, type FakePeer } from './peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Destinations the scripted broker refuses. */
const REFUSED = /^\/exchange\/missing/;

interface Broker {
  readonly peer: FakePeer;
  /** Good subscriptions per socket: id by destination. */
  readonly subs: Map<net.Socket, Map<string, string>>;
  stop(): Promise<void>;
}

/** The scripted RabbitMQ-like peer; it sends a MESSAGE to every good subscription every 20 ms. */
async function scriptedBroker(opts: { password?: string; errorOnConnect?: boolean; damaged?: string[] } = {}): Promise<Broker> {
  // ERRORs (message header, then body) the next SENDs are answered with, as if each reached the broker damaged.
  const damaged = [...(opts.damaged ?? [])];
  const damagedSockets = new Set<net.Socket>();
  const subs = new Map<net.Socket, Map<string, string>>();
  const refuse = (socket: net.Socket, f: StompFrame, text: string): void => {
    socket.write(`ERROR\nmessage:not_found\ncontent-type:text/plain\n\n${text}\0`);
    const receipt = headerOf(f, 'receipt');
    if (receipt !== undefined) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
    socket.end();
  };
  const peer = await fakePeer((f, socket) => {
    const receipt = headerOf(f, 'receipt');
    const ok = (): void => { if (receipt !== undefined) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`); };
    switch (f.command) {
      case 'CONNECT':
      case 'STOMP':
        if (opts.password !== undefined && headerOf(f, 'passcode') !== opts.password) {
          socket.end(`ERROR\nmessage:Bad CONNECT\n\nAccess refused for user '${headerOf(f, 'login') ?? ''}'\0`);
          return;
        }
        subs.set(socket, new Map());
        socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\nserver:scripted/1\n\n\0');
        return;
      case 'SUBSCRIBE': {
        const dest = headerOf(f, 'destination') ?? '';
        if (REFUSED.test(dest)) return refuse(socket, f, `NOT_FOUND - no exchange '${dest.split('/')[2]}' in vhost '/'`);
        subs.get(socket)?.set(dest, headerOf(f, 'id') ?? '');
        return ok();
      }
      case 'SEND': {
        const dest = headerOf(f, 'destination') ?? '';
        // One damaged SEND per connection (the rest of its read is gone with the socket).
        const damage = damagedSockets.has(socket) ? undefined : damaged.shift();
        if (damage !== undefined) {
          damagedSockets.add(socket);
          socket.end(`ERROR\n${damage}\0`);
          return;
        }
        if (REFUSED.test(dest)) return refuse(socket, f, `NOT_FOUND - no exchange '${dest.split('/')[2]}' in vhost '/'`);
        return ok();
      }
      case 'DISCONNECT':
        ok();
        socket.end();
        return;
      default:
        return ok();
    }
  });
  let n = 0;
  const ticker = setInterval(() => {
    for (const [socket, m] of subs) {
      if (socket.destroyed || socket.writableEnded) continue;
      for (const [dest, id] of m) socket.write(`MESSAGE\ndestination:${dest}\nsubscription:${id}\nmessage-id:m${n}\nack:a${n++}\n\ntick\0`);
    }
  }, 20);
  return { peer, subs, stop: () => { clearInterval(ticker); return peer.close(); } };
}

describe('stompClient: fatal errors end the right stream, not the connection loop (issue 22, item 3)', function () {
  this.timeout(15_000);
  let broker: Broker | undefined;
  afterEach(async () => { await broker?.stop(); broker = undefined; });

  it('a wrong password: AuthenticationError within a second, one connection only', async () => {
    broker = await scriptedBroker({ password: 'right' });
    const client = stompClient({ url: `stomp://u:wrong@127.0.0.1:${broker.peer.port}`, reconnect: { initialDelayMs: 10 }, heartbeat: [0, 0] });
    const t0 = Date.now();
    const err = await firstValueFrom(client.subscribe('/queue/a')).then(() => undefined, (e: unknown) => e);
    const ms = Date.now() - t0;
    expect(err).to.be.instanceOf(AuthenticationError).and.instanceOf(StompAuthenticationError).and.instanceOf(StompError);
    expect(ms, 'ms to the error').to.be.below(1000);
    await sleep(400); // a retry (10 ms away) would show itself
    expect(broker.peer.sockets.length, 'connections').to.equal(1);
    expect(client.state).to.deep.include({ state: 'closed' });
  });

  it('a refused destination ends that subscription only; the other keeps receiving, on few connections', async () => {
    broker = await scriptedBroker();
    const b = broker;
    const client = stompClient({ url: `stomp://127.0.0.1:${b.peer.port}`, reconnect: { initialDelayMs: 50, jitter: 0 }, heartbeat: [0, 0] });
    const states: ClientState[] = [];
    client.state$.subscribe((s) => states.push(s));
    const good: StompMessage[] = [];
    let goodEnded: unknown = 'no';
    const goodSub = client.subscribe('/queue/good').subscribe({ next: (m) => good.push(m), error: (e: unknown) => { goodEnded = e; }, complete: () => { goodEnded = 'complete'; } });
    await sleep(100); // the good subscription is running first
    const t0 = Date.now();
    const err = await firstValueFrom(client.subscribe('/exchange/missing')).then(() => undefined, (e: unknown) => e);
    expect(Date.now() - t0, 'ms to the error').to.be.below(1000);
    expect(err).to.be.instanceOf(StompDestinationError).and.instanceOf(StompError);
    const d = err as StompDestinationError;
    expect(d.destination).to.equal('/exchange/missing');
    expect(d.command).to.equal('SUBSCRIBE');
    expect(d.subscription).to.be.a('string');
    expect(d.brokerMessage).to.equal('not_found');
    expect(d.text).to.match(/no exchange 'missing'/);
    const before = good.length;
    await sleep(2500);
    goodSub.unsubscribe();
    await client.close();
    expect(goodEnded, 'the good subscription did not end').to.equal('no');
    expect(good.length - before, 'messages after the error').to.be.above(20);
    // The ERROR cost one connection; the next one carries the good subscription only.
    expect(b.peer.sockets.length, 'connections in 2.6 s').to.equal(2);
    const subscribes = (i: number): string[] => b.peer.frames.filter((f) => f.command === 'SUBSCRIBE').map((f) => headerOf(f, 'destination') ?? '').slice(i);
    expect(subscribes(0)).to.deep.equal(['/queue/good', '/exchange/missing', '/queue/good']);
    expect(states.map((s) => s.state)).to.deep.equal(['closed', 'connecting', 'open', 'reconnecting', 'connecting', 'open', 'closed']);
  });

  it('a refused destination ends that send operator; the client\'s subscription stays', async () => {
    broker = await scriptedBroker();
    const b = broker;
    const client = stompClient({ url: `stomp://127.0.0.1:${b.peer.port}`, reconnect: { initialDelayMs: 50, jitter: 0 }, heartbeat: [0, 0] });
    const good: StompMessage[] = [];
    const goodSub = client.subscribe('/queue/good').subscribe((m) => good.push(m));
    await sleep(100);
    const err = await lastValueFrom(of('a', 'b').pipe(client.send('/exchange/missing/x'))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(StompDestinationError);
    expect((err as StompDestinationError).command).to.equal('SEND');
    expect((err as StompDestinationError).destination).to.equal('/exchange/missing/x');
    const before = good.length;
    await sleep(800);
    expect(good.length - before).to.be.above(5);
    // Good sends still work on the client.
    const ok = await lastValueFrom(of('c').pipe(client.send('/queue/good'), toArray()));
    expect(ok.map((r) => r.state)).to.deep.equal(['receipted']);
    goodSub.unsubscribe();
    await client.close();
    expect(b.peer.sockets.length, 'connections').to.equal(2);
    expect(b.peer.frames.filter((f) => f.command === 'SEND' && headerOf(f, 'destination') === '/exchange/missing/x').length, 'refused SENDs').to.equal(2);
  });

  it('an ERROR about a frame damaged on the way is the connection\'s: reconnected, re-sent, the send operator goes on', async () => {
    // What RabbitMQ 3.10 answers when a byte of a SEND is flipped in the command, in the
    // destination header's name, and in the destination (measured through a byte-flipping proxy).
    broker = await scriptedBroker({
      damaged: [
        'message:Bad command\ncontent-type:text/plain\n\nCould not interpret command "SEXD"',
        'message:Missing destination\n\n"SEND" must include a \'destination\' header',
        'message:Unknown destination\n\n\'/qveue/good\' is not a valid destination.',
      ],
    });
    const b = broker;
    const client = stompClient({ url: `stomp://127.0.0.1:${b.peer.port}`, reconnect: { initialDelayMs: 20, jitter: 0 }, heartbeat: [0, 0] });
    const results = await lastValueFrom(of('a', 'b', 'c').pipe(client.send('/queue/good'), toArray()));
    expect(results.map((r) => r.state)).to.deep.equal(['receipted', 'receipted', 'receipted']);
    await client.close();
    expect(b.peer.sockets.length, 'connections').to.equal(4);
  });

  it('an ERROR is attributed by its receipt-id when it has one (plain connect(): the others get the bare StompError)', async () => {
    let receipts: string[] = [];
    const peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
      if (f.command === 'SUBSCRIBE') receipts.push(headerOf(f, 'receipt') ?? '');
      // After both SUBSCRIBEs, refuse the second by naming its receipt.
      if (receipts.length === 2) { socket.end(`ERROR\nmessage:forbidden\nreceipt-id:${receipts[1]}\n\n\0`); receipts = []; }
    });
    try {
      let connErr: unknown;
      const session = await new Promise<StompSession>((resolve) => {
        connect({ url: `stomp://127.0.0.1:${peer.port}`, heartbeat: [0, 0] }).subscribe({ next: resolve, error: (e: unknown) => { connErr = e; } });
      });
      const errors = await Promise.all(['/queue/one', '/queue/two'].map((q) => firstValueFrom(session.subscribe(q, { receipt: true })).then(() => undefined, (e: unknown) => e)));
      expect(connErr).to.be.instanceOf(StompError).and.not.instanceOf(StompDestinationError);
      expect(errors[0]).to.be.instanceOf(StompError).and.not.instanceOf(StompDestinationError);
      expect(errors[1]).to.be.instanceOf(StompDestinationError);
      expect((errors[1] as StompDestinationError).destination).to.equal('/queue/two');
    } finally {
      await peer.close();
    }
  });

  it('an ERROR with nothing waiting is the connection\'s: retried, with a backoff that a short connection does not reset', async () => {
    // Every connection gets an ERROR 30 ms after CONNECTED that answers no frame (the
    // subscription's RECEIPT came first): nobody's fault, so the client retries, with a growing
    // delay because no connection lived `resetAfterMs`.
    const peer = await fakePeer((f, socket) => {
      if (f.command === 'CONNECT') {
        socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
        setTimeout(() => socket.end('ERROR\nmessage:internal\n\n\0'), 30);
      }
      const receipt = headerOf(f, 'receipt');
      if (f.command === 'SUBSCRIBE' && receipt !== undefined) socket.write(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
    });
    try {
      const client = stompClient({ url: `stomp://127.0.0.1:${peer.port}`, reconnect: { initialDelayMs: 20, jitter: 0, resetAfterMs: 1000 }, heartbeat: [0, 0] });
      const delays: number[] = [];
      let ended: unknown = 'no';
      client.state$.subscribe((s) => { if (s.state === 'reconnecting') delays.push(s.delayMs); });
      const sub = client.subscribe('/queue/a').subscribe({ error: (e: unknown) => { ended = e; } });
      await sleep(1200);
      sub.unsubscribe();
      await client.close();
      expect(ended, 'the subscription was not ended by a connection error').to.equal('no');
      expect(delays.slice(0, 4)).to.deep.equal([20, 40, 80, 160]);
      // 30 ms connections, delays 20, 40, ... 640: about 6 in 1.2 s (a reset backoff would make ~20).
      expect(peer.sockets.length, 'connections in 1.2 s').to.be.within(4, 8);
    } finally {
      await peer.close();
    }
  });
});
