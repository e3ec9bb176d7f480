/**
 * Across protocols, through one embedded broker: rhea (AMQP 1.0) to stomp.py, stomp.py to rhea,
 * @stomp/stompjs to the rx-mq AMQP client, AMQP topic publishes to STOMP /topic/ subscribers, and
 * a STOMP NACK seen as an AMQP delivery-count, with the header/property mapping asserted each way.
 */
import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, of, switchMap, take, toArray } from 'rxjs';
import rhea from 'rhea';
import { connect as amqpConnect, fromCompositeJson } from '../../src/amqp/index.js';
import { startBroker, type EmbeddedBroker } from '../../src/broker/index.js';
import { COMPOSITE_JSON_TYPE } from '../../src/broker/stomp-mapping.js';
import { gather, withSession } from '../stomp/broker-helpers.js';
import { rheaConnect, rheaSendAll, rheaSender, sleep, until, type RheaClient } from './helpers.js';
import { stompjs, stomppy, stopStomppy, type IMessage } from './stomp-helpers.js';

const text = (hex: string): string => Buffer.from(hex, 'hex').toString('utf8');

/** rhea hands a data-section body over as a section object holding the bytes. */
const dataBytes = (body: unknown): Uint8Array => {
  const b = body as { typecode?: number; content?: Buffer } | Buffer;
  if (Buffer.isBuffer(b)) return new Uint8Array(b);
  expect(b.typecode).to.equal(0x75);
  return new Uint8Array(b.content as Buffer);
};

describe('broker: STOMP and AMQP across protocols', function () {
  this.timeout(30_000);
  let broker: EmbeddedBroker;
  const rheas: RheaClient[] = [];
  beforeEach(async () => { broker = await startBroker(); });
  afterEach(async () => {
    stopStomppy();
    await Promise.all(rheas.splice(0).map((c) => c.close()));
    await broker.close();
  });
  const rheaClient = async (): Promise<RheaClient> => {
    const c = await rheaConnect(broker.amqpPort);
    rheas.push(c);
    return c;
  };
  /** A rhea receiver with manual acceptance; collects message contexts. */
  const rheaReceive = async (c: RheaClient, source: string | rhea.ReceiverOptions): Promise<rhea.EventContext[]> => {
    const got: rhea.EventContext[] = [];
    const r = c.connection.open_receiver(typeof source === 'string' ? { source, autoaccept: true } : { autoaccept: true, ...source });
    r.on('message', (ctx: rhea.EventContext) => { got.push(ctx); });
    await new Promise<void>((res) => r.once('receiver_open', () => res()));
    return got;
  };

  it('rhea sends, stomp.py receives: bodies as bytes or text, properties and application properties as headers', async () => {
    const c = await rheaClient();
    const s = await rheaSender(c, 'amqp-to-py');
    await rheaSendAll(s, [
      {
        body: 'grüße', message_id: 'm-1', correlation_id: 'c-1', subject: 'greeting', reply_to: '/queue/back',
        durable: true, priority: 6, application_properties: { n: 42, flag: true, s: 'x:y' },
      },
      { body: rhea.message.data_section(Buffer.from([0, 1, 0, 255])), content_type: 'application/x-bin' },
      { body: { a: 1, list: [true, 'z'] } },
    ]);
    const py = stomppy('recv', broker.stompPort as number, '/queue/amqp-to-py', '3', 'auto');
    expect(await py.exit).to.equal(0);
    const [m1, m2, m3] = py.messages();
    expect(text(m1.hex)).to.equal('grüße');
    expect(m1.headers).to.include({
      'content-type': 'text/plain;charset=utf-8', 'amqp-message-id': 'm-1', 'correlation-id': 'c-1', subject: 'greeting',
      'reply-to': '/queue/back', persistent: 'true', priority: '6', n: '42', flag: 'true', s: 'x:y',
      destination: '/queue/amqp-to-py',
    });
    expect(m1.headers['message-id']).to.be.a('string').and.not.equal('m-1');
    expect(m2.hex).to.equal('000100ff');
    expect(m2.headers['content-type']).to.equal('application/x-bin');
    expect(m3.headers['content-type']).to.equal(COMPOSITE_JSON_TYPE);
    expect(m3.headers['amqp-body-type']).to.equal('value');
    const value = fromCompositeJson(text(m3.hex));
    expect(value.type).to.equal('map');
    expect(value.type === 'map' && value.value[0][0]).to.deep.equal({ type: 'string', value: 'a' });
    expect(value.type === 'map' && value.value[1][1].type).to.equal('list');
  });

  it('stomp.py sends, rhea receives: a data section with the bytes, headers mapped to properties', async () => {
    const py = stomppy('send', broker.stompPort as number, '/queue/py-to-amqp');
    expect(await py.exit).to.equal(0);
    const c = await rheaClient();
    const got = await rheaReceive(c, 'py-to-amqp');
    await until(() => got.length === 3, 5000, 'three messages');
    const [t, b, n] = got.map((g) => g.message as rhea.Message);
    expect(Buffer.from(dataBytes(t.body)).toString('utf8')).to.equal('py-text-é');
    expect(dataBytes(b.body)).to.deep.equal(new Uint8Array(256).map((_, i) => i));
    expect([...dataBytes(n.body)]).to.deep.equal([0, 1, 0]);
    expect(t.content_type).to.equal('text/plain;charset=utf-8');
    expect(t.correlation_id).to.equal('corr-text');
    expect(t.reply_to).to.equal('/queue/replies');
    expect(t.durable).to.equal(true);
    expect(t.priority).to.equal(7);
    expect(t.application_properties).to.deep.equal({ 'x-kind': 'text', 'x-odd': 'a:b\\c\nd' });
  });

  it('stompjs sends, the rx-mq AMQP client receives the same bytes and headers', async () => {
    const js = await stompjs(broker.stompPort as number);
    try {
      js.publish({ destination: '/queue/js-to-amqp', body: 'from stompjs ✓', headers: { 'x-odd': 'a:b', 'content-type': 'text/plain', 'message-id': 'js-1' } });
      js.publish({ destination: '/queue/js-to-amqp', binaryBody: new Uint8Array([9, 0, 9]) });
      await until(() => broker.queue('js-to-amqp')?.depth === 2, 5000, 'stored');
    } finally {
      await js.deactivate();
    }
    const msgs = await firstValueFrom(amqpConnect(broker.amqpUrl).pipe(
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
    const js = await stompjs(broker.stompPort as number);
    const jsGot: IMessage[] = [];
    try {
      js.subscribe('/topic/news', (m) => jsGot.push(m));
      await withSession(broker.stompUrl as string, async (s) => {
        const ours = gather(s, '/topic/news', 2);
        await sleep(150); // both SUBSCRIBE frames are in
        const outcomes = await firstValueFrom(amqpConnect(broker.amqpUrl).pipe(
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
    await withSession(broker.stompUrl as string, (s) => lastValueFrom(of({ body: 'fire', headers: { level: 'high' } }).pipe(s.send('/topic/alerts', { receipt: true }), toArray())));
    await until(() => got.length === 1, 5000, 'rhea got the alert');
    expect(Buffer.from(dataBytes(got[0].message?.body)).toString()).to.equal('fire');
    expect(got[0].message?.application_properties).to.deep.equal({ level: 'high' });
  });

  it('STOMP NACKs and releases count as failed deliveries that an AMQP consumer sees', async () => {
    await withSession(broker.stompUrl as string, async (s) => {
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
