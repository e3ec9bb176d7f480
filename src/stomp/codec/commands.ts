/**
 * The STOMP frame commands as one table: who sends each, in which protocol versions it exists,
 * which headers it must carry per version, and whether it may have a body. The encoder, the
 * decoder and the engine all consult this table instead of repeating the rules.
 */

/** A STOMP protocol version. */
export type StompVersion = '1.0' | '1.1' | '1.2';

/** Every version we speak, oldest first. */
export const STOMP_VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

/** Who sends a command. */
export type CommandSender = 'client' | 'server';

/** One row of the command table. */
export interface CommandDefinition {
  readonly sender: CommandSender;
  /** Versions in which the command exists. */
  readonly versions: readonly StompVersion[];
  /** Headers the frame must carry, per version. */
  readonly required: Readonly<Record<StompVersion, readonly string[]>>;
  /** Whether a body is allowed. */
  readonly body: boolean;
  /** CONNECT, STOMP and CONNECTED never escape header values (the version is not yet known). */
  readonly escaped: boolean;
}

const all = (...headers: string[]): Record<StompVersion, readonly string[]> => ({ '1.0': headers, '1.1': headers, '1.2': headers });
const ALL: readonly StompVersion[] = STOMP_VERSIONS;
const FROM_11: readonly StompVersion[] = ['1.1', '1.2'];

/** The command table. */
export const COMMANDS = {
  CONNECT: { sender: 'client', versions: ALL, required: { '1.0': [], '1.1': ['accept-version', 'host'], '1.2': ['accept-version', 'host'] }, body: false, escaped: false },
  STOMP: { sender: 'client', versions: FROM_11, required: { '1.0': [], '1.1': ['accept-version', 'host'], '1.2': ['accept-version', 'host'] }, body: false, escaped: false },
  SEND: { sender: 'client', versions: ALL, required: all('destination'), body: true, escaped: true },
  SUBSCRIBE: { sender: 'client', versions: ALL, required: { '1.0': ['destination'], '1.1': ['destination', 'id'], '1.2': ['destination', 'id'] }, body: false, escaped: true },
  UNSUBSCRIBE: { sender: 'client', versions: ALL, required: { '1.0': [], '1.1': ['id'], '1.2': ['id'] }, body: false, escaped: true },
  ACK: { sender: 'client', versions: ALL, required: { '1.0': ['message-id'], '1.1': ['message-id', 'subscription'], '1.2': ['id'] }, body: false, escaped: true },
  NACK: { sender: 'client', versions: FROM_11, required: { '1.0': [], '1.1': ['message-id', 'subscription'], '1.2': ['id'] }, body: false, escaped: true },
  BEGIN: { sender: 'client', versions: ALL, required: all('transaction'), body: false, escaped: true },
  COMMIT: { sender: 'client', versions: ALL, required: all('transaction'), body: false, escaped: true },
  ABORT: { sender: 'client', versions: ALL, required: all('transaction'), body: false, escaped: true },
  DISCONNECT: { sender: 'client', versions: ALL, required: all(), body: false, escaped: true },
  CONNECTED: { sender: 'server', versions: ALL, required: { '1.0': [], '1.1': ['version'], '1.2': ['version'] }, body: false, escaped: false },
  MESSAGE: { sender: 'server', versions: ALL, required: { '1.0': ['destination', 'message-id'], '1.1': ['destination', 'message-id', 'subscription'], '1.2': ['destination', 'message-id', 'subscription'] }, body: true, escaped: true },
  RECEIPT: { sender: 'server', versions: ALL, required: all('receipt-id'), body: false, escaped: true },
  ERROR: { sender: 'server', versions: ALL, required: all(), body: true, escaped: true },
} as const satisfies Record<string, CommandDefinition>;

/** A command name of the table. */
export type StompCommand = keyof typeof COMMANDS;
/** Commands a client sends. */
export type ClientCommand = { [K in StompCommand]: (typeof COMMANDS)[K]['sender'] extends 'client' ? K : never }[StompCommand];
/** Commands a server sends. */
export type ServerCommand = Exclude<StompCommand, ClientCommand>;

const COMMAND_NAMES: ReadonlySet<string> = new Set(Object.keys(COMMANDS));

/** Whether `name` is a command of the table. */
export function isCommand(name: string): name is StompCommand {
  return COMMAND_NAMES.has(name);
}

/** The table row of `command`. */
export function commandDefinition(command: StompCommand): CommandDefinition {
  return COMMANDS[command];
}
