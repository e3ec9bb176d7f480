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
