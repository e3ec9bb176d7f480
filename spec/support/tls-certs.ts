/**
 * Test certificates made with `openssl` into a temporary directory: a CA, a server certificate
 * for 127.0.0.1 and localhost, client certificates signed by that CA (subject CN as given), and one
 * client certificate from a CA the server does not trust. EC P-256 keys: quick to make.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export interface TestCertificates {
  /** The CA that signed the server and the trusted clients. */
  readonly ca: string;
  readonly server: KeyPair;
  /** Client certificates by subject CN, signed by `ca`. */
  readonly clients: Readonly<Record<string, KeyPair>>;
  /** A client certificate (CN `stranger`) signed by a CA the server does not trust. */
  readonly untrusted: KeyPair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Make the set (a second or so); nothing is left in the temporary directory afterwards. */
export function makeCertificates(clientNames: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'rx-mq-tls-'));
  const f = (name: string): string => join(dir, name);
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };
  try {
    const selfSigned = (name: string, cn: string): void => {
      ssl('req', '-x509', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '2', '-subj', `/CN=${cn}`);
    };
    const signed = (name: string, cn: string, ca: string, ext?: string): KeyPair => {
      ssl('req', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
      const extArgs: string[] = [];
      if (ext !== undefined) {
        writeFileSync(f(`${name}.ext`), ext);
        extArgs.push('-extfile', f(`${name}.ext`));
      }
      ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`), '-CAcreateserial',
        '-out', f(`${name}.pem`), '-days', '2', ...extArgs);
      return { key: readFileSync(f(`${name}.key`), 'utf8'), cert: readFileSync(f(`${name}.pem`), 'utf8') };
    };
    selfSigned('ca', 'rx-mq test CA');
    selfSigned('other-ca', 'someone else\'s CA');
    const server = signed('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    const clients: Record<string, KeyPair> = {};
    for (const [i, cn] of clientNames.entries()) clients[cn] = signed(`client-${i}`, cn, 'ca', 'extendedKeyUsage=clientAuth\n');
    const untrusted = signed('stranger', 'stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
    return { ca: readFileSync(f('ca.pem'), 'utf8'), server, clients, untrusted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
