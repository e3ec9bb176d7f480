/**
 * The `rx-mq` command, spawned as a process, against the embedded broker running in the test
 * process: AMQP and STOMP round trips, binary bodies, pacing, fetch, exit codes and one-line errors.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { jsonLines, runCli, uniqueName } from './helpers.js';

describe('cli e2e: embedded broker', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  let dir: string;
  before(async () => {
    broker = await startBroker({ amqpPort: 0, stompPort: 0 });
    dir = mkdtempSync(join(tmpdir(), 'rx-mq-cli-'));
  });
  after(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stompUrl = (): string => {
    expect(broker.stompUrl, 'the embedded broker has a STOMP listener').to.be.a('string');
    return broker.stompUrl as string;
  };
  const targets = [
    { name: 'AMQP', url: (): string => broker.amqpUrl, props: (m: Record<string, unknown>) => m.applicationProperties },
    { name: 'STOMP', url: stompUrl, props: (m: Record<string, unknown>) => m.headers },
  ];

  for (const t of targets) {
    describe(t.name, () => {
      it('sends N messages and receives the same bodies and properties as JSON lines', async () => {
        const q = `/queue/${uniqueName('roundtrip')}`;
        const sent = await runCli(['send', t.url(), q, '--count', '5', '--body', 'hello {n}', '--property', 'color=red', '--property', 'n=1']);
        expect(sent.stderr).to.equal('');
        expect(sent.code).to.equal(0);
        expect(sent.stdout).to.match(new RegExp(`^sent 5 messages to ${q} in \\d+\\.\\d\\d s \\([\\d.]+ msg/s\\): accepted 5, rejected 0, released 0, modified 0\\n$`));
        const got = await runCli(['receive', t.url(), q, '--count', '5', '--json']);
        expect(got.stderr).to.equal('');
        expect(got.code).to.equal(0);
        const msgs = jsonLines(got.stdout);
        expect(msgs.map((m) => m.body)).to.deep.equal(['hello 1', 'hello 2', 'hello 3', 'hello 4', 'hello 5']);
        for (const m of msgs) {
          expect(m).to.include({ protocol: t.name.toLowerCase(), address: q, bodyEncoding: 'text' });
          expect(t.props(m)).to.include({ color: 'red', n: '1' });
        }
        // Everything was acknowledged: nothing is left.
        const rest = await runCli(['receive', t.url(), q, '--timeout', '300']);
        expect(rest).to.include({ code: 0, stdout: '' });
      });

      it('carries a binary --file body byte for byte', async () => {
        const q = `/queue/${uniqueName('binary')}`;
        const data = Buffer.concat([Buffer.from([0, 255, 0xc3, 0x28, 10, 13]), randomBytes(3000)]);
        const file = join(dir, `${t.name}.bin`);
        writeFileSync(file, data);
        const sent = await runCli(['send', t.url(), q, '--file', file, '--count', '2', '--content-type', 'application/octet-stream']);
        expect(sent.code, sent.stderr).to.equal(0);
        const got = await runCli(['receive', t.url(), q, '--count', '2', '--json']);
        expect(got.code, got.stderr).to.equal(0);
        for (const m of jsonLines(got.stdout)) {
          expect(m.bodyEncoding).to.equal('base64');
          expect(Buffer.from(String(m.body), 'base64').equals(data)).to.equal(true);
        }
      });

      it('paces with --rate and keeps every message in order, with no progress noise off a terminal', async () => {
        const q = `/queue/${uniqueName('rate')}`;
        // Over a second: long enough for a progress bar, were stderr a terminal.
        const sent = await runCli(['send', t.url(), q, '--count', '26', '--rate', '20/s', '--body', '{n}']);
        expect(sent.code, sent.stderr).to.equal(0);
        expect(sent.stderr).to.equal('');
        expect(sent.stdout).to.match(/^sent 26 messages/);
        const got = await runCli(['receive', t.url(), q, '--count', '26', '--json']);
        expect(jsonLines(got.stdout).map((m) => Number(m.body))).to.deep.equal(Array.from({ length: 26 }, (_, i) => i + 1));
      });

      it('leaves messages past --count on the queue, and gives back released ones', async () => {
        const q = `/queue/${uniqueName('count')}`;
        expect((await runCli(['send', t.url(), q, '--count', '6', '--body', 'm{n}'])).code).to.equal(0);
        const first = await runCli(['receive', t.url(), q, '--count', '2']);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.equal('[1] m1\n[2] m2\n');
        const peek = await runCli(['receive', t.url(), q, '--count', '1', '--ack', 'release']);
        expect(peek.stdout).to.match(/^\[1\] m3/);
        const rest = await runCli(['receive', t.url(), q, '--timeout', '500', '--json']);
        expect(rest.code, rest.stderr).to.equal(0);
        expect(jsonLines(rest.stdout).map((m) => m.body)).to.deep.equal(['m3', 'm4', 'm5', 'm6']);
      });

      it('exits 1 with one line when --count is not reached before --timeout', async () => {
        const q = `/queue/${uniqueName('short')}`;
        await runCli(['send', t.url(), q, '--count', '2']);
        const got = await runCli(['receive', t.url(), q, '--count', '3', '--timeout', '400']);
        expect(got.code).to.equal(1);
        expect(got.stdout.split('\n').filter(Boolean)).to.have.length(2);
        expect(got.stderr).to.equal('rx-mq: received 2 of 3 messages before 400 ms without a message\n');
      });

      it('fetches a batch with --fetch and --timeout', async () => {
        const q = `/queue/${uniqueName('fetch')}`;
        await runCli(['send', t.url(), q, '--count', '3', '--body', 'f{n}']);
        const got = await runCli(['receive', t.url(), q, '--fetch', '5', '--timeout', '500', '--json']);
        expect(got.code, got.stderr).to.equal(0);
        expect(jsonLines(got.stdout).map((m) => m.body)).to.deep.equal(['f1', 'f2', 'f3']);
      });

      it('sends at-most-once and reports the messages as unconfirmed', async () => {
        const q = `/queue/${uniqueName('amo')}`;
        const sent = await runCli(['send', t.url(), q, '--count', '20', '--settle', 'at-most-once']);
        expect(sent.code, sent.stderr).to.equal(0);
        expect(sent.stdout).to.match(/: unconfirmed 20\n$/);
        const got = await runCli(['receive', t.url(), q, '--count', '20']);
        expect(got.code, got.stderr).to.equal(0);
      });

      it('exits 3 with one line for a refused port', async () => {
        const url = t.url().replace(/:\d+$/, ':1');
        const r = await runCli(['send', url, '/queue/x']);
        expect(r.code).to.equal(3);
        expect(r.stderr).to.equal(`rx-mq: cannot connect to ${url}: connection refused\n`);
      });
    });
  }

  it('crosses protocols: sent with AMQP, received with STOMP and back', async () => {
    const q = `/queue/${uniqueName('cross')}`;
    expect((await runCli(['send', broker.amqpUrl, q, '--body', 'from amqp', '--property', 'k=v'])).code).to.equal(0);
    const s = await runCli(['receive', stompUrl(), q, '--count', '1', '--json']);
    expect(jsonLines(s.stdout)[0]).to.deep.include({ body: 'from amqp', protocol: 'stomp' });
    expect(jsonLines(s.stdout)[0].headers).to.include({ k: 'v' });
    expect((await runCli(['send', stompUrl(), q, '--body', 'from stomp'])).code).to.equal(0);
    const a = await runCli(['receive', broker.amqpUrl, q, '--count', '1']);
    expect(a.stdout).to.match(/^\[1\] from stomp/);
  });

  it('reports AMQP header fields in --json properties', async () => {
    const q = `/queue/${uniqueName('fields')}`;
    const sent = await runCli(['send', broker.amqpUrl, q, '--header', 'message-id=id-1', '--header', 'subject=greeting', '--header', 'priority=7', '--content-type', 'text/plain', '--durable']);
    expect(sent.code, sent.stderr).to.equal(0);
    const [m] = jsonLines((await runCli(['receive', broker.amqpUrl, q, '--count', '1', '--json'])).stdout);
    expect(m.properties).to.include({ messageId: 'id-1', subject: 'greeting', priority: 7, contentType: 'text/plain', durable: true });
  });

  it('exits 2 with one line for bad URLs and options, before connecting', async () => {
    const bad = await runCli(['send', 'http://127.0.0.1:1', '/queue/x']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/^rx-mq: unsupported URL http:\/\/127\.0\.0\.1:1; expected amqp:\/\/.*\n$/);
    const port = await runCli(['receive', 'amqp://u:hush@127.0.0.1:70000', '/queue/x']);
    expect(port.code).to.equal(2);
    expect(port.stderr).not.to.contain('hush');
    const header = await runCli(['send', broker.amqpUrl, '/queue/x', '--header', 'colour=red']);
    expect(header.code).to.equal(2);
    expect(header.stderr).to.match(/^rx-mq: unknown AMQP header field "colour".*\(see rx-mq send --help\)\n$/);
  });

  describe('with users', () => {
    let secured: EmbeddedBroker;
    before(async () => { secured = await startBroker({ amqpPort: 0, stompPort: 0, users: { app: 'pw' } }); });
    after(() => secured.close());
    const withCreds = (url: string, creds: string): string => url.replace('://', `://${creds}@`);

    it('exits 4 with one line for a wrong password (AMQP and STOMP), and works with the right one', async () => {
      expect(secured.stompUrl).to.be.a('string');
      for (const url of [secured.amqpUrl, secured.stompUrl as string]) {
        const r = await runCli(['send', withCreds(url, 'app:wrong-secret'), '/queue/x']);
        expect(r.code, r.stderr).to.equal(4);
        expect(r.stderr).to.match(/^rx-mq: cannot connect to \w+:\/\/app:\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
        expect(r.stderr.split('\n')).to.have.length(2);
        expect(r.stderr).not.to.contain('wrong-secret');
        const ok = await runCli(['send', withCreds(url, 'app:pw'), `/queue/${uniqueName('auth')}`]);
        expect(ok.code, ok.stderr).to.equal(0);
      }
    });
  });
});
