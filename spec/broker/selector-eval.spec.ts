/**
 * The JMS selector evaluator, table-driven: each row is a selector, the properties of a message,
 * and the value the whole selector takes (true, false, or null for unknown). A message is selected
 * only when the value is true.
 */
import { expect } from 'chai';
import { evaluate, selects } from '../../src/broker/selector-eval.js';
import { parseSelector, type SelectorValue } from '../../src/broker/selector-parser.js';

type Props = Readonly<Record<string, SelectorValue>>;
const P: Props = { color: 'red', size: 3n, weight: 2.5, flag: true, off: false, name: 'a_b%c', big: 9007199254740993n, empty: '' };

const ROWS: readonly (readonly [string, SelectorValue, Props?])[] = [
  // comparison, exact and approximate together
  ["color = 'red'", true], ["color <> 'red'", false], ["color = 'blue'", false],
  ['size = 3', true], ['size = 3.0', true], ['size > 2', true], ['size >= 3', true], ['size < 3', false], ['size <= 2.9', false],
  ['weight > 2', true], ['weight = 2.5', true], ['weight < 2.5E0', false], ['2 < size', true],
  ['big = 9007199254740993', true], ['big = 9007199254740992', false], // exact beyond 2^53
  ['size = 3L', true], ['size = 0x3', true], ['weight = 2.5F', true], ['weight = .25e1', true],
  // arithmetic: exact stays exact, integer division truncates, unknown on null or on a non-number
  ['size + 1 = 4', true], ['size * 2 - 1 = 5', true], ['size / 2 = 1', true], ['size / 2.0 = 1.5', true],
  ['-size = -3', true], ['- -size = 3', true], ['+size = 3', true], ['size - -1 = 4', true],
  ['1 + 2 * 3 = 7', true], ['(1 + 2) * 3 = 9', true], ['size / 0 = 1', null], ['weight / 0 > 1000', true],
  ['missing + 1 = 2', null], ["color + 1 = 2", null], ['-missing = 1', null],
  // types that differ compare false (not unknown); strings and booleans have no order
  ["size = '3'", false], ["color = 3", false], ['flag = 1', false], ['flag = TRUE', true], ['off = FALSE', true],
  ['flag <> FALSE', true], ['flag', true], ['off', false], ['NOT off', true], ['color', 'red'], // a string is no condition: not selected
  // three-valued logic with a missing property
  ['missing = 1', null], ['missing <> 1', null], ['NOT (missing = 1)', null],
  ['missing = 1 AND size = 3', null], ['missing = 1 AND size = 4', false], ['size = 4 AND missing = 1', false],
  ['missing = 1 OR size = 3', true], ['missing = 1 OR size = 4', null], ['size = 3 OR missing = 1', true],
  ['missing = 1 OR missing = 2', null], ['NOT missing = 1', null],
  // AND binds tighter than OR, NOT tighter than AND
  ["size = 4 AND color = 'red' OR flag", true], ["size = 4 AND (color = 'red' OR flag)", false],
  ['NOT size = 4 AND flag', true], ['not SIZE = 3', null], // keywords any case, identifiers exact
  // BETWEEN
  ['size BETWEEN 1 AND 3', true], ['size BETWEEN 4 AND 9', false], ['size NOT BETWEEN 4 AND 9', true],
  ['weight BETWEEN 2 AND 3', true], ['size BETWEEN missing AND 9', null], ['size BETWEEN missing AND 2', false],
  ['missing BETWEEN 1 AND 2', null], ['missing NOT BETWEEN 1 AND 2', null], ['size BETWEEN 1 + 1 AND 2 * 2', true],
  // IN
  ["color IN ('red', 'green')", true], ["color IN ('blue')", false], ["color NOT IN ('blue', 'green')", true],
  ["color NOT IN ('red')", false], ["missing IN ('red')", null], ["missing NOT IN ('red')", null], ['size IN (1, 2, 3)', true],
  ['size IN (-3, 3.0)', true],
  // LIKE with ESCAPE
  ["color LIKE 'r%'", true], ["color LIKE 'r_d'", true], ["color LIKE 'r_'", false], ["color LIKE '%'", true],
  ["color NOT LIKE 'b%'", true], ["empty LIKE '%'", true], ["empty LIKE '_'", false],
  ["name LIKE 'a\\_b\\%c' ESCAPE '\\'", true], ["name LIKE 'a!_b!%c' ESCAPE '!'", true], ["name LIKE 'a!_b!%d' ESCAPE '!'", false],
  ["name LIKE 'a_b%'", true], ["color LIKE '(r.d)'", false], ["color LIKE 'R%'", false],
  ["missing LIKE 'a%'", null], ["missing NOT LIKE 'a%'", null], ["size LIKE '3'", false],
  // IS [NOT] NULL
  ['missing IS NULL', true], ['missing IS NOT NULL', false], ['color IS NULL', false], ['color IS NOT NULL', true],
  ['size + missing IS NULL', true],
  // string literals: '' is one quote; Unicode identifiers
  ["q = 'it''s'", true, { q: "it's" }], ["ünïcode = 'ok'", true, { 'ünïcode': 'ok' }], ['$x_1 = 1', true, { $x_1: 1n }],
];

describe('broker: selector evaluation (three-valued logic)', () => {
  for (const [text, want, props] of ROWS) {
    it(`${text}  ->  ${String(want)}`, () => {
      const p = props ?? P;
      const lookup = (n: string): SelectorValue => (Object.prototype.hasOwnProperty.call(p, n) ? p[n] : null);
      const e = parseSelector(text);
      expect(evaluate(e, lookup)).to.equal(want);
      expect(selects(e, lookup)).to.equal(want === true);
    });
  }
});
