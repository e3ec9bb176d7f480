/** Which ERRORs are about a frame as we wrote it, and which say it reached the broker damaged. */
import { expect } from 'chai';
import { damagedInTransit, type ReceiptedFrame } from '../../../src/stomp/rx/attribution.js';
import { StompError } from '../../../src/stomp/errors.js';

const error = (message: string, body = ''): StompError => new StompError([['message', message]], new TextEncoder().encode(body));
const send: ReceiptedFrame = { command: 'SEND', destination: '/queue/orders' };
const ack: ReceiptedFrame = { command: 'ACK' };

describe('stomp attribution: damagedInTransit', () => {
  const rows: readonly (readonly [string, StompError, ReceiptedFrame, boolean])[] = [
    ['a command nobody wrote', error('Bad command', 'Could not interpret command "SEXD"'), send, true],
    ['no destination on a SEND that had one', error('Missing destination', '"SEND" must include a \'destination\' header'), send, true],
    ['a destination other than the one written', error('Unknown destination', "'/qveue/orders' is not a valid destination."), send, true],
    ['the destination as written, refused', error('Unknown destination', "'/queue/orders' is not a valid destination."), send, false],
    ['a missing exchange (RabbitMQ not_found)', error('not_found', "NOT_FOUND - no exchange 'x' in vhost '/'"), send, false],
    ['access refused', error('access_refused', 'ACCESS_REFUSED'), send, false],
    ['Missing destination on a frame without one', error('Missing destination'), ack, false],
  ];
  for (const [name, e, frame, damaged] of rows) {
    it(`${name}: ${damaged ? 'damaged on the way' : 'about the frame'}`, () => {
      expect(damagedInTransit(e, frame)).to.equal(damaged);
    });
  }
});
