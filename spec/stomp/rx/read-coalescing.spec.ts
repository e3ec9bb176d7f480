/** When the STOMP client holds reads (src/stomp/rx/read-coalescing.ts): MESSAGE frames on one small chunk. */
import { expect } from 'chai';
import type { StompEvent } from '../../../src/stomp/engine/events.js';
import { inFullFlow, streamEvents } from '../../../src/stomp/rx/read-coalescing.js';
import { COALESCE_BELOW_BYTES } from '../../../src/transport/read-hold.js';

const message = { type: 'message' } as unknown as StompEvent;
const receipt = { type: 'receipt' } as unknown as StompEvent;

describe('stomp/rx read coalescing policy', () => {
  it('holds for two MESSAGEs on one small chunk, never for a lone MESSAGE or RECEIPTs', () => {
    expect(inFullFlow([message, message], 300)).to.equal(true);
    expect(inFullFlow([message, receipt], 300)).to.equal(false);
    expect(inFullFlow([receipt, receipt, receipt], 300)).to.equal(false);
    expect(inFullFlow([message, message], COALESCE_BELOW_BYTES)).to.equal(false);
  });

  it('counts the MESSAGEs of a chunk for the adaptive hold, none in a large chunk', () => {
    expect(streamEvents([message, receipt, message, message], 400)).to.equal(3);
    expect(streamEvents([message, message], COALESCE_BELOW_BYTES)).to.equal(0);
  });
});
