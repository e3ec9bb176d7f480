/**
 * Claims-based security against rhea as an independent peer serving a `$cbs` node the way Azure
 * Service Bus does (spec/support/rhea-management.ts): the peer refuses every link until a token is
 * accepted, checks each put-token with the test's function and answers with status-code and
 * status-description. Accepted (200, 202), rejected (typed CbsError, no link of the application
 * attaches), refreshed before expiry (short-lived tokens), a failing or broken token provider, a
 * refresh that keeps failing until the token expires, a peer without `$cbs`, and amqpClient.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, mergeMap, of, take, toArray } from 'rxjs';
import { amqpClient, CbsError, connect, type AmqpConnection, type CbsOptions, type CbsToken } from '../../../src/amqp/index.js';
import { refreshDelay } from '../../../src/amqp/rx/cbs.js';
import rhea from 'rhea';
import { startRheaServer } from './rhea-server.js';
import { startManagementPeer, type ManagementPeer, type TokenCheck } from '../../support/rhea-management.js';

const AUDIENCE = 'sb://rx-mq-test.servicebus.windows.net/orders';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx claims-based security ($cbs put-token) against rhea', function () {
  this.timeout(20_000);
  let peer: ManagementPeer | undefined;
  let verdict: TokenCheck;
  const seen: { token: unknown; type: unknown; name: unknown; expiration: unknown; at: number }[] = [];

  beforeEach(async () => {
    seen.length = 0;
    verdict = ({ token }) => (typeof token === 'string' && token.startsWith('good') ? { code: 200, description: 'OK' } : { code: 401, description: 'InvalidSignature: the token is not valid' });
    peer = await startManagementPeer({ cbs: (req) => { seen.push({ ...req, at: Date.now() }); return verdict(req); } });
  });
  afterEach(async () => { await peer?.close(); });

  /** A provider of good tokens `good-1`, `good-2`... each living `lifeMs`. */
  const provider = (lifeMs: number, prefix = 'good'): CbsOptions['tokenProvider'] & { calls: number } => {
    const f = Object.assign((audience: string): Promise<CbsToken> => {
      f.calls++;
      expect(audience).to.equal(AUDIENCE);
      return Promise.resolve({ token: `${prefix}-${f.calls}`, expiresAt: new Date(Date.now() + lifeMs), type: 'jwt' });
    }, { calls: 0 });
    return f;
  };

  /** Connect with CBS, then send one message to and take it from `q` (links that need the claim). */
  async function roundTrip(c: AmqpConnection, q: string): Promise<unknown> {
    const got = firstValueFrom(c.receive(q));
    await lastValueFrom(of({ body: 'claimed' }).pipe(c.send(q)));
    return (await got).body;
  }

  it('puts the token to $cbs before the connection is emitted; the application\'s links then attach', async () => {
    const p = peer as ManagementPeer;
    const tokens = provider(3_600_000);
    const body = await firstValueFrom(connect({ url: p.url, cbs: { audience: AUDIENCE, tokenProvider: tokens } }).pipe(mergeMap((c) => roundTrip(c, 'orders'))));
    expect(body).to.equal('claimed');
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.include({ token: 'good-1', type: 'jwt', name: AUDIENCE });
    expect(seen[0].expiration).to.be.instanceOf(Date);
    expect((seen[0].expiration as Date).getTime()).to.be.closeTo(Date.now() + 3_600_000, 60_000);
    const req = p.requests[0].message;
    expect(req.application_properties?.operation).to.equal('put-token');
    expect(req.reply_to).to.match(/^cbs-/);
    // The management pattern: the reply link reads $cbs, named and targeted by the reply address.
    expect(p.replyLinks).to.deep.equal([{ name: req.reply_to, source: '$cbs', target: req.reply_to }]);
    expect(p.refusedForClaims).to.deep.equal([]);
    expect(p.attached).to.include('orders');
  });

  it('takes 202 Accepted as acceptance too', async () => {
    verdict = () => ({ code: 202, description: 'Accepted' });
    const c = await firstValueFrom(connect({ url: (peer as ManagementPeer).url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000) } }).pipe(take(1)));
    expect(c).to.be.ok;
  });

  it('a rejected token is a CbsError with status-code and status-description, and no link of the application attaches', async () => {
    const p = peer as ManagementPeer;
    let emitted = false;
    const err = await firstValueFrom(connect({ url: p.url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000, 'bad') } }).pipe(
      mergeMap((c) => { emitted = true; return roundTrip(c, 'orders'); }),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CbsError);
    const e = err as CbsError;
    expect(e.statusCode).to.equal(401);
    expect(e.statusDescription).to.equal('InvalidSignature: the token is not valid');
    expect(e.audience).to.equal(AUDIENCE);
    expect(e.message).to.include('401').and.not.include('bad-1');
    expect(emitted).to.equal(false);
    await sleep(50);
    expect(p.attached).to.deep.equal([]);
    expect(p.refusedForClaims).to.deep.equal([]);
  });

  it('puts a new token before the old one expires, and the connection keeps working', async () => {
    const tokens = provider(1500);
    const p = peer as ManagementPeer;
    const start = Date.now();
    await firstValueFrom(connect({ url: p.url, cbs: { audience: AUDIENCE, tokenProvider: tokens } }).pipe(mergeMap(async (c) => {
      for (let i = 0; i < 400 && seen.length < 3; i++) await sleep(10);
      expect(await roundTrip(c, 'after-refresh')).to.equal('claimed');
    })));
    expect(seen.map((s) => s.token)).to.deep.equal(['good-1', 'good-2', 'good-3']);
    // Each refresh came before the token in force expired: 80% into a 1.5 s life, not at once.
    for (let i = 1; i < seen.length; i++) {
      const previousExpiry = (seen[i - 1].expiration as Date).getTime();
      expect(seen[i].at, `put ${i + 1}`).to.be.below(previousExpiry);
      expect(seen[i].at - seen[i - 1].at, `gap before put ${i + 1}`).to.be.above(800);
    }
    expect(seen[0].at - start).to.be.below(1000);
  });

  it('refresh timing: the margin before expiry, or 80% of the remaining life for short tokens', () => {
    expect(refreshDelay(3_600_000, 300_000)).to.equal(3_300_000);
    expect(refreshDelay(1000, 300_000)).to.equal(800);
    expect(refreshDelay(0, 300_000)).to.equal(0);
  });

  const brokenProviders: readonly [string, CbsOptions['tokenProvider'], RegExp][] = [
    ['throws', () => { throw new Error('token service down'); }, /token provider failed: token service down/],
    ['rejects', () => Promise.reject(new Error('no credentials')), /token provider failed: no credentials/],
    ['gives no token string', () => ({ token: '', expiresAt: Date.now() + 1000, type: 'jwt' }), /no token string/],
    ['gives an expired token', () => ({ token: 'good', expiresAt: Date.now() - 1, type: 'jwt' }), /expired/],
    ['gives no type', () => ({ token: 'good', expiresAt: Date.now() + 1000, type: '' }), /no token type/],
    ['never answers', () => new Promise<CbsToken>(() => {}), /no token within 300 ms/],
  ];
  for (const [name, tokenProvider, why] of brokenProviders) {
    it(`a token provider that ${name} fails the connection with a CbsError, before any link`, async () => {
      const p = peer as ManagementPeer;
      const err = await firstValueFrom(connect({ url: p.url, cbs: { audience: AUDIENCE, tokenProvider, timeout: 300 } })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(CbsError);
      expect((err as Error).message).to.match(why);
      expect((err as CbsError).statusCode).to.equal(undefined);
      expect(p.attached).to.deep.equal([]);
    });
  }

  it('a refresh that keeps failing is retried while the token holds, then ends the connection with a CbsError', async () => {
    let calls = 0;
    const tokenProvider = (): CbsToken => {
      calls++;
      if (calls > 1) throw new Error('token service down');
      return { token: 'good-first', expiresAt: Date.now() + 1500, type: 'jwt' };
    };
    const start = Date.now();
    const err = await firstValueFrom(connect({ url: (peer as ManagementPeer).url, cbs: { audience: AUDIENCE, tokenProvider } }).pipe(
      mergeMap(() => new Promise(() => {})),
    )).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CbsError);
    expect((err as Error).message).to.match(/expired and could not be renewed: .*token service down/);
    expect(calls).to.be.at.least(3);
    expect(Date.now() - start).to.be.within(1400, 5000);
  });

  it('a peer where $cbs is an ordinary queue: the put-token comes back without a status-code, a CbsError', async () => {
    const plain = await startManagementPeer();
    try {
      const err = await firstValueFrom(connect({ url: plain.url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000), timeout: 300 } })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(CbsError);
      expect((err as Error).message).to.match(/\$cbs refused the token .*no status-code/);
      expect((err as CbsError).statusCode).to.equal(undefined);
    } finally {
      await plain.close();
    }
  });

  it('a peer that answers nothing on $cbs: a CbsError after the timeout', async () => {
    const mute = await startRheaServer('rhea-no-cbs');
    // Attaches are answered (the links work), messages to $cbs are taken and never answered.
    mute.container.on('sender_open', (ctx: rhea.EventContext) => { const s = ctx.sender as rhea.Sender; s.set_source({ address: '$cbs' }); });
    mute.container.on('receiver_open', (ctx: rhea.EventContext) => { const r = ctx.receiver as rhea.Receiver; r.set_target({ address: '$cbs' }); });
    try {
      const err = await firstValueFrom(connect({ url: mute.url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000), timeout: 300 } })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(CbsError);
      expect((err as Error).message).to.match(/no answer from \$cbs within 300 ms/);
    } finally {
      await mute.close();
    }
  });

  it('checks the options: an empty audience is a TypeError', async () => {
    const err = await firstValueFrom(connect({ url: (peer as ManagementPeer).url, cbs: { audience: '', tokenProvider: provider(1000) } })).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
  });

  it('amqpClient puts the token on each connection, and ends (not retries) on a refused one', async () => {
    const p = peer as ManagementPeer;
    const client = amqpClient({ urls: p.url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000) } });
    try {
      const got = firstValueFrom(client.receive('client-q').pipe(take(1), toArray()));
      await lastValueFrom(of({ body: 'via client' }).pipe(client.send('client-q')));
      expect((await got).map((m) => m.body)).to.deep.equal(['via client']);
    } finally {
      await client.close();
    }
    const refused = amqpClient({ urls: p.url, cbs: { audience: AUDIENCE, tokenProvider: provider(60_000, 'bad') }, reconnect: { initialDelayMs: 10 } });
    const before = seen.length;
    const err = await firstValueFrom(refused.receive('x')).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CbsError);
    expect((err as CbsError).statusCode).to.equal(401);
    await sleep(100);
    expect(seen.length - before).to.equal(1);
    expect(refused.state.state).to.equal('closed');
  });
});
