/** The real STOMP brokers of the interop tier (addresses from spec/support/peers.ts). */
import { ACTIVEMQ, PEERS, RABBITMQ, type TcpPeer } from '../../support/peers.js';

export interface BrokerCase { readonly name: string; readonly url: string; readonly kind: 'rabbitmq' | 'activemq'; readonly peer: TcpPeer }
export const RABBIT_TCP = RABBITMQ.stompUrl();
export const ACTIVEMQ_TCP = ACTIVEMQ.stompUrl();
export const BROKERS: readonly BrokerCase[] = [
  { name: 'RabbitMQ (TCP)', url: RABBIT_TCP, kind: 'rabbitmq', peer: PEERS.rabbitStomp },
  { name: 'RabbitMQ (WebSocket)', url: RABBITMQ.webStompUrl(), kind: 'rabbitmq', peer: PEERS.rabbitWebStomp },
  { name: 'ActiveMQ 5.17 (TCP)', url: ACTIVEMQ_TCP, kind: 'activemq', peer: PEERS.activemqStomp },
];
