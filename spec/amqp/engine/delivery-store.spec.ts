/**
 * DeliveryStore against a Map as the model: any sequence of operations gives the same answers,
 * and the ring stays proportional to what is stored (a straggler never makes it span every id).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DeliveryStore } from '../../../src/amqp/engine/delivery-store.js';

/** The ring's slot count, to check the memory bound. */
const capacity = (s: DeliveryStore<unknown>): number => (s as unknown as { slots: unknown[] }).slots.length;

type Op =
  | { readonly op: 'next'; readonly gap: number }
  | { readonly op: 'set'; readonly back: number }
  | { readonly op: 'delete'; readonly pick: number }
  | { readonly op: 'deleteOldest' };

const ops: fc.Arbitrary<Op[]> = fc.array(fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('next' as const), gap: fc.oneof(fc.constant(0), fc.nat(3), fc.nat(5000)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set' as const), back: fc.nat(200) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('deleteOldest' as const) }) },
), { maxLength: 400 });

describe('engine: DeliveryStore', () => {
  it('answers as a Map does, for ids that wrap at 2^32, and stays proportional to its size', () => {
    fc.assert(fc.property(fc.oneof(fc.constant(0), fc.constant(0xffffff00), fc.nat({ max: 0xffffffff })), ops, (start, list) => {
      const store = new DeliveryStore<string>();
      const model = new Map<number, string>();
      let next = start;
      for (const o of list) {
        if (o.op === 'next') {
          next = (next + o.gap) >>> 0;
          store.set(next, `v${next}`);
          model.set(next, `v${next}`);
          next = (next + 1) >>> 0;
        } else if (o.op === 'set') {
          const id = (next - 1 - o.back) >>> 0;
          store.set(id, `w${id}`);
          model.set(id, `w${id}`);
        } else {
          const keys = [...model.keys()];
          const id = keys.length === 0 ? next : o.op === 'delete' ? keys[o.pick % keys.length] : keys[0];
          expect(store.delete(id)).to.equal(model.delete(id));
        }
        expect(store.size).to.equal(model.size);
        expect(capacity(store)).to.be.at.most(Math.max(16, 4 * (store.size + 1)));
      }
      for (const [id, v] of model) expect(store.get(id)).to.equal(v);
      expect(store.get((next + 7) >>> 0)).to.equal(undefined);
      expect([...store.values()].sort()).to.deep.equal([...model.values()].sort());
      // Ranges as dispositions name them: narrow ones (walked id by id), wide and wrapping ones
      // (the store walked instead), each against the model.
      const keys = [...model.keys()];
      const probe = keys.length === 0 ? next : keys[keys.length >> 1];
      for (const [first, last] of [[probe, probe], [(probe - 3) >>> 0, (probe + 3) >>> 0], [start, (next - 1) >>> 0], [(next + 5) >>> 0, (next + 4) >>> 0]]) {
        const width = (last - first) >>> 0;
        const expected = [...model].filter(([id]) => ((id - first) >>> 0) <= width).map(([, v]) => v).sort();
        expect(store.inRange(first, last).sort(), `${first}..${last}`).to.deep.equal(expected);
      }
    }), { numRuns: 500 });
  });

  it('keeps a never-settled delivery aside while 100,000 later ones come and go', () => {
    const store = new DeliveryStore<number>();
    store.set(0, 0);
    for (let id = 1; id <= 100_000; id++) {
      store.set(id, id);
      if (id > 10) store.delete(id - 10);
    }
    expect(store.size).to.equal(11);
    expect(store.get(0)).to.equal(0);
    expect(capacity(store)).to.be.at.most(64);
    expect([...store.values()].slice(0, 2)).to.deep.equal([0, 99_991]);
  });

  it('does not grow across a long run of ids it never stores (pre-settled deliveries)', () => {
    const store = new DeliveryStore<number>();
    for (let id = 0; id < 1_000_000; id += 100_000) store.set(id, id);
    expect(store.size).to.equal(10);
    expect(capacity(store)).to.be.at.most(64);
    for (let id = 0; id < 1_000_000; id += 100_000) expect(store.get(id)).to.equal(id);
  });

  it('clear empties it', () => {
    const store = new DeliveryStore<number>();
    for (let id = 5; id < 50; id++) store.set(id, id);
    store.set(1, 1);
    store.clear();
    expect(store.size).to.equal(0);
    expect(store.get(5)).to.equal(undefined);
    expect([...store.values()]).to.deep.equal([]);
  });
});
