/**
 * Error classes shared by every layer. Each carries a stable `name` so that callers can
 * discriminate with `instanceof` or with `err.name` across bundles.
 */

/** Base class of every error rx-mq raises on purpose. */
export class RxMqError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed bytes: truncated data, sizes past the data, invalid UTF-8, unknown constructors... */
export class DecodeError extends RxMqError {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** What is wrong, without the offset that `message` adds. */
  readonly reason: string;
  constructor(reason: string, offset: number) {
    super(`${reason} (at byte ${offset})`);
    this.offset = offset;
    this.reason = reason;
  }
}

/** A value that cannot be encoded: out of range, wrong shape, mixed array element types... */
export class EncodeError extends RxMqError {}

/** Invalid composite-data JSON; `path` names the offending node (JSON-pointer style). */
export class CompositeJsonError extends RxMqError {
  readonly path: string;
  constructor(problem: string, path: string) {
    super(`${problem} at ${path || '/'}`);
    this.path = path;
  }
}

/** Something did not happen in the time allowed. */
export class TimeoutError extends RxMqError {}

/**
 * The handshake did not finish within `connectTimeout`: the socket, TLS, the WebSocket upgrade,
 * SASL and the peer's open (AMQP) or CONNECTED (STOMP). A reconnecting client tries again.
 */
export class ConnectTimeoutError extends TimeoutError {
  /** The deadline that passed (ms). */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Work awaiting the peer's answer (an outcome or receipt, an attach, detach or begin, a drain, a
 * liveness probe) got none within `responseTimeout`, and nothing else arrived meanwhile that
 * moved the connection forward: the connection is taken for dead (for instance our writes are
 * silently dropped while the peer's heart-beats still arrive) and closed with this error, so a
 * reconnecting client reconnects and re-sends what was not confirmed.
 */
export class ResponseTimeoutError extends TimeoutError {
  /** The deadline that passed (ms). */
  readonly timeoutMs: number;
  /** What was waiting for an answer, in words (e.g. "3 outcomes", "the attach of link X"). */
  readonly waitingFor: string;
  constructor(waitingFor: string, timeoutMs: number) {
    super(`no answer from the peer for ${timeoutMs} ms while waiting for ${waitingFor} (responseTimeout): the connection is taken for dead`);
    this.timeoutMs = timeoutMs;
    this.waitingFor = waitingFor;
  }
}

/**
 * The peer did not answer one link's attach within `responseTimeout` while the connection went on
 * working (frames arriving): the peer ignores this link, not the connection. The stream that asked
 * for the link ends with this error and the link is detached; the connection and its other links
 * stay. (A connection on which nothing arrives fails as a whole with ResponseTimeoutError.)
 */
export class AttachTimeoutError extends TimeoutError {
  /** The link whose attach went unanswered. */
  readonly linkName: string;
  /** The deadline that passed (ms). */
  readonly timeoutMs: number;
  constructor(linkName: string, timeoutMs: number) {
    super(`no answer from the peer to the attach of link ${linkName} within ${timeoutMs} ms (responseTimeout); the link was detached, the connection stays`);
    this.linkName = linkName;
    this.timeoutMs = timeoutMs;
  }
}
