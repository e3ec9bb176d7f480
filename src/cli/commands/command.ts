/** What every subcommand module exports: its table (parsing and help) and its action. */
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { ExitCode } from '../errors.js';

export interface Command {
  readonly spec: CommandSpec;
  /** Runs the command; resolves with the exit code, or rejects with an error to describe. */
  run(args: ParsedArgs): Promise<ExitCode>;
}
