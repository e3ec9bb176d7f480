/**
 * Cold and owned, against rhea as the server: nothing touches the network before subscribe, a
 * close frame on unsubscribe, and a sender link attached on subscribe and detached on completion.
 */
import { expect } from 'chai';
import type { AddressInfo, Server } from 'node:net';
import rhea from 'rhea';
import { from, lastValueFrom, switchMap, take, toArray } from 'rxjs';
import { connect } from '../../../src/amqp/index.js';

describe('amqp/rx: cold connections and graceful teardown (rhea server)', function () {
  this.timeout(20_000);
  let container: rhea.Container;
  let server: Server;
  let port: number;
  const events: string[] = [];
  beforeEach(async () => {
    events.length = 0;
    container = rhea.create_container({ id: 'rhea-rx' });
    container.on('connection_open', () => events.push('open'));
    container.on('connection_close', () => events.push('close'));
    container.on('receiver_open', () => events.push('link-attach'));
    container.on('receiver_close', () => events.push('link-detach'));
    server = container.listen({ port: 0, host: '127.0.0.1' }) as unknown as Server;
    await new Promise<void>((r) => server.once('listening', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => server.close());

  it('touches nothing before subscribe, and closes with a close frame on unsubscribe', async () => {
    const conn$ = connect({ url: `amqp://127.0.0.1:${port}`, sasl: false });
    await new Promise((r) => setTimeout(r, 100));
    expect(events).to.deep.equal([]);
    const sub = conn$.subscribe();
    await new Promise((r) => setTimeout(r, 300));
    expect(events).to.deep.equal(['open']);
    sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 300));
    expect(events).to.deep.equal(['open', 'close']);
  });

  it('attaches a sender on subscribe and detaches it when the operator completes', async () => {
    const outcomes = await lastValueFrom(connect({ url: `amqp://127.0.0.1:${port}`, sasl: false }).pipe(
      switchMap((c) => from([{ body: 'a' }, { body: 'b' }]).pipe(c.send('q'), toArray())),
      take(1),
    ));
    expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted']);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).to.include.members(['link-attach', 'link-detach']);
  });
});
