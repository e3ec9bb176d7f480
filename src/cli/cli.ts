/**
 * The `rx-mq` command line: dispatch to a subcommand, print help and version, and turn every
 * failure into one line on stderr and an exit code (errors.ts). main.ts is the executable.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, renderHelp } from './args.js';
import { brokerCommand } from './commands/broker.js';
import type { Command } from './commands/command.js';
import { receiveCommand } from './commands/receive.js';
import { sendCommand } from './commands/send.js';
import { EXIT, EXIT_CODES_HELP, UsageError, describeError, type ExitCode } from './errors.js';

const COMMANDS: Readonly<Record<string, Command>> = { broker: brokerCommand, send: sendCommand, receive: receiveCommand };

/** The package version; package.json sits two levels up from both src/cli and dist/cli. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'Usage: rx-mq COMMAND [options]',
    '',
    'AMQP 1.0 and STOMP from the command line.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}  ${c.spec.summary.split('\n')[0]}`),
    '',
    'Options:',
    '  -h, --help     show this help (rx-mq COMMAND --help for a command\'s options)',
    '  -V, --version  print the version',
    '',
    'URLs: amqp://user:pass@host:5672/vhost, amqps://, amqp+ws://, amqp+wss:// (AMQP 1.0);',
    'stomp://user:pass@host:61613/vhost, stomp+ssl://, ws://, wss:// (STOMP).',
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** Run the command line `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(topHelp());
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === '--version' || first === '-V') {
      process.stdout.write(`rx-mq ${version()}\n`);
      return EXIT.ok;
    }
    const command = COMMANDS[first];
    if (command === undefined) {
      throw new UsageError(first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`, 'rx-mq');
    }
    const args = parseArgs(command.spec, rest);
    if (args.flag('help')) {
      process.stdout.write(renderHelp(command.spec));
      return EXIT.ok;
    }
    return await command.run(args);
  } catch (e) {
    const { message, exitCode } = describeError(e);
    const hint = e instanceof UsageError && e.command !== undefined ? ` (see ${e.command} --help)` : '';
    process.stderr.write(`rx-mq: ${message}${hint}\n`);
    return exitCode;
  }
}
