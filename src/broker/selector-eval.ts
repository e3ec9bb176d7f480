/**
 * Evaluating a parsed selector (selector-parser.ts) with SQL's three-valued logic, as JMS 2.0
 * section 3.8.1.2 defines it: null is "unknown", a comparison or arithmetic with an unknown
 * operand is unknown, AND/OR/NOT follow the SQL truth tables, and a message is selected only when
 * the whole selector is TRUE (FALSE and unknown both leave it out).
 *
 * Types, as JMS has them: exact numbers (bigint here: integer division truncates, as Java's does)
 * and approximate numbers (number) compare and compute together; strings and booleans compare
 * only with = and <>; comparing values of different types is FALSE, not unknown. Arithmetic on a
 * non-number is unknown, and so is an exact division by zero.
 */
import type { ArithmeticOp, ComparisonOp, SelectorExpr, SelectorValue } from './selector-parser.js';

/** Looks an identifier up in the message; null when absent. */
export type IdentifierLookup = (name: string) => SelectorValue;

/** Whether the selector is TRUE for the message `lookup` reads. */
export function selects(e: SelectorExpr, lookup: IdentifierLookup): boolean {
  return evaluate(e, lookup) === true;
}

/** The value of an expression (for conditions: true, false or null for unknown). */
export function evaluate(e: SelectorExpr, lookup: IdentifierLookup): SelectorValue {
  switch (e.k) {
    case 'literal': return e.value;
    case 'identifier': return lookup(e.name);
    case 'negate': {
      const v = evaluate(e.e, lookup);
      return typeof v === 'bigint' || typeof v === 'number' ? -v : null;
    }
    case 'arithmetic': return arithmetic(e.op, evaluate(e.l, lookup), evaluate(e.r, lookup));
    case 'compare': return compare(e.op, evaluate(e.l, lookup), evaluate(e.r, lookup));
    case 'and': {
      const l = truth(evaluate(e.l, lookup));
      if (l === false) return false;
      const r = truth(evaluate(e.r, lookup));
      if (r === false) return false;
      return l === true && r === true ? true : null;
    }
    case 'or': {
      const l = truth(evaluate(e.l, lookup));
      if (l === true) return true;
      const r = truth(evaluate(e.r, lookup));
      if (r === true) return true;
      return l === false && r === false ? false : null;
    }
    case 'not': return not(truth(evaluate(e.e, lookup)));
    case 'between': {
      const v = evaluate(e.e, lookup);
      const inRange = and3(compare('>=', v, evaluate(e.low, lookup)), compare('<=', v, evaluate(e.high, lookup)));
      return e.negated ? not(inRange) : inRange;
    }
    case 'in': {
      const v = evaluate(e.e, lookup);
      if (v === null) return null;
      const found = e.list.some((x) => compare('=', v, x) === true);
      return e.negated ? !found : found;
    }
    case 'like': {
      const v = evaluate(e.e, lookup);
      if (v === null) return null;
      if (typeof v !== 'string') return false;
      const m = e.pattern.test(v);
      return e.negated ? !m : m;
    }
    case 'is-null': {
      const isNull = evaluate(e.e, lookup) === null;
      return e.negated ? !isNull : isNull;
    }
  }
}

/** A value used as a condition: booleans are themselves, anything else is unknown. */
const truth = (v: SelectorValue): boolean | null => (typeof v === 'boolean' ? v : null);
const not = (v: boolean | null): boolean | null => (v === null ? null : !v);

function and3(l: SelectorValue, r: SelectorValue): boolean | null {
  const a = truth(l);
  const b = truth(r);
  if (a === false || b === false) return false;
  return a === true && b === true ? true : null;
}

const isNumber = (v: SelectorValue): v is bigint | number => typeof v === 'bigint' || typeof v === 'number';

function arithmetic(op: ArithmeticOp, l: SelectorValue, r: SelectorValue): SelectorValue {
  if (!isNumber(l) || !isNumber(r)) return null;
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    switch (op) {
      case '+': return l + r;
      case '-': return l - r;
      case '*': return l * r;
      case '/': return r === 0n ? null : l / r;
    }
  }
  const a = Number(l);
  const b = Number(r);
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
  }
}

function compare(op: ComparisonOp, l: SelectorValue, r: SelectorValue): boolean | null {
  if (l === null || r === null) return null;
  if (isNumber(l) && isNumber(r)) {
    // Mixed exact and approximate compare as numbers (JS compares bigint with number exactly).
    switch (op) {
      case '=': return l == r; // eslint-disable-line eqeqeq -- bigint == number compares values
      case '<>': return l != r; // eslint-disable-line eqeqeq
      case '<': return l < r;
      case '<=': return l <= r;
      case '>': return l > r;
      case '>=': return l >= r;
    }
  }
  if (typeof l !== typeof r) return false;
  switch (op) {
    case '=': return l === r;
    case '<>': return l !== r;
    default: return false; // strings and booleans have no order in JMS
  }
}
