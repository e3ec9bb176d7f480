/**
 * The `rx-mq` command, spawned as a process, against the real brokers scripts/brokers.sh runs:
 * RabbitMQ (AMQP 1.0, STOMP, and STOMP over WebSocket, `/queue/NAME` addresses) and ActiveMQ's
 * STOMP connector (no login configured); addresses from spec/support/peers.ts.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { jsonLines, runCli, uniqueName } from '../../cli/helpers.js';
import { ACTIVEMQ, PEERS, RABBITMQ, requirePeers } from '../../support/peers.js';

const RABBIT_AMQP = RABBITMQ.amqpUrl();
const RABBIT_STOMP = RABBITMQ.stompUrl();
const RABBIT_WEB_STOMP = RABBITMQ.webStompUrl();
const ACTIVEMQ_STOMP = ACTIVEMQ.stompUrl();

const targets = [
  { name: 'RabbitMQ AMQP 1.0', peer: PEERS.rabbitAmqp, url: RABBIT_AMQP, props: (m: Record<string, unknown>) => m.applicationProperties },
  { name: 'RabbitMQ STOMP', peer: PEERS.rabbitStomp, url: RABBIT_STOMP, props: (m: Record<string, unknown>) => m.headers },
  { name: 'RabbitMQ STOMP over WebSocket', peer: PEERS.rabbitWebStomp, url: RABBIT_WEB_STOMP, props: (m: Record<string, unknown>) => m.headers },
  { name: 'ActiveMQ STOMP', peer: PEERS.activemqStomp, url: ACTIVEMQ_STOMP, props: (m: Record<string, unknown>) => m.headers },
];

describe('cli e2e: real brokers', function () {
  this.timeout(60_000);

  for (const t of targets) {
    describe(t.name, () => {
      requirePeers(t.peer);
      it('sends N messages and receives the same bodies and properties as JSON lines', async () => {
        const q = `/queue/${uniqueName('rt')}`;
        const sent = await runCli(['send', t.url, q, '--count', '8', '--body', 'body {n}', '--property', 'trace=abc', '--rate', '200/s']);
        expect(sent.stderr).to.equal('');
        expect(sent.code).to.equal(0);
        expect(sent.stdout).to.match(/^sent 8 messages to .*: accepted 8, rejected 0, released 0, modified 0\n$/);
        const got = await runCli(['receive', t.url, q, '--count', '8', '--json']);
        expect(got.code, got.stderr).to.equal(0);
        const msgs = jsonLines(got.stdout);
        expect(msgs.map((m) => m.body)).to.deep.equal(Array.from({ length: 8 }, (_, i) => `body ${i + 1}`));
        for (const m of msgs) expect(t.props(m)).to.include({ trace: 'abc' });
        const rest = await runCli(['receive', t.url, q, '--timeout', '500']);
        expect(rest).to.include({ code: 0, stdout: '' });
      });

      it('carries a binary body from standard input byte for byte', async () => {
        const q = `/queue/${uniqueName('bin')}`;
        const data = Buffer.concat([Buffer.from([0, 1, 0xff, 0xfe]), randomBytes(2000)]);
        const sent = await runCli(['send', t.url, q, '--file', '-'], { input: data });
        expect(sent.code, sent.stderr).to.equal(0);
        const got = await runCli(['receive', t.url, q, '--count', '1', '--json']);
        const [m] = jsonLines(got.stdout);
        expect(m.bodyEncoding).to.equal('base64');
        expect(Buffer.from(String(m.body), 'base64').equals(data)).to.equal(true);
      });
    });
  }

  describe('RabbitMQ errors', () => {
    requirePeers(PEERS.rabbitAmqp, PEERS.rabbitStomp);

    it('RabbitMQ: exits 4 with one line for a wrong password, AMQP and STOMP', async () => {
      for (const url of [RABBITMQ.amqpUrl({ password: 'not-the-password' }), RABBITMQ.stompUrl({ password: 'not-the-password' })]) {
        const r = await runCli(['send', url, `/queue/${uniqueName('auth')}`]);
        expect(r.code, r.stderr).to.equal(4);
        expect(r.stderr).to.match(/^rx-mq: cannot connect to \w+:\/\/[^:]+:\*\*\*@[^/]+:\d+(\/%2F)?: authentication failed[^\n]*\n$/);
        expect(r.stderr).not.to.contain('not-the-password');
      }
    });

    it('RabbitMQ STOMP: an unknown virtual host is refused with exit 4', async () => {
      const r = await runCli(['receive', RABBITMQ.stompUrl({ vhost: 'no-such-vhost' }), '/queue/x', '--count', '1']);
      expect(r.code).to.equal(4);
      expect(r.stderr).to.match(/^rx-mq: cannot connect to .*access denied/i);
    });

    it('RabbitMQ AMQP: receives thousands of messages with manual acknowledgement, without stalling', async () => {
      // Settling from stdout write callbacks once left RabbitMQ 3.10 holding credit and sending nothing.
      const q = `/queue/${uniqueName('many')}`;
      const sent = await runCli(['send', RABBIT_AMQP, q, '--count', '12000', '--body', '{n}']);
      expect(sent.code, sent.stderr).to.equal(0);
      const got = await runCli(['receive', RABBIT_AMQP, q, '--count', '12000', '--timeout', '5000']);
      expect(got.code, got.stderr).to.equal(0);
      const lines = got.stdout.split('\n').filter(Boolean);
      expect(lines).to.have.length(12000);
      expect(lines[11999]).to.equal('[12000] 12000');
    });

    it('RabbitMQ AMQP: fetch mode ends on time with what is there', async () => {
      const q = `/queue/${uniqueName('fetch')}`;
      await runCli(['send', RABBIT_AMQP, q, '--count', '2', '--body', 'f{n}']);
      const got = await runCli(['receive', RABBIT_AMQP, q, '--fetch', '10', '--timeout', '500']);
      expect(got.code, got.stderr).to.equal(0);
      expect(got.stdout).to.equal('[1] f1\n[2] f2\n');
    });

    it('RabbitMQ: a refused address is exit 1 with the broker\'s reason, AMQP and STOMP', async () => {
      const exchange = `/exchange/${uniqueName('missing')}`;
      for (const url of [RABBIT_AMQP, RABBIT_STOMP]) {
        const r = await runCli(['send', url, exchange]);
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stderr).to.match(/^rx-mq: .*NOT_FOUND - no exchange 'rxmq-cli-missing-[^']+' in vhost '\/'.*\n$/);
      }
    });
  });
});
