/**
 * Across protocols, through one embedded broker: @stomp/stompjs to the rx-mq AMQP client, AMQP topic publishes to STOMP /topic/ subscribers, and
 * a STOMP NACK seen as an AMQP delivery-count, with the header/property mapping asserted each way. (rhea to and from stomp.py: the interop tier.)
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, of, switchMap, take, toArray } from 'rxjs';
import { connect as amqpConnect } from '../../src/amqp/index.js';
import { gather, withSession } from '../support/stomp-session.js';
import { crossFixture, dataBytes } from './cross-fixture.js';
import { sleep, until } from './helpers.js';
import { stompjs, type IMessage } from './stomp-helpers.js';

describe('broker: STOMP and AMQP across protocols', function () {
  this.timeout(30_000);
  const { broker, rheaClient, rheaReceive } = crossFixture();

  it('stompjs sends, the rx-mq AMQP client receives the same bytes and headers', async () => {
    const js = await stompjs(broker().stompPort as number);
    try {
      js.publish({ destination: '/queue/js-to-amqp', body: 'from stompjs ✓', headers: { 'x-odd': 'a:b', 'content-type': 'text/plain', 'message-id': 'js-1' } });
      js.publish({ destination: '/queue/js-to-amqp', binaryBody: new Uint8Array([9, 0, 9]) });
      await until(() => broker().queue('js-to-amqp')?.depth === 2, 5000, 'stored');
    } finally {
      await js.deactivate();
    }
    const msgs = await firstValueFrom(amqpConnect(broker().amqpUrl).pipe(
      switchMap((c) => c.receive('js-to-amqp').pipe(take(2), toArray())),
    ));
    expect(msgs[0].bodyType).to.equal('data');
    expect(new TextDecoder().decode(msgs[0].body as Uint8Array)).to.equal('from stompjs ✓');
    expect(msgs[0].contentType).to.equal('text/plain');
    expect(msgs[0].messageId).to.equal('js-1');
    expect(msgs[0].applicationProperties).to.deep.include({ 'x-odd': 'a:b' });
    expect([...(msgs[1].body as Uint8Array)]).to.deep.equal([9, 0, 9]);
  });

  it('an AMQP publish to a topic reaches every STOMP /topic/ subscriber (stompjs and rx-mq)', async () => {
    const js = await stompjs(broker().stompPort as number);
    const jsGot: IMessage[] = [];
    try {
      js.subscribe('/topic/news', (m) => jsGot.push(m));
      await withSession(broker().stompUrl as string, async (s) => {
        const ours = gather(s, '/topic/news', 2);
        await sleep(150); // both SUBSCRIBE frames are in
        const outcomes = await firstValueFrom(amqpConnect(broker().amqpUrl).pipe(
          switchMap((c) => from([{ body: 'headline', subject: 'politics', applicationProperties: { rank: 1 } }, { body: new Uint8Array([1, 2]) }]).pipe(c.send('topic/news'), toArray())),
        ));
        expect(outcomes.map((o) => o.state)).to.deep.equal(['accepted', 'accepted']);
        const { msgs, sub } = await ours;
        sub.unsubscribe();
        expect(msgs[0].text).to.equal('headline');
        expect(msgs[0].headers).to.include({ subject: 'politics', rank: '1', destination: '/topic/news' });
        expect([...msgs[1].body]).to.deep.equal([1, 2]);
      });
      await until(() => jsGot.length === 2, 5000, 'stompjs got both');
      expect(jsGot[0].body).to.equal('headline');
      expect(jsGot[0].headers.subject).to.equal('politics');
      expect([...jsGot[1].binaryBody]).to.deep.equal([1, 2]);
    } finally {
      await js.deactivate();
    }
  });

  it('a STOMP SEND to /topic/X reaches an AMQP receiver of topic X', async () => {
    const c = await rheaClient();
    const got = await rheaReceive(c, { source: { address: 'alerts', capabilities: ['topic'] } });
    await withSession(broker().stompUrl as string, (s) => lastValueFrom(of({ body: 'fire', headers: { level: 'high' } }).pipe(s.send('/topic/alerts', { receipt: true }), toArray())));
    await until(() => got.length === 1, 5000, 'rhea got the alert');
    expect(Buffer.from(dataBytes(got[0].message?.body)).toString()).to.equal('fire');
    expect(got[0].message?.application_properties).to.deep.equal({ level: 'high' });
  });

  it('STOMP NACKs and releases count as failed deliveries that an AMQP consumer sees', async () => {
    await withSession(broker().stompUrl as string, async (s) => {
      await lastValueFrom(of('retry me').pipe(s.send('/queue/nacked', { receipt: true }), toArray()));
      const { msgs, sub, more } = await gather(s, '/queue/nacked', 1, { ack: 'client-individual' });
      await msgs[0].nack({ receipt: true });
      await until(() => more.length === 2, 5000, 'redelivered');
      expect(more[1].headers.redelivered).to.equal('true');
      sub.unsubscribe(); // leaves without acknowledging: released once more
    });
    const c = await rheaClient();
    const got = await rheaReceive(c, 'nacked');
    await until(() => got.length === 1, 5000, 'rhea got it');
    expect(got[0].message?.delivery_count).to.equal(2);
    expect(Buffer.from(dataBytes(got[0].message?.body)).toString()).to.equal('retry me');
  });
});
