/** The shared STOMP batching cases (spec/support/stomp-batching-cases.ts) against the real brokers. */
import { requirePeers } from '../../support/peers.js';
import { stompBatchingCases } from '../../support/stomp-batching-cases.js';
import { BROKERS } from './targets.js';

for (const b of BROKERS) {
  describe(`stomp batching against ${b.name}`, function () {
    this.timeout(60_000);
    requirePeers(b.peer);
    stompBatchingCases(() => b.url);
  });
}
