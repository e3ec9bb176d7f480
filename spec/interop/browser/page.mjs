// The page the browser tests load, bundled by esbuild from the packed package (the `browser`
// export condition): what a browser app writes, exposed on window.rxmq for the test to call.
import { connect as amqpConnect } from 'rx-mq/amqp';
import { connect as stompConnect } from 'rx-mq/stomp';
import { firstValueFrom, from, lastValueFrom, mergeMap, switchMap, take, tap, timer, toArray, map } from 'rxjs';

const bytesOf = (b) => (b instanceof Uint8Array ? { bytes: [...b] } : { text: b });

window.rxmq = {
  /**
   * Over AMQP: send `count` messages (every tenth a binary body), then receive them with manual
   * settlement and `credit`, under a wider mergeMap; report outcomes, bodies, the most unsettled
   * at once, and the connection's states through its close.
   */
  async amqp(url, queue, count, credit) {
    const states = [];
    const conn$ = amqpConnect(url);
    const messages = Array.from({ length: count }, (_, i) => ({ body: i % 10 === 9 ? new Uint8Array([0, i, 255]) : `m${i}` }));
    const outcomes = await firstValueFrom(conn$.pipe(switchMap((c) => from(messages).pipe(c.send(queue), map((o) => o.state), toArray()))));
    let unsettled = 0;
    let maxUnsettled = 0;
    let closed;
    const bodies = await firstValueFrom(conn$.pipe(
      switchMap((c) => {
        c.state$.subscribe((s) => states.push(s));
        closed = new Promise((resolve) => c.state$.subscribe({ complete: resolve, next: (s) => { if (s === 'closed') resolve(); } }));
        return c.receive(queue, { settle: 'manual', credit });
      }),
      tap(() => { unsettled++; maxUnsettled = Math.max(maxUnsettled, unsettled); }),
      mergeMap((m) => timer(2).pipe(map(() => { unsettled--; m.accept(); return bytesOf(m.body); })), 100),
      take(count),
      toArray(),
    ));
    await Promise.race([closed, new Promise((r) => setTimeout(r, 3000))]);
    return { outcomes, bodies, maxUnsettled, states };
  },

  /** Over STOMP: send text and binary bodies with receipts, then read them back. */
  async stomp(url, destination, bodies) {
    const session$ = stompConnect({ url, heartbeat: [0, 0] });
    const input = bodies.map((b) => (typeof b === 'string' ? b : new Uint8Array(b)));
    const sent = await firstValueFrom(session$.pipe(switchMap((s) => from(input).pipe(s.send(destination, { receipt: true }), map((r) => r.state), toArray()))));
    const got = await firstValueFrom(session$.pipe(switchMap((s) => s.subscribe(destination).pipe(take(input.length), map((m) => ({ text: m.text, bytes: [...m.body] })), toArray()))));
    return { sent, got };
  },

  /** A TCP URL has no meaning in a browser: the error the user gets. */
  async refusedTcp(url) {
    return lastValueFrom(amqpConnect(url)).then(() => 'connected', (e) => `${e.name}: ${e.message}`);
  },
};
window.rxmqReady = true;
