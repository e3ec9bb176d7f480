/**
 * Per-user access (`users` with permissions) over both protocols, from the user's side: rhea and
 * rx-mq over AMQP (attach refused with amqp:unauthorized-access, relay messages rejected), the
 * SASL authorization identity (authzid) allowed only where the account says so, and
 * @stomp/stompjs, a raw socket and rx-mq over STOMP (an ERROR frame, then the connection closes).
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { firstValueFrom, from, lastValueFrom, map as rxMap, switchMap, take, toArray } from 'rxjs';
import { AuthenticationError, connect } from '../../src/amqp/index.js';
import { AmqpError } from '../../src/amqp/engine/errors.js';
import { startBroker, type BrokerUsers, type EmbeddedBroker } from '../../src/broker/index.js';
import { connect as stompConnect, StompError } from '../../src/stomp/index.js';
import { rheaConnect, rheaSendAll, rheaSender, type RheaClient } from './helpers.js';
import { rawClient, stompjs } from './stomp-helpers.js';

const USERS: BrokerUsers = {
  admin: 'secret', // a password alone: everything
  alice: { password: 'a', permissions: { read: '^(orders|topic/news)$', write: '^(orders|topic/news)$', create: '^orders$' }, actAs: ['bob'] },
  bob: { password: 'b', permissions: { read: '^bob\\.', write: '^bob\\.', create: '^bob\\.' } },
  carol: { password: 'c', permissions: { read: '.*', write: '.*' } }, // may use any node, create none
};

type RheaError = { condition: string; description: string };

describe('broker: per-user permissions', function () {
  this.timeout(20_000);
  let broker: EmbeddedBroker;
  const clients: RheaClient[] = [];
  beforeEach(async () => { broker = await startBroker({ users: USERS }); });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await broker.close();
  });
  const rheaAs = async (username: string, password: string): Promise<RheaClient> => {
    const c = await rheaConnect(broker.amqpPort, { username, password });
    clients.push(c);
    return c;
  };
  const refusedReceiver = (c: RheaClient, address: string): Promise<RheaError> => new Promise((resolve, reject) => {
    const r = c.connection.open_receiver({ source: address });
    r.once('receiver_error', () => resolve(r.error as RheaError));
    r.once('message', () => reject(new Error('a refused receiver got a message')));
  });
  const refusedSender = (c: RheaClient, address: string): Promise<RheaError> => new Promise((resolve) => {
    const s = c.connection.open_sender(address);
    s.once('sender_error', () => resolve(s.error as RheaError));
  });

  describe('AMQP', () => {
    it('rhea: attaches within the patterns; others refused with amqp:unauthorized-access, whatever the spelling', async () => {
      const alice = await rheaAs('alice', 'a');
      const s = await rheaSender(alice, 'orders');
      expect(await rheaSendAll(s, [{ body: 'o-1' }])).to.deep.equal(['accepted']);
      for (const address of ['secrets', '/queue/secrets', 'queue/secrets', 'topic/orders']) {
        const e = await refusedReceiver(alice, address);
        expect(e.condition, address).to.equal('amqp:unauthorized-access');
      }
      const e = await refusedSender(alice, '/queue/secrets');
      expect(e.condition).to.equal('amqp:unauthorized-access');
      expect(e.description).to.equal('user "alice" may not write to "secrets"');
      expect(broker.queue('secrets')).to.equal(undefined); // a refused attach creates nothing
      // The connection still serves what is allowed.
      const got = await new Promise<unknown>((resolve) => {
        const r = alice.connection.open_receiver({ source: '/queue/orders' });
        r.once('message', (ctx: rhea.EventContext) => resolve(ctx.message?.body));
      });
      expect(got).to.equal('o-1');
    });

    it('rhea: create is its own right: an existing node may be used, a new one not made', async () => {
      const carol = await rheaAs('carol', 'c');
      expect((await refusedSender(carol, 'fresh')).description).to.equal('user "carol" may not create "fresh"');
      const admin = await rheaAs('admin', 'secret');
      await rheaSendAll(await rheaSender(admin, 'fresh'), [{ body: 'made by admin' }]);
      expect(await rheaSendAll(await rheaSender(carol, 'fresh'), [{ body: 'carol' }])).to.deep.equal(['accepted']);
      expect(broker.queue('fresh')?.depth).to.equal(2);
    });

    it('rhea: the anonymous relay rejects a message to an address the user may not write', async () => {
      const alice = await rheaAs('alice', 'a');
      const relay = await rheaSender(alice, { target: {} } as rhea.SenderOptions);
      const outcomes: string[] = [];
      await new Promise<void>((resolve) => {
        relay.on('accepted', () => { outcomes.push('accepted'); if (outcomes.length === 2) resolve(); });
        relay.on('rejected', (ctx: rhea.EventContext) => {
          outcomes.push(`rejected ${(ctx.delivery?.remote_state as { error?: { condition?: string } })?.error?.condition}`);
          if (outcomes.length === 2) resolve();
        });
        relay.send({ to: 'secrets', body: 'no' });
        relay.send({ to: '/queue/orders', body: 'yes' });
      });
      expect(outcomes.sort()).to.deep.equal(['accepted', 'rejected amqp:unauthorized-access']);
      expect(broker.queue('secrets')).to.equal(undefined);
    });

    it('rx-mq: a receive refused errors with AmqpError amqp:unauthorized-access', async () => {
      const err = await firstValueFrom(connect(broker.amqpUrl.replace('amqp://', 'amqp://bob:b@')).pipe(
        switchMap((c) => c.receive('orders')))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AmqpError);
      expect((err as AmqpError).condition).to.equal('amqp:unauthorized-access');
    });

    it('SASL PLAIN authzid: acting as another user only where the account allows it, with that user\'s rights', async () => {
      const url = broker.amqpUrl;
      // alice may act as bob: she gets bob's rights (bob.* yes, orders no).
      const asBob = { url, sasl: { username: 'alice', password: 'a', authzid: 'bob' } };
      const outcomes = await firstValueFrom(connect(asBob).pipe(switchMap((c) => lastValueFrom(from(['x']).pipe(rxMap((body) => ({ body })), c.send('bob.inbox'), toArray()))), take(1)));
      expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted']);
      const denied = await firstValueFrom(connect(asBob).pipe(switchMap((c) => c.receive('orders')))).then(() => undefined, (e: unknown) => e);
      expect((denied as AmqpError).condition).to.equal('amqp:unauthorized-access');
      // bob may act as nobody; admin (a password only) neither; acting as oneself is fine.
      for (const sasl of [{ username: 'bob', password: 'b', authzid: 'alice' }, { username: 'admin', password: 'secret', authzid: 'alice' }, { username: 'alice', password: 'a', authzid: 'nobody' }]) {
        const e = await firstValueFrom(connect({ url, sasl })).then(() => undefined, (x: unknown) => x);
        expect(e, sasl.username).to.be.instanceOf(AuthenticationError);
      }
      const self = await firstValueFrom(connect({ url, sasl: { username: 'bob', password: 'b', authzid: 'bob' } }).pipe(take(1)));
      expect(self).to.not.equal(undefined);
    });
  });

  describe('STOMP', () => {
    it('stompjs: SEND and SUBSCRIBE within the patterns; a refused one gets an ERROR and the connection closes', async () => {
      const alice = await stompjs(broker.stompPort as number, { login: 'alice', passcode: 'a' });
      const receipt = 'r-ok';
      const stored = new Promise<void>((resolve) => alice.watchForReceipt(receipt, () => resolve()));
      alice.publish({ destination: '/queue/orders', body: 'from stomp', headers: { receipt } });
      await stored;
      expect(broker.queue('orders')?.depth).to.equal(1);
      const error = new Promise<string | undefined>((resolve) => { alice.onStompError = (f) => resolve(f.headers.message); });
      const closed = new Promise<void>((resolve) => { alice.onWebSocketClose = () => resolve(); });
      alice.subscribe('/queue/secrets', () => {});
      expect(await error).to.equal('access refused: user "alice" may not read from "secrets"');
      await closed;
      await alice.deactivate();
      expect(broker.queue('secrets')).to.equal(undefined);
    });

    it('raw: a transactional SEND is refused when it arrives, not at COMMIT, with the receipt-id', async () => {
      const raw = await rawClient(broker.stompPort as number);
      raw.write('CONNECT\naccept-version:1.2\nhost:/\nlogin:carol\npasscode:c\n\n\0');
      await raw.frame((f) => f.command === 'CONNECTED');
      raw.write('BEGIN\ntransaction:t1\n\n\0SEND\ndestination:/queue/new-one\ntransaction:t1\nreceipt:s-1\n\nbody\0');
      const err = await raw.frame((f) => f.command === 'ERROR');
      expect(err.headers.find(([k]) => k === 'message')?.[1]).to.equal('access refused: user "carol" may not create "new-one"');
      expect(err.headers.find(([k]) => k === 'receipt-id')?.[1]).to.equal('s-1');
      await raw.closed;
      expect(broker.queue('new-one')).to.equal(undefined);
    });

    it('rx-mq: a refused subscription errors with StompError carrying the broker\'s message', async () => {
      const err = await firstValueFrom(stompConnect((broker.stompUrl as string).replace('stomp://', 'stomp://bob:b@')).pipe(
        switchMap((s) => s.subscribe('/topic/news')))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(StompError);
      expect((err as StompError).brokerMessage).to.equal('access refused: user "bob" may not read from "topic/news"');
    });

    it('wrong passcodes and unknown users are refused at CONNECT as before', async () => {
      for (const [login, passcode] of [['alice', 'b'], ['nobody', 'x']]) {
        const e = await stompjs(broker.stompPort as number, { login, passcode }).then(() => undefined, (x: unknown) => x);
        expect((e as Error).message).to.equal('access refused: wrong login or passcode');
      }
    });
  });

  it('refuses to start with a pattern that does not compile, naming it', async () => {
    const e = await startBroker({ users: { dave: { password: 'd', permissions: { read: '(' } } } }).then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(TypeError);
    expect((e as Error).message).to.match(/^users\.dave\.permissions\.read is not a valid regular expression/);
  });
});
