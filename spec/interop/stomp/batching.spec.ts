/** The shared STOMP batching cases (spec/support/stomp-batching-cases.ts) against the real brokers. */
import { requirePeers } from '../../support/peers.js';
import { stompBatchingCases } from '../../support/stomp-batching-cases.js';
import { BROKERS } from './targets.js';

for (const b of BROKERS) {
  describe(`stomp batching against ${b.name}`, function () {
    this.timeout(60_000);
    requirePeers(b.peer);
    // RabbitMQ 3.10 Web-STOMP: a burst that sets off the broker's internal flow control while
    // heart-beats are on kills the connection's heart-beat process ({unexpected_message,resume} in
    // rabbit_heartbeat, in the broker's log) and the WebSocket closes with 1006. Without heart-beats
    // there is no such process (docs/STOMP.md, broker quirks).
    stompBatchingCases(() => b.url, b.name === 'RabbitMQ (WebSocket)' ? { heartbeat: [0, 0] } : {});
  });
}
