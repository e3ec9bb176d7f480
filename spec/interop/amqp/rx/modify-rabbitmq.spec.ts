/**
 * `modify()` against RabbitMQ 3.10 (issue 22, item 6). The broker lists accepted, rejected and
 * released in its source and ends the session on a `modified` disposition (`amqp:invalid-field:
 * Unrecognised state v1_0.modified`); the client now sends `released` where that means the same
 * and refuses the rest before sending (UnsupportedOutcomeError), so the session lives on.
 */
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, of, switchMap, take, tap, toArray } from 'rxjs';
import { connect, UnsupportedOutcomeError } from '../../../../src/amqp/index.js';
import { unique } from '../../../support/amqp-connection.js';
import { PEERS, RABBITMQ, requirePeers } from '../../../support/peers.js';

describe('modify() against RabbitMQ 3.10 (issue 22, item 6)', function () {
  this.timeout(30_000);
  requirePeers(PEERS.rabbitAmqp);

  it('the session survives modify(): the message comes back, a refused modify() leaves it to release(), later messages flow', async () => {
    const q = `/queue/${unique('modify')}`;
    const errors: unknown[] = [];
    const unsettledAfterRefusal: boolean[] = [];
    const received = await firstValueFrom(connect(RABBITMQ.amqpUrl()).pipe(
      switchMap((c) => {
        const send = (body: string): Promise<unknown> => lastValueFrom(of({ body }).pipe(c.send(q)));
        const seen = new Set<string>();
        return c.receive(q, { settle: 'manual', credit: 10 }).pipe(
          tap({ subscribe: () => { void Promise.all(['m0', 'm1', 'm2'].map(send)); } }),
          tap((m) => {
            const body = m.body as string;
            const first = !seen.has(body);
            seen.add(body);
            if (body === 'm0' && first) m.modify({ deliveryFailed: true });
            else if (body === 'm1' && first) {
              try { m.modify({ undeliverableHere: true }); } catch (e) { errors.push(e); }
              unsettledAfterRefusal.push(!m.settled);
              m.release();
            } else {
              m.accept();
              // Sent on the same connection after both modify() calls: the session must be alive.
              if (body === 'm2') void send('m3');
            }
          }),
          // m0, m1, m2 once; m0 and m1 again (released back to the queue); m3.
          take(6),
          toArray(),
        );
      }),
    ));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(UnsupportedOutcomeError);
    expect(unsettledAfterRefusal).to.deep.equal([true]);
    expect(received.map((m) => m.body).sort()).to.deep.equal(['m0', 'm0', 'm1', 'm1', 'm2', 'm3']);
  });
});
