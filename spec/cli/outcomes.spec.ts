/**
 * Outcomes other than accepted: a rhea peer (an independent AMQP 1.0 implementation) that rejects
 * or releases some messages. That must be exit 1 with one line on stderr, after the summary on
 * stdout. (RabbitMQ refusing an address: spec/interop/cli/brokers.spec.ts.)
 */
import { expect } from 'chai';
import rhea from 'rhea';
import type { AddressInfo } from 'node:net';
import { runCli } from './helpers.js';

describe('cli e2e: outcomes', function () {
  this.timeout(30_000);
  let server: { close(): void; address(): AddressInfo | string | null };
  let port: number;

  before(async () => {
    const container = rhea.create_container({ id: 'cli-outcomes-peer' });
    container.on('message', (ctx: rhea.EventContext) => {
      const body = String(ctx.message?.body);
      const n = Number(body.replace(/\D/g, ''));
      if (n % 3 === 0) ctx.delivery?.reject({ condition: 'amqp:precondition-failed', description: `no multiples of 3 (${body})` });
      else if (n % 5 === 0) ctx.delivery?.release();
      else ctx.delivery?.accept();
    });
    const listener = container.listen({ port: 0, host: '127.0.0.1', autoaccept: false } as rhea.ServerConnectionOptions) as unknown as typeof server & { once(e: string, f: () => void): void };
    await new Promise<void>((resolve) => listener.once('listening', resolve));
    server = listener;
    port = (listener.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('counts rejected and released messages and exits 1 naming the first', async () => {
    const r = await runCli(['send', `amqp://127.0.0.1:${port}`, 'anything', '--count', '10', '--body', 'n{n}']);
    expect(r.stdout).to.match(/^sent 10 messages to anything in .*: accepted 5, rejected 3, released 2, modified 0\n$/);
    expect(r.stderr).to.equal('rx-mq: 5 of 10 messages not accepted; first: message 3 rejected (amqp:precondition-failed: no multiples of 3 (n3))\n');
    expect(r.code).to.equal(1);
  });
});
