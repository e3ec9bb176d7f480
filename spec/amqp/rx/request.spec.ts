/**
 * request() with a fixed reply address, against rhea as an independent peer that serves
 * request/reply nodes (spec/support/rhea-management.ts): a reply queue (reply-to = the receiver's
 * source), and the management pattern of `$management` and `$cbs` (the receiver reads from the node
 * and names the reply-to as its link name and target). Many requests in flight, replies out of
 * order, timeouts and late replies, a refused reply link, and the same through amqpClient.
 */
import { expect } from 'chai';
import { firstValueFrom, forkJoin, lastValueFrom, range, mergeMap, toArray } from 'rxjs';
import { amqpClient, connect, type AmqpConnection } from '../../../src/amqp/index.js';
import { AmqpError } from '../../../src/amqp/engine/errors.js';
import { TimeoutError } from '../../../src/errors.js';
import { startManagementPeer, type ManagementPeer } from '../../support/rhea-management.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('amqp/rx request() to a fixed reply address (rhea as the responder)', function () {
  this.timeout(20_000);
  let peer: ManagementPeer;

  beforeEach(async () => {
    peer = await startManagementPeer();
    // An echo service that answers after a random delay, so replies come back out of order.
    peer.handle('service', async (req) => {
      await sleep(Math.floor(Math.random() * 40));
      return { body: `echo:${String(req.message.body)}`, application_properties: { n: req.message.application_properties?.n } };
    });
    peer.handle('$management', (req) => ({ body: { entities: ['q1', 'q2'] }, application_properties: { 'status-code': 200, operation: req.message.application_properties?.operation } }));
  });
  afterEach(async () => { await peer.close(); });

  const withConnection = <T>(f: (c: AmqpConnection) => Promise<T>): Promise<T> =>
    firstValueFrom(connect(peer.url).pipe(mergeMap((c) => f(c))));

  it('a reply queue: reply-to set to it, the receiver attached to it, 50 requests in flight matched by correlation-id', async () => {
    const replies = await withConnection((c) => lastValueFrom(range(0, 50).pipe(
      mergeMap((n) => c.request<string, string>('service', { body: `r${n}`, applicationProperties: { n } }, { replyTo: 'replies-fixed-1' })),
      toArray(),
    )));
    expect(replies.map((m) => m.body).sort()).to.deep.equal(range0(50).map((n) => `echo:r${n}`).sort());
    for (const m of replies) expect(m.body).to.equal(`echo:r${String(m.applicationProperties?.n)}`);
    // One receiver for all of them, reading the fixed address; every request named it as reply-to.
    expect(peer.replyLinks).to.have.length(1);
    expect(peer.replyLinks[0]).to.include({ source: 'replies-fixed-1', target: 'replies-fixed-1' });
    expect(peer.requests.map((r) => r.message.reply_to)).to.deep.equal(new Array(50).fill('replies-fixed-1'));
    // Correlation is by the request's message-id, which the peer echoed as correlation-id.
    const ids = new Set(peer.requests.map((r) => r.message.message_id));
    expect(ids.size).to.equal(50);
  });

  it('the management pattern: the receiver reads $management, named and targeted by the reply address', async () => {
    const reply = await withConnection((c) => firstValueFrom(c.request('$management', {
      body: null, applicationProperties: { operation: 'READ' },
    }, { replyTo: { address: 'mgmt-reply-7', source: '$management' } })));
    expect(reply.applicationProperties).to.deep.include({ 'status-code': 200, operation: 'READ' });
    expect(reply.body).to.deep.equal({ entities: ['q1', 'q2'] });
    expect(peer.replyLinks).to.deep.equal([{ name: 'mgmt-reply-7', source: '$management', target: 'mgmt-reply-7' }]);
    expect(peer.requests[0].message.reply_to).to.equal('mgmt-reply-7');
  });

  it('times out a request without a reply, drops the late reply, and the next request works', async () => {
    peer.handle('silent', () => undefined);
    await withConnection(async (c) => {
      const err = await firstValueFrom(c.request('silent', { body: 'x' }, { replyTo: 'replies-t', timeout: 200 })).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TimeoutError);
      // The reply arrives after all: accepted and dropped, nothing errors.
      expect(peer.replyTo('replies-t', { body: 'late', correlation_id: peer.requests[0].message.message_id })).to.equal(true);
      await sleep(50);
      const next = await firstValueFrom(c.request<string, string>('service', { body: 'after' }, { replyTo: 'replies-t' }));
      expect(next.body).to.equal('echo:after');
    });
  });

  it('two fixed reply addresses side by side on one session, each with its own receiver', async () => {
    await withConnection(async (c) => {
      const [a, b] = await firstValueFrom(forkJoin([
        c.request<string, string>('service', { body: 'fixed' }, { replyTo: 'replies-mixed' }),
        c.request<string, string>('service', { body: 'again' }, { replyTo: { address: 'replies-mixed-2', source: 'replies-mixed-2' } }),
      ]));
      expect([a.body, b.body]).to.deep.equal(['echo:fixed', 'echo:again']);
      expect(peer.replyLinks.map((l) => l.source).sort()).to.deep.equal(['replies-mixed', 'replies-mixed-2']);
    });
  });

  it('a refused reply link fails the requests waiting on it with the peer\'s error, at once', async () => {
    const refusing = await startManagementPeer({ cbs: () => ({ code: 401, description: 'no' }) });
    refusing.handle('service', () => ({ body: 'never' }));
    try {
      // This peer refuses every link but its nodes' and reply queues' until a token is accepted.
      const started = Date.now();
      const err = await firstValueFrom(connect(refusing.url).pipe(mergeMap((c) =>
        c.request('service', { body: 'x' }, { replyTo: { address: 'refused-replies', source: 'no-such-node' }, timeout: 5000 })))).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AmqpError);
      expect((err as AmqpError).condition).to.equal('amqp:unauthorized-access');
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      await refusing.close();
    }
  });

  it('refuses an empty reply address with a TypeError', async () => {
    const err = await withConnection((c) => firstValueFrom(c.request('service', { body: 'x' }, { replyTo: '' }))).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
  });

  it('amqpClient.request takes the same fixed reply address', async () => {
    const client = amqpClient(peer.url);
    try {
      const replies = await lastValueFrom(range(0, 10).pipe(
        mergeMap((n) => client.request<string, string>('service', { body: `c${n}` }, { replyTo: { address: 'client-replies', source: 'client-replies' } })),
        toArray(),
      ));
      expect(replies.map((m) => m.body).sort()).to.deep.equal(range0(10).map((n) => `echo:c${n}`).sort());
    } finally {
      await client.close();
    }
  });
});

function range0(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
