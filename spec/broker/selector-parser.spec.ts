/**
 * Selector parsing: what does not parse is a SelectorError naming where, and hostile sizes are
 * bounded (length, nesting), never a stack overflow.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { evaluate } from '../../src/broker/selector-eval.js';
import { MAX_SELECTOR_DEPTH, MAX_SELECTOR_LENGTH, parseSelector, SelectorError } from '../../src/broker/selector-parser.js';

const BAD: readonly (readonly [string, RegExp, number?])[] = [
  ['', /empty selector/],
  ['   ', /empty selector/],
  ["color = 'red", /unterminated string/, 8],
  ['color =', /unexpected end/],
  ['color == 1', /unexpected "="/],
  ['= 1', /unexpected "="/, 0],
  ['a = 1 b = 2', /unexpected "b"/, 6],
  ['(a = 1', /expected "\)"/],
  ['a = 1)', /unexpected "\)"/],
  ['a BETWEEN 1', /expected AND/],
  ['a IN (b)', /IN lists literals/],
  ['a IN ()', /IN lists literals/],
  ['a IN 1', /expected "\("/],
  ['a LIKE b', /LIKE needs a string pattern/],
  ["a LIKE 'x' ESCAPE 'ab'", /ESCAPE needs a string of one character/],
  ["a LIKE 'x!' ESCAPE '!'", /ends with its escape character/],
  ['a IS 1', /expected NULL/],
  ['a = NULL', /NULL is only tested with IS NULL/],
  ['a NOT = 1', /expected BETWEEN, IN or LIKE after NOT/],
  ["a < 'x'", /compare only with = and <>/],
  ['TRUE > a', /compare only with = and <>/],
  ['a = 1 # 2', /unexpected "#"/, 6],
  ['a = 12abc', /malformed number/],
  ['AND', /unexpected AND/],
  ['1 + 2', /a selector is a condition/, 0],
  ["'red'", /a selector is a condition/, 0],
];

describe('broker: selector parsing', () => {
  for (const [text, why, at] of BAD) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      let err: unknown;
      try { parseSelector(text); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(SelectorError);
      expect((err as SelectorError).message).to.match(why);
      if (at !== undefined) expect((err as SelectorError).position).to.equal(at);
    });
  }

  it('bounds nesting: parentheses, NOT and signs', () => {
    for (const [open, close] of [['(', ')'], ['NOT ', ''], ['-', '']] as const) {
      const ok = `${open.repeat(MAX_SELECTOR_DEPTH - 1)}a = 1${close.repeat(MAX_SELECTOR_DEPTH - 1)}`;
      if (open !== '-') expect(() => parseSelector(ok)).not.to.throw();
      const deep = `${open.repeat(1800)}a = 1${close.repeat(1800)}`;
      expect(() => parseSelector(deep)).to.throw(SelectorError, /nested deeper than/);
    }
  });

  it('bounds length', () => {
    const long = `a IN (${Array.from({ length: 3000 }, (_, i) => `'${i}'`).join(',')})`;
    expect(long.length).to.be.greaterThan(MAX_SELECTOR_LENGTH);
    expect(() => parseSelector(long)).to.throw(SelectorError, /longer than/);
  });

  it('reads keywords in any case and long chains without recursion', () => {
    expect(parseSelector('a Between 1 aNd 2 or not b is null').k).to.equal('or');
    const chain = Array.from({ length: 500 }, (_, i) => `p${i} = ${i}`).join(' AND ');
    expect(parseSelector(chain).k).to.equal('and');
  });

  it('never throws anything but SelectorError, and what parses evaluates without throwing (random text and token soup)', () => {
    const tokens = fc.constantFrom('a', 'b', '=', '<>', '<', '>=', '+', '-', '*', '/', '(', ')', ',', 'AND', 'OR', 'NOT', 'BETWEEN',
      'IN', 'LIKE', 'ESCAPE', 'IS', 'NULL', 'TRUE', "'x'", "'%_'", "'\\'", '1', '0', '2.5', '0x1F', '9223372036854775807', '1e400', "'", '.');
    const soup = fc.array(tokens, { maxLength: 25 }).map((t) => t.join(' '));
    const values = fc.oneof(fc.constant(null), fc.string(), fc.boolean(), fc.bigInt(), fc.double());
    fc.assert(fc.property(fc.oneof(soup, fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 })), values, values, (text, va, vb) => {
      let e;
      try {
        e = parseSelector(text);
      } catch (err) {
        expect(err).to.be.instanceOf(SelectorError);
        return;
      }
      const v = evaluate(e, (n) => (n === 'a' ? va : n === 'b' ? vb : null));
      expect(['string', 'bigint', 'number', 'boolean', 'object']).to.include(typeof v);
    }), { numRuns: 3000 });
  });
});
