#!/usr/bin/env node
/**
 * The `rx-mq` executable (package.json `bin`). The process is left to end on its own once
 * connections have closed gracefully; a guard timer forces the exit if something lingers.
 */
import { main } from './cli.js';
import { EXIT, describeError } from './errors.js';

/** How long a finished command may wait for sockets to close before the process is ended. */
const EXIT_GRACE_MS = 5000;

function fatal(e: unknown): void {
  // Last resort: still one line, never a stack trace.
  process.stderr.write(`rx-mq: ${describeError(e).message}\n`);
  process.exit(EXIT.failure);
}

process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
});
