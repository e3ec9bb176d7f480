/**
 * The I/O scenarios: each names the peer, the sides that run it (rx-mq first, then the other
 * library, then any baseline) and how many messages a run moves in smoke and full mode.
 */
import { amqpCold, amqpLarge, amqpReceive, amqpSelf, amqpSend, amqpSlowConsumer, RECEIVE_CREDIT, LARGE_CREDIT, SLOW_CREDIT, type AmqpSide } from './amqp.js';
import { PROTON, RABBIT_AMQP, RABBIT_STOMP, type IoParams, type IoResult } from './common.js';
import { ACTIVEMQ_STOMP, stompReceive, stompSend } from './stomp.js';
import { tcpCopy } from './tcp.js';

export type Side = 'ours' | 'rhea' | 'stompjs' | 'tcp' | 'floor' | 'ours-ids-off';
export type Mode = 'smoke' | 'full';

export interface Scenario {
  readonly id: string;
  /** Table the scenario's rows go to. */
  readonly group: 'amqp-send' | 'amqp-receive' | 'amqp-self' | 'memory' | 'stomp' | 'large' | 'cold';
  /** Short label of the row (peer, mode). */
  readonly label: string;
  /** rx-mq first, then the library compared with; a baseline (tcp, floor) last. */
  readonly sides: readonly Side[];
  readonly unit: 'msg' | 'MB';
  readonly sizes: Readonly<Record<Mode, { readonly count: number; readonly warmup: number }>>;
  run(side: Side, p: IoParams): Promise<IoResult>;
}

// Warm-ups run in WARMUP_PASSES passes (common.ts): 30,000 messages are six runs of 5,000.
const SMALL_SIZES = { smoke: { count: 1000, warmup: 200 }, full: { count: 30_000, warmup: 30_000 } };
const STOMP_SIZES = { smoke: { count: 1000, warmup: 200 }, full: { count: 30_000, warmup: 30_000 } };
const LARGE_SIZES = { smoke: { count: 8, warmup: 2 }, full: { count: 100, warmup: 10 } };
const SELF_SIZES = { smoke: { count: 1000, warmup: 200 }, full: { count: 100_000, warmup: 20_000 } };
/** Cold start: the first 40,000 messages of a fresh process, no warm-up at all. */
const COLD_SIZES = { smoke: { count: 2000, warmup: 0 }, full: { count: 40_000, warmup: 0 } };
/** Memory: count = messages the slow consumer works through; QUEUED wait at the broker. */
const MEMORY_SIZES = { smoke: { count: 500, warmup: 0 }, full: { count: 5_000, warmup: 0 } };
const MEMORY_QUEUED = { smoke: 2_000, full: 100_000 };

function amqpLib(side: Side): 'ours' | 'rhea' {
  if (side !== 'ours' && side !== 'rhea') throw new Error(`AMQP scenarios have no side ${side}`);
  return side;
}
/** Send and receive also run the floor (see floor.ts). */
function amqpFloorOrLib(side: Side): AmqpSide {
  return side === 'floor' ? side : amqpLib(side);
}
function stompLib(side: Side): 'ours' | 'stompjs' {
  if (side !== 'ours' && side !== 'stompjs') throw new Error(`STOMP scenarios have no side ${side}`);
  return side;
}

export const SCENARIOS: readonly Scenario[] = [
  ...([['proton', PROTON, 'Proton C broker'], ['rabbit', RABBIT_AMQP, 'RabbitMQ']] as const).flatMap(([key, peer, name]) => [
    ...(['at-least-once', 'at-most-once'] as const).map((delivery): Scenario => {
      const id = `amqp-send-${delivery === 'at-least-once' ? 'alo' : 'amo'}-${key}`;
      return {
        id, group: 'amqp-send', label: `${name}, ${delivery}`, sides: ['ours', 'rhea', 'floor'], unit: 'msg', sizes: SMALL_SIZES,
        run: (side, p) => amqpSend(id, amqpFloorOrLib(side), peer, delivery, p),
      };
    }),
    {
      id: `amqp-receive-${key}`, group: 'amqp-receive', label: `${name}, credit ${RECEIVE_CREDIT}, auto accept`,
      sides: ['ours', 'rhea', 'floor'], unit: 'msg', sizes: SMALL_SIZES,
      run: (side, p) => amqpReceive(`amqp-receive-${key}`, amqpFloorOrLib(side), peer, p),
    } satisfies Scenario,
  ]),
  ...(['send', 'receive'] as const).map((kind): Scenario => ({
    id: `amqp-self-${kind === 'send' ? 'send-alo' : 'receive'}`, group: 'amqp-self',
    label: kind === 'send' ? 'null sink, at-least-once send' : `null source, receive (credit ${RECEIVE_CREDIT}, auto accept)`,
    // The send also runs rx-mq with messageIds: false, to show its default path (an id on each) costs no more.
    sides: kind === 'send' ? ['ours', 'rhea', 'ours-ids-off'] : ['ours', 'rhea'], unit: 'msg', sizes: SELF_SIZES,
    run: (side, p) => amqpSelf(`amqp-self-${kind === 'send' ? 'send-alo' : 'receive'}`, side === 'ours-ids-off' ? side : amqpLib(side), kind, p),
  })),
  {
    id: 'amqp-memory-slow-consumer', group: 'memory',
    label: `Proton C broker, ${MEMORY_QUEUED.full.toLocaleString('en-US')} queued, credit ${SLOW_CREDIT}, 1 ms per message`,
    sides: ['ours', 'rhea'], unit: 'msg', sizes: MEMORY_SIZES,
    run: (side, p) => amqpSlowConsumer('amqp-memory-slow-consumer', amqpLib(side), PROTON, p.count > MEMORY_SIZES.smoke.count ? MEMORY_QUEUED.full : MEMORY_QUEUED.smoke, p),
  },
  {
    id: 'stomp-send-rabbit', group: 'stomp', label: 'RabbitMQ, SEND (last one receipted)', sides: ['ours', 'stompjs'], unit: 'msg',
    sizes: STOMP_SIZES, run: (side, p) => stompSend('stomp-send-rabbit', stompLib(side), RABBIT_STOMP, p),
  },
  {
    id: 'stomp-receive-rabbit', group: 'stomp', label: 'RabbitMQ, SUBSCRIBE ack:auto', sides: ['ours', 'stompjs'], unit: 'msg',
    sizes: STOMP_SIZES, run: (side, p) => stompReceive('stomp-receive-rabbit', stompLib(side), RABBIT_STOMP, p),
  },
  {
    id: 'stomp-send-activemq', group: 'stomp', label: 'ActiveMQ, SEND (last one receipted)', sides: ['ours', 'stompjs'], unit: 'msg',
    sizes: STOMP_SIZES, run: (side, p) => stompSend('stomp-send-activemq', stompLib(side), ACTIVEMQ_STOMP, p),
  },
  {
    id: 'stomp-receive-activemq', group: 'stomp', label: 'ActiveMQ, SUBSCRIBE ack:auto', sides: ['ours', 'stompjs'], unit: 'msg',
    sizes: STOMP_SIZES, run: (side, p) => stompReceive('stomp-receive-activemq', stompLib(side), ACTIVEMQ_STOMP, p),
  },
  // Cold start (issue 28): a fresh process's first messages, sent and received, against the Proton C broker and the embedded broker.
  ...([['proton', PROTON, 'Proton C broker'], ['embedded', undefined, 'embedded broker']] as const).map(([key, peer, name]): Scenario => ({
    id: `cold-${key}`, group: 'cold', label: `${name}, first ${COLD_SIZES.full.count.toLocaleString('en-US')} messages of a fresh process, send then receive`,
    sides: ['ours', 'rhea'], unit: 'msg', sizes: COLD_SIZES,
    run: (side, p) => amqpCold(`cold-${key}`, amqpLib(side), peer, p),
  })),
  // Through both brokers: the C broker spends little per MiB, RabbitMQ much more (see BENCHMARKS.md).
  ...([['proton', PROTON, 'Proton C broker'], ['rabbit', RABBIT_AMQP, 'RabbitMQ']] as const).map(([key, peer, name]): Scenario => ({
    id: `large-${key}`, group: 'large', label: `${name}, 1 MiB bodies, send + receive (credit ${LARGE_CREDIT})`,
    sides: ['ours', 'rhea', 'tcp'], unit: 'MB', sizes: LARGE_SIZES,
    run: (side, p) => (side === 'tcp' ? tcpCopy(`large-${key}`, p) : amqpLarge(`large-${key}`, amqpLib(side), peer, p)),
  })),
];

export function scenarioById(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (s === undefined) throw new Error(`unknown scenario ${id}`);
  return s;
}
