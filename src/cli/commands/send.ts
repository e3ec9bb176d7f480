/** `rx-mq send URL ADDRESS`: send messages and report their outcomes. */
import { readFileSync } from 'node:fs';
import { defer } from 'rxjs';
import { HELP_OPTION, type CommandSpec, type ParsedArgs } from '../args.js';
import { adapterFor } from '../adapters/index.js';
import type { OutgoingMessage, SendState, SettleMode } from '../adapters/types.js';
import { CliFailure, EXIT, EXIT_CODES_HELP, UsageError, type ExitCode } from '../errors.js';
import { formatSendSummary } from '../format.js';
import { Feeder, parseRate } from '../pacing.js';
import { Progress } from '../progress.js';
import { onStopSignal } from '../signals.js';
import type { Command } from './command.js';

const NAME = 'rx-mq send';

/** Messages the feeder may run ahead of the outcomes (below the AMQP send buffer's 1000). */
const WINDOW = 500;

export const spec: CommandSpec = {
  name: NAME,
  summary: 'Send messages to ADDRESS and print one summary line with their outcomes.',
  positionals: [
    { name: 'URL', help: 'broker URL: amqp://, amqps://, amqp+ws://, amqp+wss:// (AMQP 1.0) or stomp://, stomp+ssl://, ws://, wss:// (STOMP)' },
    { name: 'ADDRESS', help: 'AMQP target address or STOMP destination, e.g. /queue/orders' },
  ],
  options: [
    { name: 'count', type: 'int', min: 1, help: 'number of messages', defaultText: '1' },
    { name: 'body', type: 'string', value: 'TEXT', help: 'message body; {n} is replaced by the message number (from 1)', defaultText: '"message {n}"' },
    { name: 'file', type: 'string', value: 'PATH', help: 'message body: the bytes of a file ("-" for standard input)' },
    { name: 'property', type: 'string', value: 'K=V', repeatable: true, help: 'application property (AMQP) or header (STOMP)' },
    { name: 'header', type: 'string', value: 'K=V', repeatable: true, help: 'AMQP message field (message-id, subject, correlation-id, reply-to, to, group-id, group-sequence, reply-to-group-id, content-encoding, priority, ttl) or STOMP header' },
    { name: 'rate', type: 'string', value: 'N/s', help: 'send at most N messages a second (also N/m)' },
    { name: 'settle', type: 'choice', choices: ['at-least-once', 'at-most-once'], help: 'wait for the broker to confirm each message, or not', defaultText: 'at-least-once' },
    { name: 'content-type', type: 'string', value: 'TYPE', help: 'content type of the body' },
    { name: 'durable', type: 'flag', help: 'ask the broker to keep the messages across restarts (STOMP: persistent:true)' },
    HELP_OPTION,
  ],
  notes: [
    'Text bodies travel as an AMQP string value, --file bodies as AMQP data (bytes). With STOMP,\n' +
    'at-least-once asks for a RECEIPT for every message and counts each one as accepted.',
    'Exits 1 when any message is rejected, released or modified.',
    EXIT_CODES_HELP,
  ],
};

/** `k=v` pairs of a repeatable option as a record (later keys win). */
export function pairs(values: readonly string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`option --${option} needs KEY=VALUE, got "${kv}"`, NAME);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function readBody(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path === '-' ? 0 : path));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : 'unreadable';
    throw new UsageError(`cannot read --file ${path}: ${why}`, NAME);
  }
}

/** Builds message number i (0-based) from the options. */
export function messageMaker(args: ParsedArgs): (i: number) => OutgoingMessage {
  if (args.has('body') && args.has('file')) throw new UsageError('give --body or --file, not both', NAME);
  const properties = pairs(args.list('property'), 'property');
  const headers = pairs(args.list('header'), 'header');
  const contentType = args.string('content-type');
  const durable = args.flag('durable');
  const file = args.string('file');
  const bytes = file === undefined ? undefined : readBody(file);
  const template = args.string('body') ?? 'message {n}';
  return (i) => ({
    body: bytes ?? template.replaceAll('{n}', String(i + 1)),
    contentType, durable, properties, headers,
  });
}

async function run(args: ParsedArgs): Promise<ExitCode> {
  const [url, address] = args.positionals;
  const adapter = await adapterFor(url);
  const count = args.int('count') ?? 1;
  const rateText = args.string('rate');
  const rate = rateText === undefined ? undefined : parseRate(rateText);
  const settle = (args.string('settle') ?? 'at-least-once') as SettleMode;
  const make = messageMaker(args);
  adapter.validate(make(0));

  const feeder = new Feeder(count, make, rate, WINDOW);
  const counts: Record<SendState, number> = { accepted: 0, rejected: 0, released: 0, modified: 0, sent: 0 };
  let done = 0;
  let firstProblem: string | undefined;
  let started = 0;
  const progress = new Progress(process.stderr, 'send', count);
  let stopSignals = (): void => undefined;
  const result = await new Promise<'done' | 'interrupted'>((resolve, reject) => {
    // The clock starts when the adapter subscribes to the messages, i.e. once connected.
    const messages$ = defer(() => { started = Date.now(); return feeder.messages$; });
    const sub = adapter.send(address, messages$, settle).subscribe({
      next: (o) => {
        counts[o.state]++;
        done++;
        if (o.state !== 'accepted' && o.state !== 'sent' && firstProblem === undefined) {
          firstProblem = `message ${done} ${o.state}${o.detail !== undefined ? ` (${o.detail})` : ''}`;
        }
        progress.update(done);
        feeder.settled();
      },
      error: reject,
      complete: () => resolve('done'),
    });
    stopSignals = onStopSignal(() => { sub.unsubscribe(); resolve('interrupted'); });
  }).finally(() => { progress.stop(); stopSignals(); });

  const elapsedMs = Date.now() - (started || Date.now());
  process.stdout.write(`${formatSendSummary({ sent: done, address, elapsedMs, counts, settle })}\n`);
  if (result === 'interrupted') throw new CliFailure(`interrupted after ${done} of ${count} messages`, EXIT.interrupted);
  const bad = counts.rejected + counts.released + counts.modified;
  if (bad > 0) throw new CliFailure(`${bad} of ${count} messages not accepted; first: ${firstProblem ?? '?'}`, EXIT.failure);
  return EXIT.ok;
}

export const sendCommand: Command = { spec, run };
