/**
 * Accounts and per-user access of the embedded broker, in the spirit of RabbitMQ's permissions:
 * each user may carry three regular expressions over node addresses, `read` (receive: AMQP
 * receiving links, STOMP SUBSCRIBE), `write` (send: AMQP sending links and each message through
 * the anonymous relay, STOMP SEND) and `create` (a node that does not exist yet may be made by
 * this use). A pattern is tested against the node's canonical address (`NAME` for a queue,
 * `topic/NAME` for a topic), so every spelling of a node (`/queue/X`, `queue/X`, `X`) is covered by
 * the same rule. Patterns are not anchored: write `^orders$`, as in RabbitMQ.
 *
 * A user given as a password string alone may do everything (as before permissions existed), as
 * may every client of a broker without `users`.
 */
import { formatAddress, type NodeAddress } from './address.js';

/** The three things a user may be allowed to do with an address. */
export type Access = 'read' | 'write' | 'create';

/** Regular expressions over canonical node addresses (strings are compiled with `new RegExp`). */
export interface UserPermissions {
  /** Receive from matching addresses. Absent: nothing. */
  readonly read?: string | RegExp;
  /** Send to matching addresses. Absent: nothing. */
  readonly write?: string | RegExp;
  /** Make matching nodes by using them first (queues and topics are created on first use). Absent: nothing. */
  readonly create?: string | RegExp;
}

/** One account with more than a password. */
export interface BrokerUser {
  /** The PLAIN (and STOMP passcode) password; absent: this user logs in by certificate only. */
  readonly password?: string;
  /** What the user may do; absent: everything. */
  readonly permissions?: UserPermissions;
  /**
   * Other users this one may act as, by SASL's authorization identity (`authzid` of PLAIN or
   * EXTERNAL). Absent: none; a login naming another identity is refused.
   */
  readonly actAs?: readonly string[];
}

/** `startBroker`'s `users`: a name to a password, or to a {@link BrokerUser}. */
export type BrokerUsers = Readonly<Record<string, string | BrokerUser>>;

/** What one connection's user may do with nodes; undefined where everything is allowed. */
export interface NodeAccess {
  /** Why `access` to `node` is refused (text for the error), or undefined when it is allowed. */
  refusal(access: Access, node: NodeAddress, exists: boolean): string | undefined;
}

interface Account {
  readonly password: string | undefined;
  /** Undefined: unrestricted. */
  readonly rules: Readonly<Record<Access, RegExp | undefined>> | undefined;
  readonly actAs: ReadonlySet<string>;
}

const VERBS: Readonly<Record<Access, string>> = { read: 'read from', write: 'write to', create: 'create' };

export class Accounts {
  private readonly accounts = new Map<string, Account>();

  /** @throws TypeError naming the user and field of a pattern that does not compile. */
  constructor(users: BrokerUsers) {
    for (const name of Object.keys(users)) {
      const u = users[name];
      if (typeof u === 'string') {
        this.accounts.set(name, { password: u, rules: undefined, actAs: new Set() });
        continue;
      }
      const p = u.permissions;
      const rule = (access: Access): RegExp | undefined => {
        const v = p?.[access];
        if (v === undefined || v instanceof RegExp) return v;
        try {
          return new RegExp(v);
        } catch (e) {
          throw new TypeError(`users.${name}.permissions.${access} is not a valid regular expression: ${(e as Error).message}`);
        }
      };
      this.accounts.set(name, {
        password: u.password,
        rules: p === undefined ? undefined : { read: rule('read'), write: rule('write'), create: rule('create') },
        actAs: new Set(u.actAs ?? []),
      });
    }
  }

  /**
   * The user a password login acts as, or undefined when refused: the password must match, and an
   * authorization identity other than the login must be a user the login may act as.
   */
  loginWithPassword(username: string | undefined, password: string | undefined, authzid?: string): string | undefined {
    if (username === undefined) return undefined;
    const a = this.accounts.get(username);
    if (a === undefined || a.password === undefined || a.password !== password) return undefined;
    return this.actingAs(username, a, authzid);
  }

  /** The user a certificate login (its subject CN) acts as, or undefined when refused. */
  loginWithCertificate(identity: string, authzid?: string): string | undefined {
    const a = this.accounts.get(identity);
    return a === undefined ? undefined : this.actingAs(identity, a, authzid);
  }

  /** What `user` (an authenticated name) may do with nodes; undefined when unrestricted. */
  accessOf(user: string): NodeAccess | undefined {
    const rules = this.accounts.get(user)?.rules;
    if (rules === undefined) return undefined;
    return {
      refusal: (access, node, exists) => {
        const address = formatAddress(node);
        if (!allows(rules[access], address)) return `user "${user}" may not ${VERBS[access]} "${address}"`;
        if (!exists && !allows(rules.create, address)) return `user "${user}" may not create "${address}"`;
        return undefined;
      },
    };
  }

  private actingAs(login: string, a: Account, authzid: string | undefined): string | undefined {
    if (authzid === undefined || authzid === login) return login;
    return a.actAs.has(authzid) && this.accounts.has(authzid) ? authzid : undefined;
  }
}

function allows(rule: RegExp | undefined, address: string): boolean {
  if (rule === undefined) return false;
  rule.lastIndex = 0; // a /g or /y pattern keeps state between tests
  return rule.test(address);
}
