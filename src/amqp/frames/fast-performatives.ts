/**
 * The fast path for the performatives that come once per message or per batch of messages:
 * transfer, flow and disposition. The generic reader (composite.ts) decodes every field to a
 * typed value first and then maps it; for these three that costs more than the rest of a small
 * message's handling. Here each field is read straight from the bytes by a plan derived from the
 * definition table (so it cannot drift from it): uint fields in their three encodings, booleans
 * and boolean or ubyte enumerations, binary (copied), and a delivery state when it is one of the
 * empty outcomes (accepted, released). Null or absent fields stay absent, as in the generic reader.
 *
 * Anything else - another encoding, a field the plan does not read (a flow's properties, a
 * rejected outcome, a received state), a missing mandatory field, a list that is not list8 or
 * whose size does not add up - returns undefined, and the generic reader decodes the frame (or
 * reports exactly what is wrong with it). The fast path never accepts what the generic one would
 * refuse, and gives the same object for what both accept (spec/amqp/frames/fast-performatives.spec.ts).
 */
import { Code } from '../codec/constructors.js';
import { COMPOSITES, ENUMS, type Disposition, type Flow, type Transfer } from './definitions.generated.js';
import type { CompositeDefinition, EnumDefinition, FieldDefinition } from './schema.js';

/** How the plan reads one field. 'absent': only null is read here (anything else goes generic). */
type FieldPlan =
  | { readonly how: 'uint' | 'boolean' | 'binary' | 'outcome' | 'absent'; readonly name: string; readonly mandatory: boolean }
  | { readonly how: 'enum'; readonly name: string; readonly mandatory: boolean; readonly wire: 'boolean' | 'ubyte'; readonly literals: ReadonlyMap<boolean | number, string> };

interface Plan {
  readonly kind: string;
  readonly fields: readonly FieldPlan[];
  /** Fields up to this index are mandatory somewhere: a shorter list goes generic. */
  readonly minCount: number;
}

/** Empty outcomes by descriptor code, as the generic reader decodes them (shared: they are read-only). */
const EMPTY_OUTCOMES = new Map<number, { readonly kind: string }>(
  (['accepted', 'released'] as const).map((k) => [COMPOSITES[k].code, Object.freeze({ kind: k })]),
);

function fieldPlan(f: FieldDefinition): FieldPlan {
  const base = { name: f.name, mandatory: f.mandatory };
  if (f.multiple) return { ...base, how: 'absent' };
  if (f.enumType !== undefined) {
    const e = (ENUMS as Readonly<Record<string, EnumDefinition>>)[f.enumType];
    if (e.source !== 'boolean' && e.source !== 'ubyte') return { ...base, how: 'absent' };
    const literals = new Map<boolean | number, string>(e.choices.map((c) => [c.value as boolean | number, c.name]));
    return { ...base, how: 'enum', wire: e.source, literals };
  }
  switch (f.type) {
    case 'uint': return { ...base, how: 'uint' };
    case 'boolean': return { ...base, how: 'boolean' };
    case 'binary': return { ...base, how: 'binary' };
    case '*': return { ...base, how: f.requires === 'delivery-state' ? 'outcome' : 'absent' };
    default: return { ...base, how: 'absent' };
  }
}

function planOf(def: CompositeDefinition): Plan {
  const fields = def.fields.map(fieldPlan);
  let minCount = 0;
  fields.forEach((f, i) => { if (f.mandatory) minCount = i + 1; });
  return { kind: def.name, fields, minCount };
}

/** Plans by descriptor code (all three codes are below 0x20). */
const PLANS: (Plan | undefined)[] = [];
for (const name of ['transfer', 'flow', 'disposition'] as const) PLANS[COMPOSITES[name].code] = planOf(COMPOSITES[name]);

/** The performatives this module reads. */
export type FastPerformative = Transfer | Flow | Disposition;

/**
 * Reads the performative whose descriptor code is `code` from the list at `pos` (just after the
 * descriptor); `end` bounds the frame. Returns the performative and where its list ends (where a
 * transfer's payload starts), or undefined when the generic reader must decide.
 */
export function readPerformativeFast(code: number, b: Uint8Array, pos: number, end: number): { performative: FastPerformative; end: number } | undefined {
  const plan = code < PLANS.length ? PLANS[code] : undefined;
  if (plan === undefined || pos + 3 > end || b[pos] !== Code.list8) return undefined;
  const size = b[pos + 1];
  const count = b[pos + 2];
  const listEnd = pos + 2 + size;
  if (size < 1 || listEnd > end || count < plan.minCount || count > plan.fields.length) return undefined;
  const out: Record<string, unknown> = { kind: plan.kind };
  let p = pos + 3;
  for (let i = 0; i < count; i++) {
    if (p >= listEnd) return undefined;
    const c = b[p++];
    const f = plan.fields[i];
    if (c === Code.null) {
      if (f.mandatory) return undefined; // the generic reader reports it
      continue;
    }
    switch (f.how) {
      case 'uint': {
        let v: number;
        if (c === Code.uint0) v = 0;
        else if (c === Code.smalluint) { if (p >= listEnd) return undefined; v = b[p++]; }
        else if (c === Code.uint) { if (p + 4 > listEnd) return undefined; v = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
        else return undefined;
        out[f.name] = v;
        break;
      }
      case 'boolean': {
        const v = booleanAt(b, c, p, listEnd);
        if (v === undefined) return undefined;
        if (c === Code.boolean) p++;
        out[f.name] = v;
        break;
      }
      case 'enum': {
        let wire: boolean | number;
        if (f.wire === 'boolean') {
          const v = booleanAt(b, c, p, listEnd);
          if (v === undefined) return undefined;
          if (c === Code.boolean) p++;
          wire = v;
        } else {
          if (c !== Code.ubyte || p >= listEnd) return undefined;
          wire = b[p++];
        }
        const literal = f.literals.get(wire);
        if (literal === undefined) return undefined;
        out[f.name] = literal;
        break;
      }
      case 'binary': {
        if (c !== Code.vbin8 || p >= listEnd) return undefined;
        const n = b[p++];
        if (p + n > listEnd) return undefined;
        // A copy (the input may be reused), made byte by byte: for a tag of a few bytes that is
        // half the cost of slice(), which also makes an ArrayBuffer.
        const copy = new Uint8Array(n);
        for (let k = 0; k < n; k++) copy[k] = b[p + k];
        out[f.name] = copy;
        p += n;
        break;
      }
      case 'outcome': {
        // 0x00 0x53 <code> then an empty list: list0, or list8 of size 1 and count 0.
        if (c !== Code.described || p + 3 > listEnd || b[p] !== Code.smallulong) return undefined;
        const outcome = EMPTY_OUTCOMES.get(b[p + 1]);
        if (outcome === undefined) return undefined;
        if (b[p + 2] === Code.list0) p += 3;
        else if (b[p + 2] === Code.list8 && p + 5 <= listEnd && b[p + 3] === 1 && b[p + 4] === 0) p += 5;
        else return undefined;
        out[f.name] = outcome;
        break;
      }
      case 'absent':
        return undefined;
    }
  }
  if (p !== listEnd) return undefined;
  return { performative: out as unknown as FastPerformative, end: p };
}

function booleanAt(b: Uint8Array, c: number, p: number, listEnd: number): boolean | undefined {
  if (c === Code.true) return true;
  if (c === Code.false) return false;
  if (c !== Code.boolean || p >= listEnd) return undefined;
  return b[p] === 0 ? false : b[p] === 1 ? true : undefined;
}
