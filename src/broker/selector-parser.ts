/**
 * JMS message selectors (the SQL-92 conditional-expression subset of JMS 2.0 section 3.8.1),
 * parsed into a tree the evaluator (selector-eval.ts) walks. Written for the broker: bounded
 * input (length and nesting), and every mistake a typed {@link SelectorError} naming where.
 *
 * Grammar (keywords case-insensitive, identifiers case-sensitive):
 *
 * ```
 * or        := and (OR and)*
 * and       := not (AND not)*
 * not       := NOT not | predicate
 * predicate := sum ( ('=' | '<>' | '<' | '<=' | '>' | '>=') sum
 *                  | [NOT] BETWEEN sum AND sum
 *                  | [NOT] IN '(' literal (',' literal)* ')'
 *                  | [NOT] LIKE string [ESCAPE string]
 *                  | IS [NOT] NULL )?
 * sum       := product (('+' | '-') product)*
 * product   := unary (('*' | '/') unary)*
 * unary     := ('+' | '-') unary | literal | identifier | '(' or ')'
 * literal   := 'string' ('' inside is one ') | exact (123, 123L, 0x1F) | approximate (1.5, 1e3,
 *              .5, 2F, 2D) | TRUE | FALSE
 * ```
 */
import { RxMqError } from '../errors.js';

/** A value a selector computes with: exact numbers are bigint, approximate ones number; null is unknown. */
export type SelectorValue = string | bigint | number | boolean | null;

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithmeticOp = '+' | '-' | '*' | '/';

/** The parsed selector, a discriminated union on `k`. */
export type SelectorExpr =
  | { readonly k: 'literal'; readonly value: SelectorValue }
  | { readonly k: 'identifier'; readonly name: string }
  | { readonly k: 'negate'; readonly e: SelectorExpr }
  | { readonly k: 'arithmetic'; readonly op: ArithmeticOp; readonly l: SelectorExpr; readonly r: SelectorExpr }
  | { readonly k: 'compare'; readonly op: ComparisonOp; readonly l: SelectorExpr; readonly r: SelectorExpr }
  | { readonly k: 'and' | 'or'; readonly l: SelectorExpr; readonly r: SelectorExpr }
  | { readonly k: 'not'; readonly e: SelectorExpr }
  | { readonly k: 'between'; readonly e: SelectorExpr; readonly low: SelectorExpr; readonly high: SelectorExpr; readonly negated: boolean }
  | { readonly k: 'in'; readonly e: SelectorExpr; readonly list: readonly SelectorValue[]; readonly negated: boolean }
  | { readonly k: 'like'; readonly e: SelectorExpr; readonly pattern: RegExp; readonly negated: boolean }
  | { readonly k: 'is-null'; readonly e: SelectorExpr; readonly negated: boolean };

/** A selector that does not parse: `position` is the offset (in UTF-16 units) of the problem. */
export class SelectorError extends RxMqError {
  readonly position: number;
  readonly reason: string;
  constructor(reason: string, position: number) {
    super(`invalid selector: ${reason} (at character ${position})`);
    this.reason = reason;
    this.position = position;
  }
}

/** Longest selector accepted (characters). */
export const MAX_SELECTOR_LENGTH = 8192;
/** Deepest nesting accepted (parentheses, NOT and unary signs each count one). */
export const MAX_SELECTOR_DEPTH = 64;

type Token =
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: 'kw'; readonly v: Keyword; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'num'; readonly v: bigint | number; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const KEYWORDS = ['NOT', 'AND', 'OR', 'BETWEEN', 'LIKE', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'ESCAPE'] as const;
type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

const OPS = ['<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '(', ')', ','];
const ID_START = /[\p{L}_$]/u;
const ID_PART = /[\p{L}\p{N}_$]/u;
const APPROX = /^(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fFdD]?/;
const EXACT = /^(?:0[xX][0-9a-fA-F]+|\d+)[lL]?/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SelectorError('unterminated string literal', at);
        if (text[i] === "'") {
          if (text[i + 1] === "'") { v += "'"; i += 2; continue; }
          i++;
          break;
        }
        v += text[i++];
      }
      out.push({ t: 'str', v, at });
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const rest = text.slice(i);
      const exact = EXACT.exec(rest)?.[0];
      const approx = APPROX.exec(rest)?.[0];
      if (approx === undefined && exact === undefined) throw new SelectorError(`unexpected ${JSON.stringify(c)}`, at);
      // The longer reading wins: 12 is exact, 12.5 and 12e3 and 12F approximate, 0x1F exact.
      if (exact !== undefined && (approx === undefined || exact.length >= approx.length)) {
        const digits = exact.replace(/[lL]$/, '');
        out.push({ t: 'num', v: BigInt(digits), at });
        i += exact.length;
      } else {
        const a = approx as string;
        out.push({ t: 'num', v: Number(a.replace(/[fFdD]$/, '')), at });
        i += a.length;
      }
      if (i < text.length && ID_PART.test(text[i])) throw new SelectorError(`malformed number ${JSON.stringify(text.slice(at, i + 1))}`, at);
      continue;
    }
    if (ID_START.test(c)) {
      let j = i + 1;
      while (j < text.length && ID_PART.test(text[j])) j++;
      const word = text.slice(i, j);
      const upper = word.toUpperCase();
      out.push(KEYWORD_SET.has(upper) ? { t: 'kw', v: upper as Keyword, at } : { t: 'id', v: word, at });
      i = j;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new SelectorError(`unexpected ${JSON.stringify(c)}`, at);
    out.push({ t: 'op', v: op, at });
    i += op.length;
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

/** Parse a selector; throws {@link SelectorError}. An empty (or all-blank) selector is refused too. */
export function parseSelector(text: string): SelectorExpr {
  if (text.length > MAX_SELECTOR_LENGTH) throw new SelectorError(`longer than ${MAX_SELECTOR_LENGTH} characters`, MAX_SELECTOR_LENGTH);
  const p = new Parser(tokenize(text));
  if (p.peek().t === 'end') throw new SelectorError('empty selector', 0);
  const e = p.or();
  const rest = p.peek();
  if (rest.t !== 'end') throw new SelectorError(`unexpected ${describe(rest)}`, rest.at);
  // An identifier may hold a boolean; a number, a string or a sum never is a condition.
  if (e.k === 'arithmetic' || e.k === 'negate' || (e.k === 'literal' && typeof e.value !== 'boolean')) {
    throw new SelectorError('a selector is a condition, not a value', 0);
  }
  return e;
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end': return 'end of selector';
    case 'str': return `string '${t.v}'`;
    case 'num': return `number ${String(t.v)}`;
    default: return JSON.stringify(t.v);
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.t !== 'end') this.pos++;
    return t;
  }

  private isKw(k: Keyword): boolean {
    const t = this.peek();
    return t.t === 'kw' && t.v === k;
  }

  private isOp(o: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === o;
  }

  private expectKw(k: Keyword): void {
    if (!this.isKw(k)) throw new SelectorError(`expected ${k}, found ${describe(this.peek())}`, this.peek().at);
    this.pos++;
  }

  private expectOp(o: string): void {
    if (!this.isOp(o)) throw new SelectorError(`expected "${o}", found ${describe(this.peek())}`, this.peek().at);
    this.pos++;
  }

  /** Each nested construct costs one level; hostile input cannot exhaust the stack. */
  private nest<T>(at: number, f: () => T): T {
    if (++this.depth > MAX_SELECTOR_DEPTH) throw new SelectorError(`nested deeper than ${MAX_SELECTOR_DEPTH}`, at);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  or(): SelectorExpr {
    let l = this.and();
    while (this.isKw('OR')) {
      this.pos++;
      l = { k: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): SelectorExpr {
    let l = this.not();
    while (this.isKw('AND')) {
      this.pos++;
      l = { k: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): SelectorExpr {
    if (this.isKw('NOT')) {
      const at = this.next().at;
      return this.nest(at, () => ({ k: 'not', e: this.not() }));
    }
    return this.predicate();
  }

  private predicate(): SelectorExpr {
    const e = this.sum();
    const t = this.peek();
    if (t.t === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
      this.pos++;
      const r = this.sum();
      const op = t.v as ComparisonOp;
      if (op !== '=' && op !== '<>' && (isTextOrBool(e) || isTextOrBool(r))) {
        throw new SelectorError(`strings and booleans compare only with = and <>, not ${op}`, t.at);
      }
      return { k: 'compare', op, l: e, r };
    }
    if (t.t === 'kw' && t.v === 'IS') {
      this.pos++;
      const negated = this.isKw('NOT');
      if (negated) this.pos++;
      this.expectKw('NULL');
      return { k: 'is-null', e, negated };
    }
    let negated = false;
    if (t.t === 'kw' && t.v === 'NOT') {
      negated = true;
      this.pos++;
    }
    const u = this.peek();
    if (u.t === 'kw' && u.v === 'BETWEEN') {
      this.pos++;
      const low = this.sum();
      this.expectKw('AND');
      const high = this.sum();
      return { k: 'between', e, low, high, negated };
    }
    if (u.t === 'kw' && u.v === 'IN') {
      this.pos++;
      return { k: 'in', e, list: this.literalList(), negated };
    }
    if (u.t === 'kw' && u.v === 'LIKE') {
      this.pos++;
      const pat = this.next();
      if (pat.t !== 'str') throw new SelectorError(`LIKE needs a string pattern, found ${describe(pat)}`, pat.at);
      let escape: string | undefined;
      if (this.isKw('ESCAPE')) {
        this.pos++;
        const esc = this.next();
        if (esc.t !== 'str' || [...esc.v].length !== 1) throw new SelectorError('ESCAPE needs a string of one character', esc.at);
        escape = esc.v;
      }
      return { k: 'like', e, pattern: likePattern(pat.v, escape, pat.at), negated };
    }
    if (negated) throw new SelectorError(`expected BETWEEN, IN or LIKE after NOT, found ${describe(u)}`, u.at);
    return e;
  }

  private literalList(): SelectorValue[] {
    this.expectOp('(');
    const list: SelectorValue[] = [];
    for (;;) {
      const t = this.next();
      if (t.t === 'str' || t.t === 'num') list.push(t.v);
      else if (t.t === 'op' && t.v === '-' && this.peek().t === 'num') list.push(negate((this.next() as { v: bigint | number }).v));
      else if (t.t === 'kw' && (t.v === 'TRUE' || t.v === 'FALSE')) list.push(t.v === 'TRUE');
      else throw new SelectorError(`IN lists literals, found ${describe(t)}`, t.at);
      if (this.isOp(',')) { this.pos++; continue; }
      this.expectOp(')');
      return list;
    }
  }

  private sum(): SelectorExpr {
    let l = this.product();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || (t.v !== '+' && t.v !== '-')) return l;
      this.pos++;
      l = { k: 'arithmetic', op: t.v, l, r: this.product() };
    }
  }

  private product(): SelectorExpr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || (t.v !== '*' && t.v !== '/')) return l;
      this.pos++;
      l = { k: 'arithmetic', op: t.v, l, r: this.unary() };
    }
  }

  private unary(): SelectorExpr {
    const t = this.next();
    switch (t.t) {
      case 'op':
        if (t.v === '-' || t.v === '+') {
          return this.nest(t.at, () => {
            const e = this.unary();
            if (t.v === '+') return e;
            // Folded for literals, so -9223372036854775808 stays an exact long.
            return e.k === 'literal' && (typeof e.value === 'bigint' || typeof e.value === 'number')
              ? { k: 'literal', value: negate(e.value) } : { k: 'negate', e };
          });
        }
        if (t.v === '(') {
          return this.nest(t.at, () => {
            const e = this.or();
            this.expectOp(')');
            return e;
          });
        }
        throw new SelectorError(`unexpected ${describe(t)}`, t.at);
      case 'str':
      case 'num':
        return { k: 'literal', value: t.v };
      case 'id':
        return { k: 'identifier', name: t.v };
      case 'kw':
        if (t.v === 'TRUE' || t.v === 'FALSE') return { k: 'literal', value: t.v === 'TRUE' };
        if (t.v === 'NULL') throw new SelectorError('NULL is only tested with IS NULL or IS NOT NULL', t.at);
        throw new SelectorError(`unexpected ${t.v}`, t.at);
      case 'end':
        throw new SelectorError('unexpected end of selector', t.at);
    }
  }
}

const negate = (v: bigint | number): bigint | number => (typeof v === 'bigint' ? -v : -v);

function isTextOrBool(e: SelectorExpr): boolean {
  return e.k === 'literal' && (typeof e.value === 'string' || typeof e.value === 'boolean');
}

/** LIKE's `%` (any run) and `_` (one character), with an optional escape character, as an anchored RegExp. */
function likePattern(pattern: string, escape: string | undefined, at: number): RegExp {
  let re = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (escape !== undefined && c === escape) {
      const n = chars[++i];
      if (n === undefined) throw new SelectorError('LIKE pattern ends with its escape character', at);
      re += literal(n);
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += literal(c);
  }
  try {
    return new RegExp(`${re}$`, 'u');
  } catch (e) {
    throw new SelectorError(`LIKE pattern: ${(e as Error).message}`, at);
  }
}

/** One character as a RegExp literal (only the syntax characters need a backslash in `u` mode). */
const literal = (c: string): string => (/[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c);
