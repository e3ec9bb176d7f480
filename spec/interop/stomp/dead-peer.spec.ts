/**
 * Dead-peer detection against real brokers: a proxy in front of RabbitMQ (TCP and Web-STOMP) and
 * ActiveMQ is frozen, so the broker falls silent while every socket stays open. Only missed
 * heart-beats can tell, and they must fail the connection with StompHeartbeatTimeoutError.
 */
import { expect } from 'chai';
import { lastValueFrom, of, switchMap } from 'rxjs';
import { connect, StompHeartbeatTimeoutError, TimeoutError, type StompSession } from '../../../src/stomp/index.js';
import { fresh, gather, withSession } from '../../support/stomp-session.js';
import { cutProxy, type CutProxy } from '../../support/cut-proxy.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CASES = [
  { name: 'RabbitMQ (TCP)', peer: PEERS.rabbitStomp, direct: () => RABBITMQ.stompUrl(), url: (port: number) => RABBITMQ.stompUrl({ port }) },
  { name: 'RabbitMQ (WebSocket)', peer: PEERS.rabbitWebStomp, direct: () => RABBITMQ.webStompUrl(), url: (port: number) => RABBITMQ.webStompUrl({ port }) },
  { name: 'ActiveMQ 5.17 (TCP)', peer: PEERS.activemqStomp, direct: () => ACTIVEMQ.stompUrl(), url: (port: number) => ACTIVEMQ.stompUrl({ port }) },
] as const;

for (const c of CASES) {
  describe(`stomp dead-peer detection: ${c.name} behind a frozen proxy`, function () {
    this.timeout(20_000);
    requirePeers(c.peer);
    let proxy: CutProxy | undefined;
    afterEach(async () => { await proxy?.close(); proxy = undefined; });

    it('fails the connection and its subscription with StompHeartbeatTimeoutError', async () => {
      proxy = await cutProxy(c.peer.port, c.peer.host);
      const p = proxy;
      const url = c.url(p.port);
      let session: StompSession | undefined;
      const q = fresh('dead-peer');
      const failed = lastValueFrom(connect({ url, heartbeat: [300, 300], heartbeatGraceMs: 200 }).pipe(
        switchMap((s) => { session = s; return s.subscribe(q); }),
      )).then(() => undefined, (e: unknown) => e);
      while (session === undefined) await sleep(20);
      const s = session;
      // Heart-beats are on in both directions, and the connection works through the proxy,
      // idle for several intervals.
      expect(s.heartbeat.send).to.be.greaterThan(0);
      expect(s.heartbeat.receive).to.be.greaterThan(0);
      await sleep(3 * s.heartbeat.receive);
      const r = await lastValueFrom(of('before the freeze').pipe(s.send(fresh('dead-peer-ok'), { receipt: true })));
      expect(r.state).to.equal('receipted');
      p.freeze();
      const err = await failed;
      expect(err).to.be.instanceOf(StompHeartbeatTimeoutError);
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).message).to.match(/no data from the STOMP peer for \d+ ms \(heart-beat \d+ ms\)/);
      // It was the silence that was noticed: the proxy kept our side of the socket open.
      expect(p.accepted).to.equal(1);
    });

    it('a frozen connection without heart-beats is not declared dead (the control case)', async () => {
      proxy = await cutProxy(c.peer.port, c.peer.host);
      const p = proxy;
      let error: unknown;
      let session: StompSession | undefined;
      const sub = connect({ url: c.url(p.port), heartbeat: [0, 0] }).subscribe({ next: (s) => { session = s; }, error: (e: unknown) => { error = e; } });
      while (session === undefined && error === undefined) await sleep(20);
      expect(session?.heartbeat).to.deep.equal({ send: 0, receive: 0 });
      p.freeze();
      // Longer than the detection takes with heart-beats on (2 × 1000 ms + 200 ms on RabbitMQ).
      await sleep(3000);
      expect(error).to.equal(undefined);
      sub.unsubscribe();
      // The broker itself is fine: a direct connection still works.
      const q = fresh('dead-peer-control');
      await withSession(c.direct(), async (s) => {
        await lastValueFrom(of('direct').pipe(s.send(q, { receipt: true })));
        const { msgs: [m], sub: g } = await gather(s, q, 1);
        expect(m.text).to.equal('direct');
        g.unsubscribe();
      });
    });
  });
}
