/** The pattern → address mapping and the URL → protocol choice of rx-mq/nest. */
import { expect } from 'chai';
import { defaultAddress, patternName } from '../../src/nest/address.js';
import { protocolOf } from '../../src/nest/transport.js';

describe('nest: address mapping and protocol', () => {
  it('maps string, number and absolute patterns', () => {
    expect(defaultAddress('orders')).to.equal('/queue/orders');
    expect(defaultAddress(42)).to.equal('/queue/42');
    expect(defaultAddress('/topic/prices')).to.equal('/topic/prices');
    expect(() => defaultAddress('')).to.throw(TypeError);
  });

  it('maps object patterns by sorted keys, whatever order they were written in', () => {
    expect(defaultAddress({ cmd: 'sum' })).to.equal('/queue/cmd=sum');
    expect(defaultAddress({ v: 2, cmd: 'sum' })).to.equal('/queue/cmd=sum&v=2');
    expect(patternName({ b: { y: 1, x: 2 }, a: 'p q' })).to.equal(patternName({ a: 'p q', b: { x: 2, y: 1 } }));
    expect(patternName({ a: 'p&q=r' })).to.equal('a=p%26q%3Dr');
  });

  it('picks the protocol from the scheme and refuses others, without the password', () => {
    for (const u of ['amqp://h', 'amqps://h', 'amqp+ws://h', 'AMQP+WSS://h']) expect(protocolOf(u)).to.equal('amqp');
    for (const u of ['stomp://h', 'stomp+ssl://h', 'ws://h/ws', 'wss://h']) expect(protocolOf(u)).to.equal('stomp');
    expect(() => protocolOf('http://u:secret@h')).to.throw(TypeError, /u:\*\*\*@h/);
  });
});
