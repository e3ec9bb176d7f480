/**
 * Across protocols through the embedded broker with stomp.py (Debian's python3-stomp) as the STOMP
 * side: rhea (AMQP 1.0) to stomp.py and stomp.py to rhea, the header/property mapping each way.
 */
import { expect } from 'chai';
import rhea from 'rhea';
import { fromCompositeJson } from '../../../src/amqp/index.js';
import { COMPOSITE_JSON_TYPE } from '../../../src/broker/stomp-mapping.js';
import { crossFixture, dataBytes, text } from '../../broker/cross-fixture.js';
import { rheaSendAll, rheaSender, until } from '../../broker/helpers.js';
import { PEERS, requirePeers } from '../../support/peers.js';
import { stomppy, stopStomppy } from './stomppy.js';

describe('broker: STOMP (stomp.py) and AMQP (rhea) across protocols', function () {
  this.timeout(30_000);
  requirePeers(PEERS.stomppy);
  const { broker, rheaClient, rheaReceive } = crossFixture(stopStomppy);

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
    const py = stomppy('recv', broker().stompPort as number, '/queue/amqp-to-py', '3', 'auto');
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
    const py = stomppy('send', broker().stompPort as number, '/queue/py-to-amqp');
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
});
