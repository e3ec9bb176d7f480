/**
 * A refused virtual host when the URL named none (issue 22, item 11a): RabbitMQ answers
 * "Virtual host '127.0.0.1' access denied" because the host header defaulted to the host name.
 * The error says what to do. A scripted peer answers as RabbitMQ does; the interop tier asks
 * RabbitMQ itself (spec/interop/stomp/fatal.spec.ts).
 */
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { connect, headerOf, stompClient, StompAuthenticationError } from '../../src/stomp/index.js';
import { fakePeer, type FakePeer } from './peer.js';

describe('stomp: a refused default virtual host says how to name one', function () {
  this.timeout(10_000);
  let peer: FakePeer;
  before(async () => {
    peer = await fakePeer((f, socket) => {
      if (f.command !== 'CONNECT') return;
      const host = headerOf(f, 'host') ?? '';
      if (host === '/') socket.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
      else socket.end(`ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\n\nVirtual host '${host}' access denied\0`);
    });
  });
  after(() => peer.close());

  const failure = (o: Parameters<typeof connect>[0]): Promise<unknown> => firstValueFrom(connect(o)).then(() => undefined, (e: unknown) => e);

  it('without a virtual host in the URL: StompAuthenticationError whose message names the URL path and the host option', async () => {
    const e = await failure({ url: `stomp://guest:guest@127.0.0.1:${peer.port}`, heartbeat: [0, 0] });
    expect(e).to.be.instanceOf(StompAuthenticationError);
    const err = e as StompAuthenticationError;
    expect(err.message).to.match(/Virtual host '127\.0\.0\.1' access denied\. The STOMP host header names the virtual host/);
    expect(err.message).to.include('stomp://user:pass@host:61613/%2F').and.include('`host` option');
    // The ERROR frame is kept as it came.
    expect(err.brokerMessage).to.equal('Bad CONNECT');
    expect(err.text).to.equal("Virtual host '127.0.0.1' access denied");
  });

  it('stompClient reports the same advice and does not retry', async () => {
    const client = stompClient({ url: `stomp://guest:guest@127.0.0.1:${peer.port}`, heartbeat: [0, 0], reconnect: { initialDelayMs: 10 } });
    const e = await firstValueFrom(client.subscribe('/queue/x')).then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(StompAuthenticationError);
    expect((e as Error).message).to.include('%2F');
  });

  it('no advice when the virtual host was named (URL path or host option): the broker\'s words only', async () => {
    for (const o of [{ url: `stomp://guest:guest@127.0.0.1:${peer.port}/nope` }, { url: `stomp://guest:guest@127.0.0.1:${peer.port}`, host: 'nope' }]) {
      const e = await failure({ ...o, heartbeat: [0, 0] });
      expect(e).to.be.instanceOf(StompAuthenticationError);
      expect((e as Error).message).to.equal("STOMP ERROR: Bad CONNECT - Virtual host 'nope' access denied");
    }
  });

  it('with the virtual host as the URL path it connects', async () => {
    const s = await firstValueFrom(connect({ url: `stomp://guest:guest@127.0.0.1:${peer.port}/%2F`, heartbeat: [0, 0] }));
    expect(s.version).to.equal('1.2');
  });
});
