/**
 * `rx-mq broker` with a users file (permissions) and TLS listeners, spawned as its own process:
 * the URLs it prints, permissions enforced for the accounts of the file, TLS served with the key
 * and certificate files, client certificates as logins, and one-line usage errors for bad files.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, lastValueFrom, map, switchMap, take, toArray } from 'rxjs';
import { connect } from '../../src/amqp/index.js';
import { AmqpError } from '../../src/amqp/engine/errors.js';
import { connect as stompConnect } from '../../src/stomp/index.js';
import { makeCertificates, type TestCertificates } from '../support/tls-certs.js';
import { exited, firstLines, runCli, spawnCli } from './helpers.js';

describe('cli e2e: rx-mq broker with --users and --tls-*', function () {
  this.timeout(60_000);
  let dir: string;
  let certs: TestCertificates;
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-mq-cli-'));
    certs = makeCertificates(['reporter']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves amqps, stomp+ssl and wss from the key files, with the users file\'s permissions and certificate logins', async () => {
    const users = file('users.json', JSON.stringify({
      writer: { password: 'w', permissions: { read: '^$', write: '^jobs$', create: '^jobs$' } },
      reporter: { permissions: { read: '^jobs$', write: '^$', create: '^$' } },
    }));
    const child = spawnCli(['broker', '--amqp-port', '0', '--stomp-port', '0', '--users', users,
      '--tls-key', file('key.pem', certs.server.key), '--tls-cert', file('cert.pem', certs.server.cert),
      '--tls-ca', file('ca.pem', certs.ca), '--tls-client-cert', 'optional', '--amqps-port', '0', '--stomp-ssl-port', '0', '--wss-port', '0']);
    try {
      const lines = await firstLines(child, 6);
      expect(lines[0]).to.match(/^amqp:\/\//);
      expect(lines[1]).to.match(/^stomp:\/\//);
      expect(lines[2]).to.match(/^amqps:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[3]).to.match(/^stomp\+ssl:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[4]).to.match(/^amqp\+wss:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[5]).to.equal(lines[4].replace('amqp+wss:', 'wss:'));
      const q = 'jobs'; // the broker process is this test's own
      // writer sends over amqps with a password...
      const sent = await firstValueFrom(connect({ url: lines[2], tls: { ca: certs.ca }, username: 'writer', password: 'w' }).pipe(
        switchMap((c) => lastValueFrom(from(['j1']).pipe(map((body) => ({ body })), c.send(q), toArray()))), take(1)));
      expect(sent.map((o) => o.state)).to.deep.equal(['accepted']);
      // ...may not read, even over plain AMQP...
      const denied = await firstValueFrom(connect(lines[0].replace('://', '://writer:w@')).pipe(switchMap((c) => c.receive(q))))
        .then(() => undefined, (e: unknown) => e);
      expect((denied as AmqpError).condition).to.equal('amqp:unauthorized-access');
      // ...and reporter, by certificate only, reads it over STOMP on TLS.
      const text = await firstValueFrom(stompConnect({ url: lines[3], tls: { ca: certs.ca, ...certs.clients.reporter } }).pipe(
        switchMap((s) => s.subscribe(`/queue/${q}`)), map((m) => m.text), take(1)));
      expect(text).to.equal('j1');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).to.deep.equal({ code: 0, signal: null });
  });

  const usage: readonly (readonly [string, string[], RegExp])[] = [
    ['a key without a certificate', ['--tls-key', 'k.pem'], /^rx-mq: give both --tls-key and --tls-cert/],
    ['a TLS port without TLS', ['--amqps-port', '0'], /option --amqps-port needs --tls-key and --tls-cert/],
    ['client certificates without a CA', ['--tls-key', 'KEY', '--tls-cert', 'CERT', '--tls-client-cert', 'required'], /needs --tls-ca/],
    ['a missing users file', ['--users', 'nowhere.json'], /option --users: cannot read nowhere\.json \(ENOENT\)/],
    ['a users file that is not JSON', ['--users', 'USERS:{'], /is not JSON/],
    ['a bad pattern', ['--users', 'USERS:{"u":{"permissions":{"read":"("}}}'], /user "u": permission read is not a valid regular expression/],
    ['an unknown field', ['--users', 'USERS:{"u":{"pasword":"x"}}'], /unknown field "pasword"/],
    ['a key file that is not PEM', ['--tls-key', 'USERS:{}', '--tls-cert', 'CERT'], /--tls-key: .* holds no PEM block/],
  ];
  for (const [what, args, why] of usage) {
    it(`exits 2 with one line for ${what}`, async () => {
      const resolved = args.map((a) => (a === 'KEY' ? file('k2.pem', certs.server.key) : a === 'CERT' ? file('c2.pem', certs.server.cert)
        : a.startsWith('USERS:') ? file(`u-${Math.random().toString(36).slice(2)}.json`, a.slice(6)) : a));
      const r = await runCli(['broker', '--amqp-port', '0', '--no-stomp', ...resolved]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr.trim().split('\n')[0]).to.match(why);
    });
  }
});
