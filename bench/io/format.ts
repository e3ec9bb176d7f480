/**
 * Markdown for the I/O benchmark report: one section per scenario group, each with its own
 * description, a table of medians and spreads, the ratios, and the machine it ran on.
 */
import { LARGE_CREDIT, RECEIVE_CREDIT, SLOW_CREDIT } from './amqp.js';
import { NULL_CREDIT } from './null-peer.js';
import type { IoReport, ScenarioReport, SideReport, Stat } from './harness.js';
import type { Scenario } from './scenarios.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const dec = (n: number, d = 1): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const spread = (s: Stat, f: (n: number) => string): string => `${f(s.min)} - ${f(s.max)}`;

interface GroupText { readonly heading: string; readonly intro: readonly string[] }

/** What the floor side of the AMQP send and receive tables is (see floor.ts). */
const FLOOR_INTRO: readonly string[] = [
  '',
  'The floor (bench/io/floor.ts) is a minimal AMQP client on a raw socket with rx-mq\'s TCP transport and',
  'read holds: transfers are copies of one fixed frame with the delivery-id patched in, flow and disposition',
  'fields are read in place, one write per read; no message objects, events or checks. It does far less than',
  'any usable client, so its CPU is close to what the kernel, libuv and V8 take on this machine for that',
  'exchange. It is a reference, not a proof of a limit: its one-write-per-read pattern is not the cheapest for',
  'every broker, and where rx-mq batches differently (at-least-once to the Proton C broker) rx-mq goes below it.',
];

/** What the user-space columns are. */
const USER_NOTE: readonly string[] = [
  '',
  "User-space CPU is the user part of `process.cpuUsage()`: the client's code, V8 and libuv. The rest, system",
  "time, is mostly the kernel's work for the socket reads and writes, which follows the exchange more than the",
  'client (and moves with the machine: brokers share its CPUs). The split is sampled by the kernel at its timer',
  'ticks, so it is less exact than the total.',
];

const GROUPS: Record<Scenario['group'], GroupText> = {
  'amqp-send': {
    heading: '## AMQP send: 12-byte bodies, rx-mq vs rhea',
    intro: [
      'One connection, one sender link; each message has a 12-byte string body (amqp-value); each library runs',
      "with its defaults (rx-mq gives every message a generated uuid message-id, rhea none). at-least-once ends when every message is",
      'accepted; at-most-once (pre-settled) ends when one more at-least-once message, sent after the batch on a',
      'second link of the same connection, is accepted (proof that the broker has read every byte). rx-mq:',
      '`from(messages).pipe(conn.send(address, { delivery }))`; rhea: `open_sender` and `send()` while',
      '`sendable()`. The message objects are made before the clock starts, for both clients (they are the',
      "application's data). CPU is `process.cpuUsage()` (user + system) of the client process over the timed region.",
      'The Proton C example broker gives a sender link 5 credits and tops them up as messages arrive (WINDOW in',
      'its broker.c), so no more than 5 messages are ever in flight to it: sends to it are a round trip per five',
      'messages at best, and the kernel\'s work for those round trips is most of what every client spends (the floor too).',
    ...FLOOR_INTRO,
    ...USER_NOTE,
    ],
  },
  'amqp-receive': {
    heading: '## AMQP receive: pre-filled queue, 12-byte bodies, rx-mq vs rhea',
    intro: [
      'The queue is filled (untimed, by rx-mq) with exactly the messages of the run; the timed region is one',
      `receiver link taking all of them. rx-mq: \`conn.receive(address, { credit: ${RECEIVE_CREDIT}, settle: 'auto' })\`;`,
      `rhea: \`open_receiver({ credit_window: ${RECEIVE_CREDIT}, autoaccept: true })\`. Both accept every message.`,
    ...FLOOR_INTRO,
    ...USER_NOTE,
    ],
  },
  'amqp-self': {
    heading: '## AMQP, each library with itself: null-sink peers, 12-byte bodies',
    intro: [
      'The peer is built with the same library as the client and runs in its own process, so it is never the',
      "bottleneck: rx-mq's client against rx-mq's null peer (bench/io/null-peer.ts, our server-role engine: accepts",
      'and discards, and as a source sends `hello world!` messages as fast as credit allows), rhea\'s client against',
      `a rhea container listening (credit window ${NULL_CREDIT.toLocaleString('en-US')}, auto accept, sending while \`sendable()\`). Send is`,
      `at-least-once and ends when every message is accepted; receive uses credit ${RECEIVE_CREDIT} and auto accept as above.`,
      'Only the client process is measured. The send also runs rx-mq with `messageIds: false`: its defaults give every',
      'message a generated uuid message-id, and that default path should cost no more (a target below).',
      ...USER_NOTE,
    ],
  },
  memory: {
    heading: '## Slow consumer memory: rx-mq vs rhea',
    intro: [
      'A queue at the Qpid Proton C example broker holds 100,000 messages (64-byte bodies, filled untimed by',
      `rx-mq); one receiver with credit ${SLOW_CREDIT} takes 1 ms per message (all in parallel) and settles it, and credit`,
      `goes back only as messages are settled. rx-mq: \`receive(queue, { credit: ${SLOW_CREDIT}, settle: 'manual' })\` and`,
      '`mergeMap(m => timer(1) then m.accept(), 1000)`; rhea: `open_receiver({ credit_window: 0, autoaccept: false })`,',
      `\`add_credit(${SLOW_CREDIT})\`, then \`accept()\` and \`add_credit(1)\` per message after 1 ms. The run ends after 5,000 messages.`,
      'RSS and heap used are sampled after a forced GC every 500 messages; growth is the peak over the value',
      'at the start of the consuming phase (MB = 2^20 bytes).',
    ],
  },
  stomp: {
    heading: '## STOMP send and receive on RabbitMQ and ActiveMQ: rx-mq vs @stomp/stompjs',
    intro: [
      'Heart-beats off on both sides; 12-byte text bodies to a `/queue/` destination. Send: every SEND but the',
      'last without a receipt, the last with one; the run ends at its RECEIPT. Receive: a queue pre-filled',
      '(untimed, by rx-mq) is consumed by one SUBSCRIBE with ack:auto. @stomp/stompjs runs over',
      '@stomp/tcp-wrapper (a plain Node TCP socket), so neither side pays for WebSocket framing.',
      'RabbitMQ 3.10 (STOMP plugin, 61613) and ActiveMQ 5.17 (STOMP connector, 61614, no login).',
      ...USER_NOTE,
    ],
  },
  cold: {
    heading: '## Cold start: the first messages of a fresh process, rx-mq vs rhea',
    intro: [
      'A fresh child process, with no warm-up pass of any kind, opens one connection (untimed) and then, timed, sends',
      'its first messages at-least-once to a queue (12-byte string bodies, each library with its defaults, every',
      `message accepted) and receives them back (credit ${RECEIVE_CREDIT}, auto accept). This is what a CLI, a serverless function or`,
      'a test suite pays: most of it is V8 interpreting and compiling the hot path, on the main thread and on its',
      'helper threads, which `process.cpuUsage()` counts. CPU per message is per message sent and received.',
      'The embedded broker runs in a process of its own.',
      ...USER_NOTE,
    ],
  },
  large: {
    heading: '## Large messages: 1 MiB bodies through a broker vs a raw TCP copy',
    intro: [
      `One connection sends 1 MiB data-section bodies at-least-once to a queue at the broker while a receiver on`,
      `the same connection (credit ${LARGE_CREDIT}, auto accept) takes them; the run ends when the last is received and`,
      'every one accepted. Two brokers: the Qpid Proton C example broker, and RabbitMQ, which spends more CPU',
      'per MiB than the client does, on the same two CPUs (the broker process\'s CPU, from /proc, is in the table). The',
      'baseline copies the same number of bytes over one TCP loopback connection inside one Node process (no',
      'protocol, no broker): the physical limit of this machine for Node sockets. The broker path crosses the',
      'loopback twice (client to broker, broker to client) and goes through the broker, so 100% is out of',
      'reach by construction. MB = 10^6 bytes; CPU is per MiB message.',
      ...USER_NOTE,
    ],
  },
};

function row(label: string, s: SideReport, unit: Scenario['unit']): string {
  const f = unit === 'MB' ? (n: number) => dec(n) : int;
  return `| ${label} | ${s.label} | ${f(s.rate.median)} | ${spread(s.rate, f)} | ${dec(s.cpuPerMsg.median)} | ${spread(s.cpuPerMsg, (n) => dec(n))} | ${dec(s.userPerMsg.median)} | ${s.results.length} |`;
}

function group(g: Scenario['group'], list: readonly ScenarioReport[], r: IoReport): string {
  const t = GROUPS[g];
  const unit = list[0].unit;
  const lines = [t.heading, '', ...t.intro, ''];
  const counts = [...new Set(list.map((s) => s.count))].map(int).join(' / ');
  lines.push(g === 'memory'
    ? `${counts} messages worked through per run, each run a fresh child process (no warm-up); sides alternate.`
    : g === 'cold'
    ? `${counts} messages per run, each run a fresh child process with no warm-up; sides alternate.`
    : unit === 'MB'
    ? `${counts} messages of 1 MiB per run, each run a fresh child process after six untimed warm-up runs; sides alternate.`
    : `${counts} messages per run, each run a fresh child process after six untimed warm-up runs of the same workload; sides alternate.`);
  lines.push('');
  const rateHead = unit === 'MB' ? 'MB/s' : 'msg/s';
  const cpuHead = unit === 'MB' ? 'CPU us/MiB' : 'CPU us/msg';
  lines.push(`| scenario | client | median ${rateHead} | spread | median ${cpuHead} | spread | of which user-space | runs |`, '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const s of list) {
    s.sides.forEach((side, i) => lines.push(row(i === 0 ? s.label : '', side, unit)));
  }
  lines.push('');
  if (g === 'memory') {
    lines.push('| scenario | client | median RSS growth MB | spread | median heap growth MB | spread | most in flight | runs |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const s of list) {
      s.sides.forEach((x, i) => {
        const rss = x.rssGrowth ?? { median: NaN, min: NaN, max: NaN };
        const heap = x.heapGrowth ?? { median: NaN, min: NaN, max: NaN };
        lines.push(`| ${i === 0 ? s.label : ''} | ${x.label} | ${dec(rss.median)} | ${spread(rss, (n) => dec(n))} | ${dec(heap.median)} | ${spread(heap, (n) => dec(n))} | ${int(x.maxInFlight?.max ?? NaN)} | ${x.results.length} |`);
      });
    }
  } else if (unit === 'MB') {
    lines.push(
      '| scenario | rx-mq / rhea throughput | rx-mq / rhea CPU per MiB | user-space CPU rx-mq / rhea | rx-mq % of raw TCP | rhea % of raw TCP | broker CPU us/MiB (rx-mq runs) | CPU-bound ceiling, % of raw TCP: broker alone | broker + raw copy | broker + rx-mq |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    const pct = (share: number | undefined): string => (share === undefined ? 'n/a' : `${dec(share * 100)}%`);
    for (const s of list) {
      const broker = s.sides[0].peerCpuPerMsg;
      lines.push(`| ${s.label} | ${dec(s.rateRatio, 2)}x | ${dec(s.cpuRatio, 2)}x | ${dec(s.userRatio, 2)}x | ${pct(s.tcpShare?.ours)} | ${pct(s.tcpShare?.other)} | ${broker === undefined ? 'n/a' : int(broker.median)} | ${pct(s.ceilingShare?.brokerAlone)} | ${pct(s.ceilingShare?.brokerAndCopy)} | ${pct(s.ceilingShare?.brokerAndOurs)} |`);
    }
    lines.push(
      '',
      'The CPU-bound ceilings: the throughput at which the machine\'s CPUs would all be busy, CPUs x 10^6 /',
      '(CPU us per MiB) MiB/s, taking the broker\'s CPU per MiB in the rx-mq runs: alone (a client that cost',
      'nothing); with the raw TCP copy\'s own CPU per MiB (a client that cost only what writing and reading',
      'each byte once through a loopback socket costs, which a client that sends and receives every message',
      'pays: the targets table takes this one as the bound); and with rx-mq\'s own. Nothing gets above the',
      'first through that broker on this machine, and rx-mq not above the last; all are generous, as loads',
      'never spread perfectly over the CPUs.',
    );
  } else if (list.every((s) => s.sides.some((x) => x.side === 'floor'))) {
    lines.push(
      '| scenario | throughput rx-mq / rhea | CPU per message rx-mq / rhea (below 1: rx-mq cheaper) | user-space CPU rx-mq / rhea | floor / rhea CPU (minimal client) | rx-mq above the floor, CPU us/msg |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const s of list) {
      const floor = s.sides.find((x) => x.side === 'floor') as SideReport;
      lines.push(`| ${s.label} | ${dec(s.rateRatio, 2)}x | ${dec(s.cpuRatio, 2)}x | ${dec(s.userRatio, 2)}x | ${dec(s.floorCpuRatio ?? NaN, 2)}x | ${dec(s.sides[0].cpuPerMsg.median - floor.cpuPerMsg.median)} |`);
    }
  } else {
    const other = list[0].sides[1].side === 'stompjs' ? 'stompjs' : 'rhea';
    lines.push(`| scenario | throughput rx-mq / ${other} | CPU per message rx-mq / ${other} (below 1: rx-mq cheaper) | user-space CPU rx-mq / ${other} |`, '|---|---:|---:|---:|');
    for (const s of list) lines.push(`| ${s.label} | ${dec(s.rateRatio, 2)}x | ${dec(s.cpuRatio, 2)}x | ${dec(s.userRatio, 2)}x |`);
  }
  lines.push('');
  const v = r.machine.versions;
  lines.push(`Machine: ${r.machine.cpu} (${r.machine.cores} logical CPUs, brokers on the same machine), Node ${r.machine.node},`
    + ` rx-mq ${v['rx-mq']}, rhea ${v.rhea}, @stomp/stompjs ${v['@stomp/stompjs']}, @stomp/tcp-wrapper ${v['@stomp/tcp-wrapper']}, rxjs ${v.rxjs};`
    + ` ${r.machine.date}, load average ${dec(r.machine.load, 2)} at start${r.options.mode === 'smoke' ? ' (SMOKE run: numbers not meaningful)' : ''}.`);
  lines.push('');
  return lines.join('\n');
}

/** The report as markdown sections, keyed by their heading line. */
export function formatIoSections(r: IoReport): { heading: string; text: string }[] {
  const order: Scenario['group'][] = ['amqp-send', 'amqp-receive', 'amqp-self', 'memory', 'stomp', 'large', 'cold'];
  return order.flatMap((g) => {
    const list = r.scenarios.filter((s) => s.group === g);
    return list.length === 0 ? [] : [{ heading: GROUPS[g].heading, text: group(g, list, r) }];
  });
}

export function formatIoReport(r: IoReport): string {
  return formatIoSections(r).map((s) => s.text).join('\n');
}
