/**
 * Secrets never show in what rx-mq objects print: `util.inspect` (console.log), JSON.stringify
 * and String() of clients, connections, engines and parsed URLs render a summary with URLs
 * redacted (`user:***@`) and no password, passcode, TLS key or passphrase. Values are hidden two
 * ways: objects we make keep secrets in non-enumerable properties (readable by code, skipped by
 * inspect and JSON), and classes holding options render through `renderSafely`. Platform-neutral:
 * `Symbol.for('nodejs.util.inspect.custom')` is only a registered symbol elsewhere.
 */
import { redact } from './transport/url.js';

/** Node's util.inspect hook, by its registered name (no `node:util` import: browsers load this too). */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Option and field names whose values are secrets. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'passcode', 'passphrase', 'key', 'token']);

/** `o` with the secret-named properties it has made non-enumerable (in place), for objects we create. */
export function hideSecrets<T extends object>(o: T): T {
  for (const k of Object.keys(o)) {
    if (SECRET_KEYS.has(k)) Object.defineProperty(o, k, { enumerable: false });
  }
  return o;
}

/**
 * A copy of options safe to print: secret-named values replaced by '***', URLs (`url`, `urls`,
 * `proxy`) redacted, nested plain objects (sasl, tls, connect options) treated alike; functions
 * and other objects are named, not expanded.
 */
export function safeOptions(o: unknown, depth = 0): unknown {
  if (typeof o === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(o) ? redact(o) : o;
  if (Array.isArray(o)) return o.map((v) => safeOptions(v, depth + 1));
  if (o === null || typeof o !== 'object') return typeof o === 'function' ? '[Function]' : o;
  if (depth > 4 || (Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null)) return `[${o.constructor?.name ?? 'Object'}]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = SECRET_KEYS.has(k) && v !== undefined ? '***' : safeOptions(v, depth + 1);
  return out;
}

/**
 * Make instances of `cls` print as `Name { ...summary }` in util.inspect, as the summary in
 * JSON.stringify and as `[Name url]`-style text in String(): whatever fields the instance holds
 * (options with credentials, engines), only `summary` is shown.
 */
export function renderSafely<T extends object>(cls: { prototype: T; name: string }, summary: (self: T) => Record<string, unknown>): void {
  const name = cls.name;
  Object.defineProperty(cls.prototype, INSPECT, {
    value(this: T, depth: number, options: unknown, inspect?: (v: unknown, o: unknown) => string): string {
      const body = summary(this);
      const text = inspect !== undefined ? inspect(body, options) : JSON.stringify(body);
      return `${name} ${text}`;
    },
    configurable: true,
  });
  Object.defineProperty(cls.prototype, 'toJSON', { value(this: T) { return summary(this); }, configurable: true });
  Object.defineProperty(cls.prototype, 'toString', { value(this: T) { return `[${name} ${JSON.stringify(summary(this))}]`; }, configurable: true });
}
