/** `rx-mq receive URL ADDRESS`: print messages, one line each, until --count or --timeout. */
import type { Subscription } from 'rxjs';
import { HELP_OPTION, type CommandSpec, type ParsedArgs } from '../args.js';
import { adapterFor } from '../adapters/index.js';
import type { AckMode, ReceiveEvent } from '../adapters/types.js';
import { CliFailure, EXIT, EXIT_CODES_HELP, UsageError, type ExitCode } from '../errors.js';
import { formatJsonLine, formatTextLine } from '../format.js';
import { Progress } from '../progress.js';
import { onStopSignal } from '../signals.js';
import type { Command } from './command.js';

const NAME = 'rx-mq receive';

/** --timeout in fetch mode when none is given. */
const DEFAULT_FETCH_TIMEOUT = 1000;

export const spec: CommandSpec = {
  name: NAME,
  summary: 'Receive messages from ADDRESS and print them on standard output, one line each.',
  positionals: [
    { name: 'URL', help: 'broker URL: amqp://, amqps://, amqp+ws://, amqp+wss:// (AMQP 1.0) or stomp://, stomp+ssl://, ws://, wss:// (STOMP)' },
    { name: 'ADDRESS', help: 'AMQP source address or STOMP destination, e.g. /queue/orders' },
  ],
  options: [
    { name: 'count', type: 'int', min: 1, help: 'exit after this many messages', defaultText: 'no limit' },
    { name: 'credit', type: 'int', min: 1, help: 'most messages delivered but not yet acknowledged (AMQP link credit, STOMP prefetch)', defaultText: '100' },
    { name: 'fetch', type: 'int', min: 1, help: 'fetch mode: ask for exactly N messages, take what arrives within --timeout, exit' },
    { name: 'timeout', type: 'int', value: 'MS', help: `exit after MS milliseconds without a message; with --fetch, the fetch's time limit (default ${DEFAULT_FETCH_TIMEOUT})` },
    { name: 'ack', type: 'choice', choices: ['manual', 'auto', 'release', 'reject'], help: 'manual: acknowledge each message once its line is written; auto: the protocol\'s automatic acknowledgement; release/reject: give messages back (STOMP: NACK)', defaultText: 'manual' },
    { name: 'json', type: 'flag', help: 'print JSON lines: body (text, or base64 with "bodyEncoding"), properties or headers, application properties' },
    HELP_OPTION,
  ],
  notes: [
    'Without --count, --timeout or --fetch it runs until interrupted (Ctrl-C). A fetch that gets\n' +
    'fewer than N messages is not a failure; exits 1 when --count messages did not arrive before\n' +
    '--timeout (or before the fetch ended).',
    EXIT_CODES_HELP,
  ],
};

async function run(args: ParsedArgs): Promise<ExitCode> {
  const [url, address] = args.positionals;
  const adapter = await adapterFor(url);
  const fetchCount = args.int('fetch');
  const timeout = args.int('timeout');
  if (fetchCount !== undefined && args.has('credit')) throw new UsageError('give --credit or --fetch, not both', NAME);
  const count = args.int('count');
  const ack = (args.string('ack') ?? 'manual') as AckMode;
  const json = args.flag('json');
  // Never ask for more than --count: what is delivered past it would only be given back.
  const credit = Math.min(args.int('credit') ?? 100, count ?? Infinity);
  const fetch = fetchCount === undefined ? undefined : { count: fetchCount, timeout: timeout ?? DEFAULT_FETCH_TIMEOUT };
  const idleMs = fetch === undefined ? timeout : undefined;

  const progress = new Progress(process.stderr, 'receive', count);
  let received = 0;
  // Settlements held back while stdout is full: credit comes back only as output drains, so a
  // slow reader of our output slows the broker instead of filling memory.
  const held: (() => void)[] = [];
  let blocked = false;
  const release = (): void => {
    blocked = false;
    for (const settle of held.splice(0)) settle();
  };
  let stopSignals = (): void => undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let sub: Subscription | undefined;

  const outcome = await new Promise<'count' | 'idle' | 'ended' | 'interrupted'>((resolve, reject) => {
    let finished = false;
    const finish = (why: 'count' | 'idle' | 'ended' | 'interrupted'): void => {
      if (finished) return;
      finished = true;
      if (idle !== undefined) clearTimeout(idle);
      // Settle what was printed before closing (the link's detach carries them out first).
      const close = (): void => { sub?.unsubscribe(); resolve(why); };
      if (!blocked || why === 'interrupted') close();
      else process.stdout.once('drain', close);
    };
    const armIdle = (): void => {
      if (idleMs === undefined) return;
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    };
    const onEvent = (e: ReceiveEvent): void => {
      if (finished) return;
      if (e.kind === 'ready') { armIdle(); return; }
      received++;
      progress.update(received);
      const line = json ? formatJsonLine(e.item.record) : formatTextLine(e.item.record, received);
      // Settled as soon as the line is handed to stdout, not in the write callback: fewer, larger
      // credit top-ups. (Settling from callbacks once stalled RabbitMQ 3.10 at a few thousand
      // messages; the cause was the receiver taking over RabbitMQ's inflated credit figure, fixed
      // in the engine's ReceiverCredit.)
      const ok = process.stdout.write(`${line}\n`);
      if (blocked) {
        held.push(e.item.settle);
      } else if (!ok) {
        held.push(e.item.settle);
        blocked = true;
        process.stdout.once('drain', release);
      } else {
        e.item.settle();
      }
      if (count !== undefined && received >= count) finish('count');
      else armIdle();
    };
    sub = adapter.receive(address, { credit, fetch, ack }).subscribe({
      next: onEvent,
      error: (err: unknown) => { if (!finished) { finished = true; if (idle !== undefined) clearTimeout(idle); reject(err); } },
      complete: () => finish('ended'),
    });
    // finish('count') may have run inside subscribe (messages already buffered): close now.
    if (finished && !sub.closed && !blocked) sub.unsubscribe();
    stopSignals = onStopSignal(() => finish('interrupted'));
  }).finally(() => { progress.stop(); stopSignals(); });

  if (outcome === 'interrupted') throw new CliFailure(`interrupted after ${received} message${received === 1 ? '' : 's'}`, EXIT.interrupted);
  if (count !== undefined && received < count) {
    const why = outcome === 'idle' ? `${idleMs} ms without a message` : fetch !== undefined ? `the fetch ended (--timeout ${fetch.timeout} ms)` : 'the broker ended the subscription';
    throw new CliFailure(`received ${received} of ${count} messages before ${why}`, EXIT.failure);
  }
  return EXIT.ok;
}

export const receiveCommand: Command = { spec, run };
