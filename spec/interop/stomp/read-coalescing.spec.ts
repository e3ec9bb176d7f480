/** The shared STOMP read-coalescing cases (spec/support/stomp-read-coalescing-cases.ts) against RabbitMQ and ActiveMQ 5.17. */
import { PEERS, requirePeers } from '../../support/peers.js';
import { stompReadCoalescingCases } from '../../support/stomp-read-coalescing-cases.js';
import { ACTIVEMQ_TCP, RABBIT_TCP } from './targets.js';

describe('stomp read coalescing against brokers', function () {
  this.timeout(60_000);
  requirePeers(PEERS.rabbitStomp, PEERS.activemqStomp);
  stompReadCoalescingCases('RabbitMQ', () => RABBIT_TCP);
  stompReadCoalescingCases('ActiveMQ', () => ACTIVEMQ_TCP);
});
