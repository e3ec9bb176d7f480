/** console.log of a message shows its fields (a few lines), not the scanner and buffers behind them. */
import { expect } from 'chai';
import { inspect } from 'node:util';
import { decodeMessage, encodeMessage } from '../../../src/amqp/index.js';

describe('amqp/rx message inspection', () => {
  it('util.inspect shows the fields the message carries, compactly', () => {
    const m = decodeMessage(encodeMessage({ body: 'hello', subject: 'greeting', messageId: 'm-1', applicationProperties: { n: 1 } }));
    const text = inspect(m);
    expect(text).to.match(/^InboundMessageView \{/);
    for (const part of ["messageId: 'm-1'", "subject: 'greeting'", 'applicationProperties: { n: 1 }', "body: 'hello'"]) expect(text).to.include(part);
    expect(text.split('\n').length).to.be.at.most(8);
    expect(text).not.to.match(/Uint8Array|ArrayBuffer|\bs:/);
  });
});
