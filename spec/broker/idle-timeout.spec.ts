/**
 * The embedded broker's idle-time-out (`startBroker({ idleTimeout })`) seen by rhea, an
 * independent client: the broker advertises it in its open frame, a client that heartbeats (as
 * rhea does, at half the advertised time) stays connected, and one that falls silent is closed
 * with a close frame carrying amqp:resource-limit-exceeded.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { rheaConnect, rheaSendAll, rheaSender, sleep, until, type RheaClient } from './helpers.js';

/** The parts of a rhea connection that schedule its heartbeats (not in rhea's typings). */
interface RheaHeartbeat {
  heartbeat_out: ReturnType<typeof setTimeout> | undefined;
  remote: { open: { idle_time_out: number | undefined } };
}

/**
 * Make a rhea client stop sending anything: cancel its pending heartbeat and make it believe the
 * peer asked for none (rhea schedules heartbeats from the peer's advertised idle-time-out).
 */
function silence(c: rhea.Connection): void {
  const h = c as unknown as RheaHeartbeat;
  if (h.heartbeat_out !== undefined) clearTimeout(h.heartbeat_out);
  h.heartbeat_out = undefined;
  h.remote.open.idle_time_out = 0;
}

describe('broker: idle-time-out with rhea clients', function () {
  this.timeout(30_000);
  const IDLE = 400;
  let broker: EmbeddedBroker;
  const clients: RheaClient[] = [];
  beforeEach(async () => { broker = await startBroker({ amqpPort: 0, stompPort: false, idleTimeout: IDLE }); });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await broker.close();
  });

  it('closes a silent client with amqp:resource-limit-exceeded, and keeps a heartbeating one', async () => {
    const live = await rheaConnect(broker.amqpPort);
    const silent = await rheaConnect(broker.amqpPort);
    clients.push(live, silent);
    // The broker tells clients how long it waits (open.idle-time-out); rhea heartbeats at half that.
    expect((live.connection as unknown as { idle_time_out: number }).idle_time_out).to.equal(IDLE);

    const closeError = new Promise<unknown>((resolve) => {
      silent.connection.once('connection_close', (ctx: rhea.EventContext) => resolve(ctx.connection.error));
    });
    silence(silent.connection);
    const err = (await closeError) as { condition?: string; description?: string } | undefined;
    expect(err?.condition).to.equal('amqp:resource-limit-exceeded');
    expect(err?.description).to.match(/idle-time-out/);
    await until(() => silent.connection.is_closed(), 5000, 'the silent connection closed');

    // Several time-outs later, the heartbeating client is still connected and still works.
    await sleep(IDLE * 4);
    expect(live.connection.is_open()).to.equal(true);
    expect(live.connection.is_remote_open()).to.equal(true);
    const s = await rheaSender(live, 'after-idle');
    expect(await rheaSendAll(s, [{ body: 'still here' }])).to.deep.equal(['accepted']);
    expect(broker.queue('after-idle')?.depth).to.equal(1);
  });

  it('idleTimeout 0 advertises no idle-time-out and never drops a silent client', async () => {
    const patient = await startBroker({ amqpPort: 0, stompPort: false, idleTimeout: 0 });
    try {
      const silent = await rheaConnect(patient.amqpPort);
      clients.push(silent);
      expect((silent.connection as unknown as { idle_time_out: number | null | undefined }).idle_time_out ?? undefined).to.equal(undefined);
      silence(silent.connection);
      await sleep(1500);
      expect(silent.connection.is_remote_open()).to.equal(true);
      const s = await rheaSender(silent, 'patient');
      expect(await rheaSendAll(s, [{ body: 'late but welcome' }])).to.deep.equal(['accepted']);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await patient.close();
    }
  });
});
