/** Generated message-ids (rx/message-ids.ts): version 4 UUIDs, as crypto.randomUUID() makes them, never repeated. */
import { expect } from 'chai';
import { randomUuid } from '../../../src/amqp/rx/message-ids.js';

describe('rx: generated message ids', () => {
  it('are RFC 9562 version 4 UUIDs in lower-case hex with hyphens, all different, across pool refills', () => {
    const seen = new Set<string>();
    const nibbles = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = randomUuid();
      expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
      nibbles.add(id[0]);
    }
    expect(seen.size).to.equal(5000);
    // Random, not a counter: every hex digit shows up in the first position.
    expect(nibbles.size).to.equal(16);
  });
});
