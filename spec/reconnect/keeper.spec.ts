/**
 * The reconnect keeper (src/reconnect/keeper.ts) on virtual time, with a scripted connector: the
 * states and what they carry, failover, the backoff sequence, the attempt counter that resets
 * only after `resetAfterMs`, `maxAttempts`, the fatal-versus-transient rule, `close()` and
 * `recycle`. No sockets and no sleeping: retries run on an RxJS VirtualTimeScheduler.
 */
import { expect } from 'chai';
import { Observable, VirtualTimeScheduler, type Subscriber } from 'rxjs';
import { AuthenticationError } from '../../src/amqp/index.js';
import { ReconnectKeeper, type Connector, type KeeperUser } from '../../src/reconnect/keeper.js';
import { ClientClosedError, ConnectionClosedByPeerError, type ClientState } from '../../src/reconnect/state.js';
import type { ReconnectOptions } from '../../src/reconnect/backoff.js';
import { TransportError } from '../../src/transport/types.js';
import { UrlError } from '../../src/transport/url.js';

/** A connection of the scripted connector. */
interface Conn { readonly url: string; readonly n: number }

/** One `connect()` subscription: the test opens, fails or completes it. */
interface Attempt {
  readonly url: string;
  readonly at: number;
  readonly conn: Conn;
  readonly subscriber: Subscriber<Conn>;
  unsubscribed: boolean;
}

/** A virtual clock, a scripted connector, and a keeper using both. */
function setup(urls: readonly string[], reconnect: ReconnectOptions = {}, script?: (a: Attempt) => void) {
  const scheduler = new VirtualTimeScheduler();
  const attempts: Attempt[] = [];
  const closedConns: Conn[] = [];
  let whenClosed = (): Promise<void> => Promise.resolve();
  const connector: Connector<Conn> = {
    connect: (url) => new Observable<Conn>((subscriber) => {
      const a: Attempt = { url, at: scheduler.now(), conn: { url, n: attempts.length }, subscriber, unsubscribed: false };
      attempts.push(a);
      script?.(a);
      return () => { a.unsubscribed = true; };
    }),
    closed: (c) => { closedConns.push(c); return whenClosed(); },
    isAuthenticationError: (e) => e instanceof AuthenticationError,
  };
  // random() = 0: full delays, so the sequence is exact.
  const keeper = new ReconnectKeeper<Conn>({ urls, connector, reconnect, scheduler, random: () => 0 });
  const states: { at: number; s: ClientState }[] = [];
  let completed = false;
  keeper.state$.subscribe({ next: (s) => states.push({ at: scheduler.now(), s }), complete: () => { completed = true; } });
  /** Let `ms` of virtual time pass, running the retries due meanwhile. */
  const advance = (ms: number): void => {
    const to = scheduler.now() + ms;
    scheduler.schedule(() => undefined, ms);
    scheduler.maxFrames = to;
    scheduler.flush();
  };
  /** Run `f` `ms` from now (virtual time). */
  const later = (ms: number, f: () => void): void => { scheduler.schedule(f, ms); };
  const onClosed = (f: () => Promise<void>): void => { whenClosed = f; };
  return { scheduler, keeper, attempts, closedConns, states, advance, later, onClosed, completed: () => completed };
}

/** A user recording what the keeper tells it. */
function recorder() {
  const log: string[] = [];
  const errors: unknown[] = [];
  const user: KeeperUser<Conn> = {
    open: (c) => log.push(`open ${c.n}`),
    lost: () => log.push('lost'),
    fatal: (e) => { log.push('fatal'); errors.push(e); },
    closing: () => log.push('closing'),
  };
  return { user, log, errors };
}

const refused = (): TransportError => new TransportError('connect ECONNREFUSED', 'ECONNREFUSED');
const names = (states: { s: ClientState }[]): string[] => states.map(({ s }) => s.state);

describe('reconnect: the keeper on virtual time', () => {
  it('connects only for a user, shares the connection, and goes back to closed (not final) when the last user leaves', () => {
    const t = setup(['amqp://app:s3cret@mq:5672'], {}, (a) => a.subscriber.next(a.conn));
    expect(t.keeper.state).to.deep.equal({ state: 'closed' });
    expect(t.attempts).to.have.length(0);
    const u1 = recorder();
    const u2 = recorder();
    const release1 = t.keeper.acquire(u1.user);
    const release2 = t.keeper.acquire(u2.user);
    expect(t.attempts).to.have.length(1);
    expect(u1.log).to.deep.equal(['open 0']);
    expect(u2.log).to.deep.equal(['open 0']);
    release1();
    expect(t.attempts[0].unsubscribed).to.equal(false);
    release2();
    expect(t.attempts[0].unsubscribed).to.equal(true);
    expect(t.closedConns).to.deep.equal([t.attempts[0].conn]);
    // The password never reaches state$.
    expect(t.states.map(({ s }) => s)).to.deep.equal([
      { state: 'closed' },
      { state: 'connecting', url: 'amqp://app:***@mq:5672', attempt: 1 },
      { state: 'open', url: 'amqp://app:***@mq:5672' },
      { state: 'closed' },
    ]);
    expect(t.completed()).to.equal(false);
    // A new user connects again.
    t.keeper.acquire(recorder().user);
    expect(t.attempts).to.have.length(2);
    expect(t.keeper.state.state).to.equal('open');
  });

  it('fails over through the URL list with exponential backoff, each state carrying its cause', () => {
    const t = setup(['stomp://a', 'stomp://b'], { initialDelayMs: 100, maxDelayMs: 1000 }, (a) => {
      if (a.url === 'stomp://b' && t.attempts.length >= 4) a.subscriber.next(a.conn);
      else a.subscriber.error(refused());
    });
    const u = recorder();
    t.keeper.acquire(u.user);
    t.advance(10_000);
    expect(t.attempts.map((a) => [a.url, a.at])).to.deep.equal([['stomp://a', 0], ['stomp://b', 100], ['stomp://a', 300], ['stomp://b', 700]]);
    const summary = t.states.slice(1).map(({ at, s }) => [at, s.state, s.state === 'connecting' || s.state === 'open' ? s.url : '',
      s.state === 'connecting' || s.state === 'reconnecting' ? s.attempt : '', s.state === 'reconnecting' ? s.delayMs : '']);
    expect(summary).to.deep.equal([
      [0, 'connecting', 'stomp://a', 1, ''],
      [0, 'reconnecting', '', 2, 100],
      [100, 'connecting', 'stomp://b', 2, ''],
      [100, 'reconnecting', '', 3, 200],
      [300, 'connecting', 'stomp://a', 3, ''],
      [300, 'reconnecting', '', 4, 400],
      [700, 'connecting', 'stomp://b', 4, ''],
      [700, 'open', 'stomp://b', '', ''],
    ]);
    for (const { s } of t.states) if (s.state === 'reconnecting') expect(s.error).to.be.instanceOf(TransportError);
    expect(u.log).to.deep.equal(['open 3']);
  });

  it('does not reset the attempt counter for a connection lost within resetAfterMs: a broker that accepts and drops is not hammered', () => {
    // Every connection opens and is dropped 10 ms later.
    const t = setup(['amqp://flaky'], { initialDelayMs: 20, maxDelayMs: 1000, resetAfterMs: 500 }, (a) => {
      a.subscriber.next(a.conn);
      t.later(10, () => a.subscriber.error(refused()));
    });
    const u = recorder();
    t.keeper.acquire(u.user);
    t.advance(2000);
    // Delays 20, 40, 80, 160, 320, 640 (+10 ms open each): 7 connections in 2 s, not ~70.
    expect(t.attempts.map((a) => a.at)).to.deep.equal([0, 30, 80, 170, 340, 670, 1320]);
    const delays = t.states.flatMap(({ s }) => (s.state === 'reconnecting' ? [s.delayMs] : []));
    expect(delays).to.deep.equal([20, 40, 80, 160, 320, 640, 1000]);
    // The user saw each connection come and go.
    expect(u.log.slice(0, 4)).to.deep.equal(['open 0', 'lost', 'open 1', 'lost']);
  });

  it('resets the counter once a connection stayed open resetAfterMs, and retries the URL that worked first', () => {
    let life = 10;
    const t = setup(['amqp://a', 'amqp://b'], { initialDelayMs: 100, maxDelayMs: 10_000, resetAfterMs: 1000 }, (a) => {
      a.subscriber.next(a.conn);
      t.later(life, () => a.subscriber.error(refused()));
    });
    t.keeper.acquire(recorder().user);
    t.advance(400); // two young losses: delays 100 and 200
    expect(t.attempts.map((a) => a.at)).to.deep.equal([0, 110, 320]);
    life = 1000;
    t.advance(5000);
    const reconnecting = t.states.flatMap(({ s }) => (s.state === 'reconnecting' ? [[s.attempt, s.delayMs]] : []));
    // After the young losses 100, 200; the third connection lived 1000 ms, so its loss starts over.
    expect(reconnecting.slice(0, 4)).to.deep.equal([[2, 100], [3, 200], [4, 400], [1, 100]]);
    expect(t.attempts.every((a) => a.url === 'amqp://a')).to.equal(true);
  });

  it('gives up after maxAttempts consecutive failures with the last error: every user, state closed with it, final', () => {
    const errors: Error[] = [];
    const t = setup(['amqp://down'], { initialDelayMs: 10, maxAttempts: 3 }, (a) => {
      const e = refused();
      errors.push(e);
      a.subscriber.error(e);
    });
    const u1 = recorder();
    const u2 = recorder();
    t.keeper.acquire(u1.user);
    t.keeper.acquire(u2.user);
    t.advance(10_000);
    expect(t.attempts).to.have.length(3);
    expect(u1.errors).to.deep.equal([errors[2]]);
    expect(u2.errors).to.deep.equal([errors[2]]);
    expect(t.keeper.state).to.deep.equal({ state: 'closed', error: errors[2] });
    expect(names(t.states)).to.deep.equal(['closed', 'connecting', 'reconnecting', 'connecting', 'reconnecting', 'connecting', 'closed']);
    expect(t.completed()).to.equal(true);
    // Final: a later user gets the same error and nothing connects.
    const late = recorder();
    t.keeper.acquire(late.user);
    t.advance(10_000);
    expect(late.errors).to.deep.equal([errors[2]]);
    expect(t.attempts).to.have.length(3);
  });

  for (const [name, make] of [
    ['an authentication error', () => new AuthenticationError('authentication failed')],
    ['a bad URL (UrlError)', () => new UrlError('unsupported URL scheme')],
    ['an option out of range (RangeError)', () => new RangeError('heartbeat must be positive')],
  ] as const) {
    it(`ends at once on ${name}: no retry, every user gets it, closed carries it`, () => {
      const err = make();
      const t = setup(['amqp://x'], { initialDelayMs: 1 }, (a) => a.subscriber.error(err));
      const u = recorder();
      t.keeper.acquire(u.user);
      t.advance(1000);
      expect(t.attempts).to.have.length(1);
      expect(u.errors).to.deep.equal([err]);
      expect(names(t.states)).to.deep.equal(['closed', 'connecting', 'closed']);
      expect(t.keeper.state).to.deep.equal({ state: 'closed', error: err });
      expect(t.completed()).to.equal(true);
    });
  }

  it('retries transport loss, a timeout, a broker error, and a clean close by the peer', () => {
    const ends: ((s: Subscriber<Conn>) => void)[] = [
      (s) => s.error(refused()),
      (s) => s.error(new Error('idle timeout')),
      (s) => s.complete(),
    ];
    const t = setup(['amqp://x'], { initialDelayMs: 1 }, (a) => {
      a.subscriber.next(a.conn);
      const end = ends[t.attempts.length - 1];
      if (end !== undefined) t.later(5, () => end(a.subscriber));
    });
    t.keeper.acquire(recorder().user);
    t.advance(1000);
    expect(t.attempts).to.have.length(4);
    const errors = t.states.flatMap(({ s }) => (s.state === 'reconnecting' ? [s.error] : []));
    expect(errors.map((e) => e.constructor.name)).to.deep.equal(['TransportError', 'Error', 'ConnectionClosedByPeerError']);
    expect(errors[2]).to.be.instanceOf(ConnectionClosedByPeerError);
    expect(t.keeper.state.state).to.equal('open');
  });

  it('close(): users are told, the connection closes, state$ ends with closed; later users get ClientClosedError', async () => {
    const t = setup(['amqp://x'], {}, (a) => a.subscriber.next(a.conn));
    const u = recorder();
    t.keeper.acquire(u.user);
    await t.keeper.close();
    expect(u.log).to.deep.equal(['open 0', 'closing']);
    expect(t.attempts[0].unsubscribed).to.equal(true);
    expect(t.closedConns).to.have.length(1);
    expect(names(t.states)).to.deep.equal(['closed', 'connecting', 'open', 'closed']);
    expect(t.completed()).to.equal(true);
    const late = recorder();
    t.keeper.acquire(late.user);
    expect(late.errors[0]).to.be.instanceOf(ClientClosedError);
    await t.keeper.close(); // idempotent
  });

  it('close() during a retry wait cancels the retry', async () => {
    const t = setup(['amqp://x'], { initialDelayMs: 100 }, (a) => a.subscriber.error(refused()));
    t.keeper.acquire(recorder().user);
    expect(t.keeper.state.state).to.equal('reconnecting');
    await t.keeper.close();
    t.advance(10_000);
    expect(t.attempts).to.have.length(1);
    expect(t.keeper.state).to.deep.equal({ state: 'closed' });
  });

  it('close() waits for the graceful close of the connection', async () => {
    let finish = (): void => {};
    const t = setup(['amqp://x'], {}, (a) => a.subscriber.next(a.conn));
    t.onClosed(() => new Promise<void>((r) => { finish = r; }));
    t.keeper.acquire(recorder().user);
    let done = false;
    const closing = t.keeper.close().then(() => { done = true; });
    await Promise.resolve();
    expect(done).to.equal(false);
    finish();
    await closing;
    expect(done).to.equal(true);
  });

  it('recycle(): a user giving up on the open connection closes it and reconnects to the same URL', async () => {
    const t = setup(['amqp://a', 'amqp://b'], { initialDelayMs: 50 }, (a) => a.subscriber.next(a.conn));
    const u = recorder();
    t.keeper.acquire(u.user);
    t.keeper.recycle(t.attempts[0].conn, new Error('every session ended'));
    await Promise.resolve();
    expect(t.attempts[0].unsubscribed).to.equal(true);
    expect(u.log).to.deep.equal(['open 0', 'lost']);
    t.advance(100);
    expect(t.attempts.map((a) => a.url)).to.deep.equal(['amqp://a', 'amqp://a']);
    expect(u.log).to.deep.equal(['open 0', 'lost', 'open 1']);
  });

  it('a user that closes the client inside its own open() does not leave the connection behind', async () => {
    // The connection opens synchronously, inside connect()'s subscribe: the close comes before it returns.
    const t = setup(['amqp://x'], {}, (a) => a.subscriber.next(a.conn));
    let closing: Promise<void> | undefined;
    t.keeper.acquire({ open: () => { closing = t.keeper.close(); }, lost: () => {}, fatal: () => {}, closing: () => {} });
    await closing;
    expect(t.attempts[0].unsubscribed).to.equal(true);
    expect(t.closedConns).to.have.length(1);
    expect(t.keeper.state).to.deep.equal({ state: 'closed' });
  });

  it('rejects bad reconnect options and an empty URL list when the client is made', () => {
    const connector = { connect: () => new Observable<Conn>(), closed: () => Promise.resolve(), isAuthenticationError: () => false };
    expect(() => new ReconnectKeeper({ urls: ['amqp://x'], connector, reconnect: { jitter: 2 } })).to.throw(RangeError);
    expect(() => new ReconnectKeeper({ urls: [], connector })).to.throw(TypeError);
  });
});
