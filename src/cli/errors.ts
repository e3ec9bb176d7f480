/**
 * Exit codes and the mapping from the library's typed errors to one clear line for the user.
 * The line never carries a stack trace or a password: URLs go through `redact` and errors are
 * described from their class and fields, not dumped.
 */
import { RxMqError, TimeoutError } from '../errors.js';
import { AmqpError } from '../amqp/engine/errors.js';
import { AuthenticationError, SaslError } from '../amqp/engine/sasl.js';
import { StompAuthenticationError, StompError } from '../stomp/errors.js';
import { TransportError } from '../transport/types.js';
import { UrlError, redact } from '../transport/url.js';

/** The process exit codes; documented in --help and docs/CLI.md. */
export const EXIT = {
  ok: 0,
  /** The run failed: rejected/released/modified messages, a broker error, fewer messages than --count. */
  failure: 1,
  /** Bad command line or URL. */
  usage: 2,
  /** The broker could not be reached: refused, unknown host, unreachable, connect timeout. */
  unreachable: 3,
  /** The broker refused the credentials (or the virtual host). */
  auth: 4,
  /** Stopped by SIGINT/SIGTERM (receive and send only; `broker` exits 0 after a clean close). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Help text listing the exit codes, shared by every command's help. */
export const EXIT_CODES_HELP = [
  'Exit codes: 0 ok; 1 runtime failure (messages not accepted, broker error, --count not',
  'reached before --timeout); 2 usage error or bad URL; 3 broker unreachable (refused, unknown',
  'host, timeout); 4 authentication refused; 130 interrupted.',
].join('\n');

/** A command-line mistake. `command` names the (sub)command whose --help explains the fix. */
export class UsageError extends RxMqError {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

/** A failure the command already phrased for the user, with its exit code. */
export class CliFailure extends RxMqError {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
  }
}

/** An error raised before the connection (or session) was established; `url` is the target. */
export class ConnectFailure extends RxMqError {
  constructor(readonly url: string, readonly error: unknown) {
    super(`cannot connect to ${redact(url)}`);
  }
}

const TRANSPORT_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset by the broker',
  EPIPE: 'connection closed by the broker',
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
};

/** One line without newlines, secrets already removed by the callers' redact. */
const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** Strip any URL-embedded password from free text the library or a broker produced. */
const scrub = (s: string): string => s.replace(/(\w[\w+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/g, '$1:***@');

function describeCause(e: unknown): { text: string; code: ExitCode } {
  if (e instanceof UsageError || e instanceof UrlError) return { text: e.message, code: EXIT.usage };
  if (e instanceof AuthenticationError) return { text: 'authentication failed: the broker refused the credentials', code: EXIT.auth };
  if (e instanceof SaslError) return { text: `authentication failed: ${e.message}`, code: EXIT.auth };
  if (e instanceof TransportError) {
    const words = e.code !== undefined ? TRANSPORT_WORDS[e.code] : undefined;
    // The library's message starts with the target (tcp://host:port: ...); keep its reason only.
    const reason = words ?? e.message.replace(/^[a-z]+:\/\/\S+?:\s/, '');
    return { text: reason, code: EXIT.unreachable };
  }
  if (e instanceof TimeoutError) return { text: `timed out: ${e.message}`, code: EXIT.unreachable };
  if (e instanceof StompError) {
    const text = `broker error: ${e.brokerMessage ?? 'ERROR'}${e.text.trim() ? ` (${e.text.trim().slice(0, 300)})` : ''}`;
    return { text, code: EXIT.failure };
  }
  if (e instanceof AmqpError) {
    const text = `${e.scope} error ${e.condition}${e.description ? `: ${e.description}` : ''}`;
    const auth = e.condition === 'amqp:unauthorized-access';
    return { text, code: auth ? EXIT.auth : EXIT.failure };
  }
  if (e instanceof Error) return { text: e.message, code: EXIT.failure };
  return { text: String(e), code: EXIT.failure };
}

/** The one line (without the `rx-mq: ` prefix) and the exit code for any error. */
export function describeError(e: unknown): { message: string; exitCode: ExitCode } {
  if (e instanceof CliFailure) return { message: oneLine(scrub(e.message)), exitCode: e.exitCode };
  if (e instanceof ConnectFailure) {
    const cause = describeCause(e.error);
    let code = cause.code;
    // The STOMP engine tells a refused login (or vhost) among the ERRORs answering CONNECT.
    if (e.error instanceof StompAuthenticationError) code = EXIT.auth;
    const text = code === EXIT.auth && e.error instanceof StompError
      ? `authentication failed: ${cause.text.replace(/^broker error: /, '')}`
      : cause.text;
    if (cause.code === EXIT.usage) return { message: oneLine(scrub(cause.text)), exitCode: EXIT.usage };
    return { message: oneLine(scrub(`${e.message}: ${text}`)), exitCode: code };
  }
  const cause = describeCause(e);
  return { message: oneLine(scrub(cause.text)), exitCode: cause.code };
}
