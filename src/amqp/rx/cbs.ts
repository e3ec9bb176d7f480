/**
 * Claims-based security (AMQP CBS 1.0 draft, as Azure Service Bus, Event Hubs and uamqp use it):
 * after the connection opens and before it is handed to the application, a token for `audience`
 * is put to the `$cbs` node, and put again before it expires, for as long as the connection lives.
 *
 * A put-token is a request on a session of its own (so that nothing of the application's shares
 * its fate) through the management pattern of request() (request.ts): a sender to `$cbs`, a
 * receiver reading `$cbs` named and targeted by a reply address unique to the connection. The
 * request's application properties are `operation: 'put-token'`, `type` (the token type), `name`
 * (the audience) and `expiration` (a timestamp); its body is the token as an AMQP string. The
 * reply's `status-code` 200 or 202 accepts it; anything else is a CbsError with the code and the
 * `status-description`.
 */
import type { Subscription } from 'rxjs';
import { RxMqError, TimeoutError } from '../../errors.js';
import type { AmqpConnection, AmqpSession } from './connection.js';
import type { InboundMessage } from './message.js';

/** A token as a token provider gives it. */
export interface CbsToken {
  /** The token itself: a JWT, or a shared access signature (`SharedAccessSignature sr=...&sig=...&se=...&skn=...`). */
  readonly token: string;
  /** When it expires (a Date, or ms since the epoch): it is put again before then. */
  readonly expiresAt: Date | number;
  /** Its type, put-token's `type`: `jwt`, or `servicebus.windows.net:sastoken` for a shared access signature. */
  readonly type: string;
}

/** Claims-based security on `connect({ cbs })` (and `amqpClient`). */
export interface CbsOptions {
  /** What the token grants access to, put-token's `name`: e.g. `sb://NAMESPACE.servicebus.windows.net/QUEUE`. */
  readonly audience: string;
  /** Gives a token (or a promise of one) for `audience`; called for the first put and before each refresh. */
  readonly tokenProvider: (audience: string) => CbsToken | Promise<CbsToken>;
  /**
   * How long before the token expires it is put again (ms, default 300000: 5 minutes). A token
   * that lives shorter than five times this is put again after 80% of its remaining life.
   */
  readonly refreshMargin?: number;
  /** How long to wait for the token provider, and for `$cbs` to answer a put-token (ms, default 10000). */
  readonly timeout?: number;
}

/** A put-token failed: refused by `$cbs` (`statusCode`, `statusDescription`), unanswered, or no token to put. */
export class CbsError extends RxMqError {
  /** The audience the token was for. */
  readonly audience: string;
  /** `$cbs`'s status-code (401, 403, 404...), when it answered. */
  readonly statusCode: number | undefined;
  /** `$cbs`'s status-description, when it gave one. */
  readonly statusDescription: string | undefined;
  constructor(message: string, audience: string, details: { statusCode?: number; statusDescription?: string; cause?: unknown } = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.audience = audience;
    this.statusCode = details.statusCode;
    this.statusDescription = details.statusDescription;
  }
}

/** Whether a CbsError means the credentials themselves are refused (not worth a reconnect). */
export function isCbsRefusal(e: unknown): boolean {
  return e instanceof CbsError && (e.statusCode === 401 || e.statusCode === 403);
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** setTimeout's largest delay; a later refresh waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** First and largest wait between attempts of a failed refresh (the token still holds meanwhile). */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * When to put a token again, `remaining` ms before it expires: `margin` before, or after 80% of
 * the remaining life when that is later (a short-lived token is not refreshed at once).
 */
export function refreshDelay(remaining: number, margin: number): number {
  return Math.max(0, remaining - Math.min(margin, remaining / 5));
}

function checkOptions(o: CbsOptions): void {
  if (typeof o.audience !== 'string' || o.audience === '') throw new TypeError('cbs.audience must be a non-empty string');
  if (typeof o.tokenProvider !== 'function') throw new TypeError('cbs.tokenProvider must be a function');
  for (const [name, v] of [['refreshMargin', o.refreshMargin], ['timeout', o.timeout]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new RangeError(`cbs.${name} must be a non-negative number of ms`);
  }
}

/** The token's expiry in ms since the epoch, or a CbsError for what the provider gave. */
function validToken(t: unknown, audience: string, now: number): { token: string; type: string; expiresAt: number } | CbsError {
  const bad = (why: string): CbsError => new CbsError(`cbs: the token provider gave ${why}`, audience);
  if (t === null || typeof t !== 'object') return bad('no token object ({ token, expiresAt, type })');
  const { token, type, expiresAt } = t as Partial<CbsToken>;
  if (typeof token !== 'string' || token === '') return bad('no token string');
  if (typeof type !== 'string' || type === '') return bad('no token type (e.g. "jwt" or "servicebus.windows.net:sastoken")');
  const at = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
  if (typeof at !== 'number' || !Number.isFinite(at)) return bad('no valid expiresAt (a Date or ms since the epoch)');
  if (at <= now) return bad(`a token that expired ${new Date(at).toISOString()}`);
  return { token, type, expiresAt: at };
}

/**
 * The claims of one connection: `start()` puts the first token (resolving when `$cbs` accepted
 * it), then keeps it fresh until `stop()`; `onLost(error)` hears of a token that could not be
 * renewed before it expired (the connection cannot stay authorised).
 */
export class CbsClaims {
  private readonly margin: number;
  private readonly timeout: number;
  /** Unique per connection: the reply address and the reply link's name. */
  private readonly replyAddress = `cbs-${globalThis.crypto.randomUUID()}`;
  private session: AmqpSession | undefined;
  private sessionSub: Subscription | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private put: Subscription | undefined;
  private stopped = false;
  /** When the token in force expires (ms since the epoch). */
  private expiresAt = 0;
  /** Puts made, accepted or not (for tests and diagnostics). */
  puts = 0;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: CbsOptions,
    private readonly onLost: (error: CbsError) => void,
  ) {
    checkOptions(options);
    this.margin = options.refreshMargin ?? DEFAULT_REFRESH_MARGIN_MS;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  }

  /** Put the first token; resolves once it is accepted, rejects with a CbsError. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.sessionSub = this.connection.session().subscribe({
        next: (s) => {
          this.session = s;
          this.putToken().then(resolve, reject);
        },
        error: (e: unknown) => {
          const err = new CbsError(`cbs: the session for $cbs ended: ${(e as Error).message}`, this.options.audience, { cause: e });
          if (this.session === undefined) reject(err);
          else if (!this.stopped) this.lose(err);
        },
      });
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.put?.unsubscribe();
    this.sessionSub?.unsubscribe();
  }

  /** Ask the provider for a token and put it; resolves when `$cbs` accepted it, then arms the refresh. */
  private async putToken(): Promise<void> {
    const audience = this.options.audience;
    let given: unknown;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // A provider that never settles must not stall the refreshes: it gets the put's timeout.
      given = await Promise.race([
        Promise.resolve().then(() => this.options.tokenProvider(audience)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TimeoutError(`no token within ${this.timeout} ms`)), this.timeout);
        }),
      ]);
    } catch (e) {
      throw new CbsError(`cbs: the token provider failed: ${(e as Error)?.message ?? String(e)}`, audience, { cause: e });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (this.stopped) return;
    const t = validToken(given, audience, Date.now());
    if (t instanceof CbsError) throw t;
    const reply = await this.request(t);
    const props = reply.applicationProperties ?? {};
    const code = Number(props['status-code']);
    const description = typeof props['status-description'] === 'string' ? props['status-description'] : undefined;
    if (code !== 200 && code !== 202) {
      throw new CbsError(
        `cbs: $cbs refused the token for ${audience}: ${Number.isFinite(code) ? code : 'no status-code'}${description !== undefined ? ` ${description}` : ''}`,
        audience, { statusCode: Number.isFinite(code) ? code : undefined, statusDescription: description },
      );
    }
    this.expiresAt = t.expiresAt;
    this.schedule(refreshDelay(t.expiresAt - Date.now(), this.margin), 0);
  }

  /** One put-token request and its reply (a CbsError when it is unanswered or cannot be sent). */
  private request(t: { token: string; type: string; expiresAt: number }): Promise<InboundMessage> {
    const session = this.session as AmqpSession;
    const audience = this.options.audience;
    this.puts++;
    return new Promise<InboundMessage>((resolve, reject) => {
      this.put = session.request('$cbs', {
        body: t.token,
        applicationProperties: { operation: 'put-token', type: t.type, name: audience, expiration: new Date(t.expiresAt) },
      }, { replyTo: { address: this.replyAddress, source: '$cbs' }, timeout: this.timeout }).subscribe({
        next: resolve,
        error: (e: unknown) => reject(new CbsError(e instanceof TimeoutError
          ? `cbs: no answer from $cbs within ${this.timeout} ms`
          : `cbs: put-token to $cbs failed: ${(e as Error)?.message ?? String(e)}`, audience, { cause: e })),
      });
    });
  }

  /**
   * Put the token again after `delay` ms. A failed refresh is tried again (1 s, doubling up to
   * 30 s) while the token in force holds; once it has expired the claims are lost.
   */
  private schedule(delay: number, failures: number): void {
    if (this.stopped) return;
    const step = Math.min(delay, MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (step < delay) return this.schedule(delay - step, failures);
      this.putToken().catch((e: unknown) => {
        if (this.stopped) return;
        const err = e instanceof CbsError ? e : new CbsError(String(e), this.options.audience, { cause: e });
        const left = this.expiresAt - Date.now();
        if (left <= 0) return this.lose(err);
        this.schedule(Math.min(left, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures)), failures + 1);
      });
    }, step);
    // The refresh must not keep a process alive on its own: the connection's socket does that.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private lose(error: CbsError): void {
    if (this.stopped) return;
    this.stop();
    this.onLost(new CbsError(`cbs: the token for ${this.options.audience} expired and could not be renewed: ${error.message}`, this.options.audience, {
      statusCode: error.statusCode, statusDescription: error.statusDescription, cause: error,
    }));
  }
}
