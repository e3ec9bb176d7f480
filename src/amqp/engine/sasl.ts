/**
 * SASL client logic (AMQP 1.0 section 5.3) as pure functions: choosing a mechanism from what the
 * server offers, building the initial response, and turning an outcome code into a typed error.
 * Credentials never appear in any message or error this module produces.
 */
import { RxMqError } from '../../errors.js';

/** The SASL mechanisms the client implements. */
export type SaslMechanism = 'ANONYMOUS' | 'PLAIN' | 'EXTERNAL';

/** What the client can authenticate with. */
export interface SaslCredentials {
  /** User name for PLAIN. */
  readonly username?: string;
  /** Password for PLAIN (never logged or put in errors). */
  readonly password?: string;
  /** Authorization identity for PLAIN and EXTERNAL (act as this user), if the server supports it. */
  readonly authzid?: string;
  /** Force a mechanism instead of choosing from the server's list. */
  readonly mechanism?: SaslMechanism;
  /** With TLS client certificates: authenticate by the certificate (EXTERNAL). */
  readonly external?: boolean;
}

/** The server refused the credentials (sasl-code 1, `auth`). */
export class AuthenticationError extends RxMqError {
  /** The sasl-code of the outcome: always 1 (`auth`). */
  readonly code = 1 as const;
}

/** Any other SASL failure: system errors (codes 2-4) or no usable mechanism. */
export class SaslError extends RxMqError {
  /** The sasl-code from the outcome, or undefined when negotiation failed before an outcome. */
  readonly code: number | undefined;
  /** True for sys-temp (4): trying again later may succeed. */
  readonly temporary: boolean;
  /** @param code the outcome's sasl-code, when there was an outcome. */
  constructor(message: string, code?: number) {
    super(message);
    this.code = code;
    this.temporary = code === 4;
  }
}

const encoder = new TextEncoder();

/** Preference order when the user did not force one: strongest identity first. */
export function chooseMechanism(offered: readonly string[], creds: SaslCredentials): SaslMechanism {
  const has = (m: string): boolean => offered.includes(m);
  if (creds.mechanism !== undefined) {
    if (!has(creds.mechanism)) {
      throw new SaslError(`server does not offer SASL ${creds.mechanism} (offers: ${offered.join(', ') || 'none'})`);
    }
    return creds.mechanism;
  }
  if (creds.external && has('EXTERNAL')) return 'EXTERNAL';
  if (creds.username !== undefined && has('PLAIN')) return 'PLAIN';
  if (creds.username === undefined && has('ANONYMOUS')) return 'ANONYMOUS';
  if (has('PLAIN') && creds.username !== undefined) return 'PLAIN';
  if (has('ANONYMOUS')) return 'ANONYMOUS';
  throw new SaslError(
    `no usable SASL mechanism: server offers ${offered.join(', ') || 'none'}, ` +
      `client has ${creds.username !== undefined ? 'a username' : 'no credentials'}`,
  );
}

/** The initial-response bytes of a mechanism (RFC 4616 for PLAIN, RFC 4505 for ANONYMOUS). */
export function initialResponse(mechanism: SaslMechanism, creds: SaslCredentials): Uint8Array {
  switch (mechanism) {
    case 'PLAIN':
      return encoder.encode(`${creds.authzid ?? ''}\0${creds.username ?? ''}\0${creds.password ?? ''}`);
    case 'ANONYMOUS':
      return encoder.encode('anonymous');
    case 'EXTERNAL':
      // RFC 4422 appendix A: the authorization identity, empty to act as the certificate's own.
      return encoder.encode(creds.authzid ?? '');
  }
}

const OUTCOME_TEXT: { readonly [code: number]: string } = {
  1: 'authentication failed: the server refused the credentials',
  2: 'SASL failed: system error on the server',
  3: 'SASL failed: permanent system error on the server',
  4: 'SASL failed: temporary system error on the server',
};

/** undefined for code 0 (ok); otherwise the typed error. */
export function outcomeError(code: number): AuthenticationError | SaslError | undefined {
  if (code === 0) return undefined;
  if (code === 1) return new AuthenticationError(OUTCOME_TEXT[1]);
  return new SaslError(OUTCOME_TEXT[code] ?? `SASL failed with unknown code ${code}`, code);
}
