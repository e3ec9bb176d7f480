/** `rx-mq broker`: run the embedded broker until SIGINT/SIGTERM. */
import type { BrokerOptions, BrokerTlsOptions, BrokerUsers, EmbeddedBroker } from '../../broker/index.js';
import { readPem, readUsersFile } from './broker-files.js';
// limits.ts alone (no broker code): the defaults for --help.
import { DEFAULT_BROKER_LIMITS, type BrokerLimits } from '../../broker/limits.js';
import { HELP_OPTION, type CommandSpec, type OptionSpec, type ParsedArgs } from '../args.js';
import { CliFailure, EXIT, EXIT_CODES_HELP, UsageError, type ExitCode } from '../errors.js';
import { onStopSignal } from '../signals.js';
import type { Command } from './command.js';

const NAME = 'rx-mq broker';

/** One option per broker limit (`startBroker({ limits })`, docs/BROKER.md). */
const LIMIT_OPTIONS: readonly { readonly name: string; readonly limit: keyof BrokerLimits; readonly help: string; readonly min: number; readonly unit?: string }[] = [
  { name: 'max-message-size', limit: 'maxMessageSize', help: 'largest message accepted, bytes', min: 1 },
  { name: 'handshake-timeout', limit: 'handshakeTimeout', help: 'ms a client has for its AMQP header+SASL+open or STOMP CONNECT; 0: none', min: 0, unit: 'ms' },
  { name: 'max-write-buffer', limit: 'maxWriteBuffer', help: 'bytes waiting for one connection before its messages are held back', min: 1 },
  { name: 'max-connections', limit: 'maxConnections', help: 'client connections at once; more are closed at once', min: 1 },
  { name: 'max-sessions', limit: 'maxSessionsPerConnection', help: 'AMQP sessions per connection', min: 1 },
  { name: 'max-links', limit: 'maxLinksPerConnection', help: 'AMQP links per connection', min: 1 },
  { name: 'max-transactions', limit: 'maxTransactions', help: 'transactions open per connection (STOMP and AMQP)', min: 1 },
  { name: 'max-transaction-work', limit: 'maxTransactionWork', help: 'messages posted plus settled in one AMQP transaction', min: 1 },
  { name: 'max-transaction-bytes', limit: 'maxTransactionBytes', help: 'bytes one STOMP transaction may hold', min: 1 },
  { name: 'max-transaction-frames', limit: 'maxTransactionFrames', help: 'frames one STOMP transaction may hold', min: 1 },
  { name: 'max-orphaned-send-bytes', limit: 'maxOrphanedSendBytes', help: 'bytes of STOMP SENDs parked for a full queue kept after their connection ended', min: 1 },
  { name: 'max-queues', limit: 'maxQueues', help: 'queues and topics at once', min: 1 },
  { name: 'idle-node-timeout', limit: 'idleNodeTimeout', help: 'ms after which an unused auto-created queue or topic is deleted; 0: never', min: 0, unit: 'ms' },
];

const limitOptions: OptionSpec[] = LIMIT_OPTIONS.map((o) => ({
  name: o.name, type: 'int', min: o.min, value: 'N', help: o.help,
  defaultText: `${DEFAULT_BROKER_LIMITS[o.limit]}${o.unit === undefined ? '' : ` ${o.unit}`}`,
}));

/** The limits given on the command line. */
function limitsOf(args: ParsedArgs): BrokerLimits {
  const out: { -readonly [K in keyof BrokerLimits]: BrokerLimits[K] } = {};
  for (const o of LIMIT_OPTIONS) {
    const v = args.int(o.name);
    if (v !== undefined) out[o.limit] = v;
  }
  return out;
}

export const spec: CommandSpec = {
  name: NAME,
  summary: 'Run the embedded in-memory broker and print its URLs, one per line.',
  positionals: [],
  options: [
    { name: 'amqp-port', type: 'int', value: 'PORT', help: 'AMQP 1.0 port; 0 picks a free one', defaultText: '5672' },
    { name: 'stomp-port', type: 'int', value: 'PORT', help: 'STOMP port; 0 picks a free one', defaultText: '61613' },
    { name: 'no-stomp', type: 'flag', help: 'AMQP only: no STOMP listener' },
    { name: 'ws-port', type: 'int', value: 'PORT', help: 'WebSocket port for both protocols (subprotocol amqp or v1x.stomp); 0 picks a free one', defaultText: 'none' },
    { name: 'host', type: 'string', value: 'HOST', help: 'interface to listen on', defaultText: '127.0.0.1' },
    { name: 'user', type: 'string', value: 'NAME:PASSWORD', repeatable: true, help: 'an account; with none (and no --users), any login is accepted' },
    { name: 'users', type: 'string', value: 'FILE', help: 'accounts from a JSON file: a name to a password, or to { password, permissions: { read, write, create }, actAs }' },
    { name: 'tls-key', type: 'string', value: 'FILE', help: 'PEM private key: with --tls-cert, also listen for amqps, stomp+ssl (and wss with --wss-port)' },
    { name: 'tls-cert', type: 'string', value: 'FILE', help: 'PEM certificate (chain) of the TLS listeners' },
    { name: 'tls-ca', type: 'string', value: 'FILE', help: 'PEM CA certificates that client certificates are verified against' },
    { name: 'tls-client-cert', type: 'choice', choices: ['none', 'optional', 'required'], help: 'ask TLS clients for a certificate (a verified one is a login: SASL EXTERNAL, STOMP without login)', defaultText: 'none' },
    { name: 'amqps-port', type: 'int', value: 'PORT', help: 'AMQP over TLS port; 0 picks a free one', defaultText: '5671' },
    { name: 'stomp-ssl-port', type: 'int', value: 'PORT', help: 'STOMP over TLS port; 0 picks a free one', defaultText: '61614' },
    { name: 'wss-port', type: 'int', value: 'PORT', help: 'WebSocket over TLS port for both protocols; 0 picks a free one', defaultText: 'none' },
    { name: 'max-queue-depth', type: 'int', min: 1, value: 'N', help: 'most messages a queue holds; producers wait beyond it', defaultText: 'unbounded' },
    ...limitOptions,
    HELP_OPTION,
  ],
  notes: [
    'The broker is for demos and tests, not production: messages live in memory only. It stops\n' +
    'gracefully (closing every connection) on SIGINT (Ctrl-C) or SIGTERM and then exits 0. Failed logins and protocol errors are reported on standard\n' +
    'error, one line each, without credentials.',
    EXIT_CODES_HELP,
  ],
};

/** `name:password` options as the broker's user table. */
export function users(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const colon = v.indexOf(':');
    if (colon <= 0) throw new UsageError('option --user needs NAME:PASSWORD', NAME);
    out[v.slice(0, colon)] = v.slice(colon + 1);
  }
  return out;
}

/** `--user` entries over the `--users` file (a name given both ways: the `--user` password, unrestricted). */
function allUsers(args: ParsedArgs): BrokerUsers | undefined {
  const file = args.string('users');
  const fromFile = file === undefined ? undefined : readUsersFile(file);
  const given = users(args.list('user'));
  return fromFile === undefined && given === undefined ? undefined : { ...fromFile, ...given };
}

/** The TLS listeners' settings from `--tls-*`; undefined without `--tls-key` and `--tls-cert`. */
function tlsOf(args: ParsedArgs, noStomp: boolean): BrokerTlsOptions | undefined {
  const keyFile = args.string('tls-key');
  const certFile = args.string('tls-cert');
  const dependent = ['tls-ca', 'tls-client-cert', 'amqps-port', 'stomp-ssl-port', 'wss-port'].filter((o) => args.has(o));
  if (keyFile === undefined || certFile === undefined) {
    if (keyFile !== undefined || certFile !== undefined) throw new UsageError('give both --tls-key and --tls-cert', NAME);
    if (dependent.length > 0) throw new UsageError(`option --${dependent[0]} needs --tls-key and --tls-cert`, NAME);
    return undefined;
  }
  const clientCert = args.string('tls-client-cert') ?? 'none';
  const caFile = args.string('tls-ca');
  if (clientCert !== 'none' && caFile === undefined) throw new UsageError(`--tls-client-cert ${clientCert} needs --tls-ca to verify them`, NAME);
  const amqpsPort = args.int('amqps-port') ?? 5671;
  const stompSslPort = noStomp ? false : args.int('stomp-ssl-port') ?? 61614;
  const wssPort = args.int('wss-port');
  checkPort(amqpsPort, 'amqps-port');
  if (stompSslPort !== false) checkPort(stompSslPort, 'stomp-ssl-port');
  checkPort(wssPort, 'wss-port');
  return {
    key: readPem(keyFile, 'tls-key'),
    cert: readPem(certFile, 'tls-cert'),
    ca: caFile === undefined ? undefined : readPem(caFile, 'tls-ca'),
    requestCert: clientCert !== 'none',
    rejectUnauthorized: clientCert === 'required',
    amqpsPort, stompSslPort, wssPort: wssPort ?? false,
  };
}

function checkPort(p: number | undefined, option: string): void {
  if (p !== undefined && p > 65535) throw new UsageError(`option --${option} must be a port from 0 to 65535, got ${p}`, NAME);
}

async function run(args: ParsedArgs): Promise<ExitCode> {
  const amqpPort = args.int('amqp-port') ?? 5672;
  if (args.has('no-stomp') && args.has('stomp-port')) throw new UsageError('give --stomp-port or --no-stomp, not both', NAME);
  const stompPort = args.flag('no-stomp') ? false : args.int('stomp-port') ?? 61613;
  checkPort(amqpPort, 'amqp-port');
  if (stompPort !== false) checkPort(stompPort, 'stomp-port');
  const wsPort = args.int('ws-port');
  checkPort(wsPort, 'ws-port');
  const host = args.string('host') ?? '127.0.0.1';
  const maxQueueDepth = args.int('max-queue-depth');
  const options: BrokerOptions = {
    amqpPort, stompPort, wsPort, host, maxQueueDepth,
    limits: limitsOf(args),
    users: allUsers(args),
    tls: tlsOf(args, stompPort === false),
    onError: (e) => { process.stderr.write(`rx-mq broker: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`); },
  };
  // Listen for signals before the URLs are printed: whoever reads them may stop us at once.
  let off = (): void => undefined;
  const stop = new Promise<void>((resolve) => { off = onStopSignal(() => resolve()); });
  let broker: EmbeddedBroker;
  try {
    // Loaded here, not at the top: send and receive never pay for the broker's modules.
    const { startBroker } = await import('../../broker/index.js');
    broker = await startBroker(options);
  } catch (e) {
    off();
    const code = (e as { code?: unknown }).code;
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EACCES' ? 'permission denied'
      : code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : e instanceof Error ? e.message : String(e);
    throw new CliFailure(`cannot start the broker on ${host}: ${why}`, EXIT.failure);
  }
  process.stdout.write(`${broker.amqpUrl}\n`);
  if (broker.stompUrl !== undefined) process.stdout.write(`${broker.stompUrl}\n`);
  if (broker.amqpWsUrl !== undefined) process.stdout.write(`${broker.amqpWsUrl}\n${broker.stompWsUrl}\n`);
  if (broker.amqpsUrl !== undefined) process.stdout.write(`${broker.amqpsUrl}\n`);
  if (broker.stompSslUrl !== undefined) process.stdout.write(`${broker.stompSslUrl}\n`);
  if (broker.amqpWssUrl !== undefined) process.stdout.write(`${broker.amqpWssUrl}\n${broker.stompWssUrl}\n`);
  if (process.stderr.isTTY === true) process.stderr.write('rx-mq broker: running; Ctrl-C stops it\n');

  await stop;
  // The handler stays installed while closing, so that a second signal exits at once.
  try {
    await broker.close();
  } finally {
    off();
  }
  return EXIT.ok;
}

export const brokerCommand: Command = { spec, run };
