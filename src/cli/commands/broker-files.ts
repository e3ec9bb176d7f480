/**
 * What `rx-mq broker` reads from files: the users file (`--users FILE`, JSON: a name to a password,
 * or to `{ "password", "permissions": { "read", "write", "create" }, "actAs": [...] }`) and the TLS
 * key, certificate and CA (`--tls-key`, `--tls-cert`, `--tls-ca`). Every problem is a UsageError
 * naming the file and the field, never the file's secrets.
 */
import { readFileSync } from 'node:fs';
import type { BrokerUser, BrokerUsers, UserPermissions } from '../../broker/index.js';
import { UsageError } from '../errors.js';

const NAME = 'rx-mq broker';
const ACCESS = ['read', 'write', 'create'] as const;
const USER_FIELDS = new Set(['password', 'permissions', 'actAs']);

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new UsageError(`option --${option}: cannot read ${path}${code === undefined ? '' : ` (${code})`}`, NAME);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One entry of the users file, checked field by field. */
function userOf(name: string, v: unknown, path: string): string | BrokerUser {
  const where = `${path}: user "${name}"`;
  if (typeof v === 'string') return v;
  if (!isObject(v)) throw new UsageError(`${where} must be a password string or an object`, NAME);
  for (const k of Object.keys(v)) if (!USER_FIELDS.has(k)) throw new UsageError(`${where} has an unknown field "${k}" (known: password, permissions, actAs)`, NAME);
  if (v.password !== undefined && typeof v.password !== 'string') throw new UsageError(`${where}: password must be a string`, NAME);
  let permissions: UserPermissions | undefined;
  if (v.permissions !== undefined) {
    const p = v.permissions;
    if (!isObject(p)) throw new UsageError(`${where}: permissions must be an object with read, write and create`, NAME);
    const out: Record<string, string> = {};
    for (const k of Object.keys(p)) {
      if (!(ACCESS as readonly string[]).includes(k)) throw new UsageError(`${where}: unknown permission "${k}" (known: read, write, create)`, NAME);
      const pattern = p[k];
      if (typeof pattern !== 'string') throw new UsageError(`${where}: permission ${k} must be a regular expression string`, NAME);
      try {
        new RegExp(pattern); // eslint-disable-line no-new -- compiled here to report it with the file's name
      } catch (e) {
        throw new UsageError(`${where}: permission ${k} is not a valid regular expression: ${(e as Error).message}`, NAME);
      }
      out[k] = pattern;
    }
    permissions = out;
  }
  if (v.actAs !== undefined && (!Array.isArray(v.actAs) || !v.actAs.every((x) => typeof x === 'string'))) {
    throw new UsageError(`${where}: actAs must be a list of user names`, NAME);
  }
  return { password: v.password as string | undefined, permissions, actAs: v.actAs as readonly string[] | undefined };
}

/** The users file as the broker's `users`. */
export function readUsersFile(path: string): BrokerUsers {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, 'users'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`option --users: ${path} is not JSON: ${(e as Error).message}`, NAME);
  }
  if (!isObject(json)) throw new UsageError(`option --users: ${path} must hold an object of user names`, NAME);
  const out: Record<string, string | BrokerUser> = {};
  for (const name of Object.keys(json)) out[name] = userOf(name, json[name], path);
  return out;
}

/** A PEM file (key, certificate or CA) as text. */
export function readPem(path: string, option: string): string {
  const text = readText(path, option);
  if (!text.includes('-----BEGIN ')) throw new UsageError(`option --${option}: ${path} holds no PEM block`, NAME);
  return text;
}
