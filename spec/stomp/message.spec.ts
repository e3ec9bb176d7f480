import { expect } from 'chai';
import { frame } from '../../src/stomp/codec/index.js';
import { toMessage } from '../../src/stomp/rx/message.js';

describe('stomp messages', () => {
  const settle = async (): Promise<void> => undefined;
  it('exposes headers (first wins), the full list, body, text and ids', () => {
    const f = frame('MESSAGE', [['destination', '/q'], ['message-id', 'm-1'], ['subscription', 's'], ['x', '1'], ['x', '2']], new Uint8Array([0x68, 0xc3, 0xa9]));
    const m = toMessage(f, 's', settle);
    expect(m.headers.x).to.equal('1');
    expect(m.headerList.filter(([k]) => k === 'x').map(([, v]) => v)).to.deep.equal(['1', '2']);
    expect(m.text).to.equal('hé');
    expect([m.destination, m.messageId, m.subscription]).to.deep.equal(['/q', 'm-1', 's']);
  });
  it("decodes text with the content-type's charset", () => {
    const f = frame('MESSAGE', { destination: 'd', 'message-id': '1', subscription: 's', 'content-type': 'text/plain; charset=ISO-8859-1' }, new Uint8Array([0x68, 0xe9]));
    expect(toMessage(f, 's', settle).text).to.equal('hé');
  });
  it('routes ack and nack to the connection with their options', async () => {
    const calls: string[] = [];
    const f = frame('MESSAGE', { destination: 'd', 'message-id': '1', subscription: 's' });
    const m = toMessage(f, 's', async (kind, fr, o) => { calls.push(`${kind}:${fr === f}:${String(o?.receipt)}`); });
    await m.ack({ receipt: true });
    await m.nack();
    expect(calls).to.deep.equal(['ACK:true:true', 'NACK:true:undefined']);
  });
});
