/** The shared AMQP read-coalescing cases (spec/support/amqp-read-coalescing-cases.ts) against the Qpid Proton C broker and RabbitMQ 3.10. */
import { amqpReadCoalescingCases } from '../../../support/amqp-read-coalescing-cases.js';
import { PEERS, PROTON_C, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('amqp/rx read coalescing against brokers', function () {
  this.timeout(60_000);
  requirePeers(PEERS.protonC, PEERS.rabbitAmqp);
  amqpReadCoalescingCases('Qpid Proton C broker', () => ({ url: PROTON_C.url(), sasl: false }));
  amqpReadCoalescingCases('RabbitMQ', () => ({ url: RABBITMQ.amqpUrl(), hostname: 'localhost' }), (q) => `/queue/${q}`);
});
