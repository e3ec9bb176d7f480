/**
 * Generates src/amqp/frames/fast-performatives.generated.ts: straight-line readers and writers of
 * transfer, flow and disposition, the performatives that come once per message or per batch of
 * messages.
 *
 * Each reader is derived from the definition table (definitions.generated.ts), field by field, so
 * it cannot drift from it; generating it (rather than walking the table at run time) lets every
 * field be read into a local and stored by name. A table walk that stores `out[field.name]` makes
 * each store a megamorphic lookup, which cost a few hundred nanoseconds per frame.
 *
 * What a reader takes: uint fields in their three encodings, booleans, boolean or ubyte
 * enumerations, binary up to 255 bytes (copied when first read), and a delivery state when it is one of the empty
 * outcomes (accepted, released). Anything else returns undefined and the generic reader decodes
 * the frame or reports what is wrong with it (see fast-performatives.ts). A writer takes the same
 * field kinds and writes the generic composite writer's bytes (the smallest encodings, trailing
 * absent fields dropped, list8); for anything else it writes nothing and returns false.
 *
 * `generateFastPerformatives` is pure (the table in, TypeScript text out) so that a test can
 * re-run it and check that the committed file has not drifted. Run:
 * npx tsx scripts/gen-fast-performatives.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Code } from '../src/amqp/codec/constructors.js';
import { COMPOSITES, ENUMS } from '../src/amqp/frames/definitions.generated.js';
import type { CompositeDefinition, EnumDefinition, FieldDefinition } from '../src/amqp/frames/schema.js';

export const OUTPUT_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'amqp', 'frames', 'fast-performatives.generated.ts');

/** The performatives read this way, with the TypeScript type of each. */
const READERS = [['transfer', 'Transfer'], ['flow', 'Flow'], ['disposition', 'Disposition']] as const;
/** The delivery states a reader takes: those without fields. */
const EMPTY_OUTCOMES = ['accepted', 'released'] as const;

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const camel = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The statements that read one non-null field (its constructor already in `c`) into `v`. */
function readField(f: FieldDefinition, v: string): string[] | undefined {
  if (f.multiple) return undefined;
  if (f.enumType !== undefined) {
    const e = (ENUMS as Readonly<Record<string, EnumDefinition>>)[f.enumType];
    if (e.source === 'boolean') {
      const whenTrue = e.choices.find((x) => x.value === true);
      const whenFalse = e.choices.find((x) => x.value === false);
      if (whenTrue === undefined || whenFalse === undefined) return undefined;
      return [
        'let w: boolean;',
        ...readBoolean('w'),
        `${v} = w ? ${JSON.stringify(whenTrue.name)} : ${JSON.stringify(whenFalse.name)};`,
      ];
    }
    if (e.source === 'ubyte') {
      const choice = e.choices.map((x) => `w === ${String(x.value)} ? ${JSON.stringify(x.name)} : `).join('');
      return [
        `if (c !== ${hex(Code.ubyte)} || p >= listEnd) return undefined;`,
        'const w = b[p++];',
        `${v} = ${choice}undefined;`,
        `if (${v} === undefined) return undefined;`,
      ];
    }
    return undefined;
  }
  switch (f.type) {
    case 'uint':
      return [
        `if (c === ${hex(Code.uint0)}) ${v} = 0;`,
        `else if (c === ${hex(Code.smalluint)}) { if (p >= listEnd) return undefined; ${v} = b[p++]; }`,
        `else if (c === ${hex(Code.uint)}) { if (p + 4 > listEnd) return undefined; ${v} = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }`,
        'else return undefined;',
      ];
    case 'boolean':
      return readBoolean(v);
    case 'binary':
      return [
        `if (c !== ${hex(Code.vbin8)} || p >= listEnd) return undefined;`,
        'const n = b[p++];',
        'if (p + n > listEnd) return undefined;',
        // Where the bytes are, not a copy: the result's getter copies them on first use.
        `${v} = p;`,
        `${v}Length = n;`,
        'p += n;',
      ];
    case '*':
      if (f.requires !== 'delivery-state') return undefined;
      // 0x00 0x53 <code> then an empty list: list0, or list8 of size 1 and count 0.
      return [
        `if (c !== ${hex(Code.described)} || p + 3 > listEnd || b[p] !== ${hex(Code.smallulong)}) return undefined;`,
        `${v} = ${EMPTY_OUTCOMES.map((k) => `b[p + 1] === ${hex(COMPOSITES[k].code)} ? ${camel(k).toUpperCase()} : `).join('')}undefined;`,
        `if (${v} === undefined) return undefined;`,
        `if (b[p + 2] === ${hex(Code.list0)}) p += 3;`,
        `else if (b[p + 2] === ${hex(Code.list8)} && p + 5 <= listEnd && b[p + 3] === 1 && b[p + 4] === 0) p += 5;`,
        'else return undefined;',
      ];
    default:
      return undefined;
  }
}

function readBoolean(v: string): string[] {
  return [
    `if (c === ${hex(Code.true)}) ${v} = true;`,
    `else if (c === ${hex(Code.false)}) ${v} = false;`,
    `else if (c === ${hex(Code.boolean)} && p < listEnd && b[p] <= 1) ${v} = b[p++] === 1;`,
    'else return undefined;',
  ];
}

function fieldType(f: FieldDefinition, typeName: string): string {
  return `${typeName}[${JSON.stringify(f.name)}]`;
}

/** Binary fields are read lazily: the reader notes where they are, a getter copies them. */
const isLazy = (f: FieldDefinition): boolean => f.type === 'binary' && !f.multiple && f.enumType === undefined;

/**
 * The object a reader returns. A class rather than a literal: V8 keeps a literal's fields added
 * after creation in a separate property array (a second allocation, grown as fields are added),
 * while a class's instances get room for every field the constructor may store, in the object.
 * Fields are declared only (no emitted initialisers), so absent ones stay absent keys.
 *
 * A binary field (a transfer's delivery-tag) is a getter instead: the instance keeps the buffer
 * read and the field's offset and length, and the getter copies the bytes the first time it is
 * asked. A receiver that never reads a tag makes no typed array for it (a typed array costs more
 * to make than the whole rest of the performative). The buffer is the parser's input, whose bytes
 * are never rewritten (the transport hands each chunk over for good); the payload, a view of the
 * same buffer, relies on that too. `has<Field>` tells whether such a field is present without
 * copying it. Being a getter, such a field is not one of the instance's own keys: compare a
 * result with another performative through its fields, not its keys.
 */
function readResultClass(def: CompositeDefinition, typeName: string): string {
  const lazy = def.fields.filter(isLazy);
  const params = [
    ...def.fields.map((f, i) => (isLazy(f) ? `f${i}: number, f${i}Length: number` : `f${i}: ${fieldType(f, typeName)}${f.mandatory ? '' : ' | undefined'}`)),
    ...(lazy.length > 0 ? ['bytes: Uint8Array'] : []),
  ];
  return [
    `/** A ${def.name} as read by read${typeName}. */`,
    `class Read${typeName} {`,
    `  declare kind: ${JSON.stringify(def.name)};`,
    ...def.fields.filter((f) => !isLazy(f)).map((f) => `  declare ${f.name}${f.mandatory ? '' : '?'}: ${fieldType(f, typeName)};`),
    // Private (#) fields: not properties, so the instance's keys are still the fields present.
    ...(lazy.length > 0 ? ['  /** The buffer the lazy fields are in. */', '  readonly #bytes: Uint8Array;'] : []),
    ...lazy.flatMap((f) => [
      `  /** Offset of ${f.specName} in the buffer (-1: absent), its length, and its copy once made. */`,
      `  readonly #${f.name}At: number;`,
      `  readonly #${f.name}Length: number;`,
      `  #${f.name}Copy: ${fieldType(f, typeName)};`,
    ]),
    `  constructor(${params.join(', ')}) {`,
    `    this.kind = ${JSON.stringify(def.name)};`,
    ...def.fields.flatMap((f, i) => (isLazy(f) ? []
      : [f.mandatory ? `    this.${f.name} = f${i};` : `    if (f${i} !== undefined) this.${f.name} = f${i};`])),
    ...(lazy.length > 0 ? ['    this.#bytes = bytes;'] : []),
    ...def.fields.flatMap((f, i) => (isLazy(f)
      ? [`    this.#${f.name}At = f${i};`, `    this.#${f.name}Length = f${i}Length;`, `    this.#${f.name}Copy = undefined;`] : [])),
    '  }',
    ...lazy.flatMap((f) => [
      `  get ${f.name}(): ${fieldType(f, typeName)} {`,
      `    if (this.#${f.name}At < 0) return undefined;`,
      `    return (this.#${f.name}Copy ??= copyOf(this.#bytes, this.#${f.name}At, this.#${f.name}Length));`,
      '  }',
      `  /** Whether ${f.specName} is present, without copying it. */`,
      `  has${upperFirst(f.name)}(): boolean {`,
      `    return this.#${f.name}At >= 0;`,
      '  }',
    ]),
    '}',
  ].join('\n');
}

/** For each lazy field of a reader's result, an exported test of its presence that does not copy it. */
function presenceFunctions(def: CompositeDefinition, typeName: string): string[] {
  return def.fields.filter(isLazy).flatMap((f) => [
    `/** Whether ${def.name} \`t\` has a ${f.specName}: read by read${typeName}, without copying it. */`,
    `export function ${def.name}Has${upperFirst(f.name)}(t: ${typeName}): boolean {`,
    `  return t instanceof Read${typeName} ? t.has${upperFirst(f.name)}() : t.${f.name} !== undefined;`,
    '}',
  ]);
}

function reader(def: CompositeDefinition, typeName: string): string {
  let minCount = 0;
  def.fields.forEach((f, i) => { if (f.mandatory) minCount = i + 1; });
  const lines: string[] = [];
  const indent = (n: number, xs: readonly string[]): string[] => xs.map((x) => `${'  '.repeat(n)}${x}`);
  lines.push(`/** ${def.name} (descriptor ${hex(def.code)}): fields ${def.fields.map((f) => f.specName).join(', ')}. */`);
  lines.push(`function read${typeName}(b: Uint8Array, pos: number, end: number): ${typeName} | undefined {`);
  lines.push(...indent(1, [
    `if (pos + 3 > end || b[pos] !== ${hex(Code.list8)}) return undefined;`,
    'const size = b[pos + 1];',
    'const count = b[pos + 2];',
    'const listEnd = pos + 2 + size;',
    `if (size < 1 || listEnd > end || count < ${minCount} || count > ${def.fields.length}) return undefined;`,
    'let p = pos + 3;',
    'let c: number;',
  ]));
  const locals: string[] = [];
  def.fields.forEach((f, i) => {
    const v = `f${i}`;
    locals.push(v);
    // A lazy field's local is its offset (-1: absent), with its length.
    lines.push(...indent(1, isLazy(f) ? [`let ${v} = -1;`, `let ${v}Length = 0;`] : [`let ${v}: ${fieldType(f, typeName)} | undefined;`]));
    const body = readField(f, v);
    const whenPresent = body ?? ['return undefined; // not read here: the generic reader decides'];
    const read = [
      'if (p >= listEnd) return undefined;',
      'c = b[p++];',
      `if (c !== ${hex(Code.null)}) {`,
      ...indent(1, whenPresent),
      f.mandatory ? '} else return undefined; // the generic reader reports it' : '}',
    ];
    // A mandatory field is always within the count (count >= minCount).
    if (i < minCount) lines.push(...indent(1, [`// ${f.specName}`, '{', ...indent(1, read), '}']));
    else lines.push(...indent(1, [`// ${f.specName}`, `if (count > ${i}) {`, ...indent(1, read), '}']));
  });
  // Absent fields stay absent keys, as the generic reader leaves them; each store is by name, so
  // a stream of frames with the same fields present keeps one shape at every store.
  lines.push(...indent(1, [
    'if (p !== listEnd) return undefined;',
    'lastEnd = p;',
    `return new Read${typeName}(${[
      ...def.fields.map((f, i) => (isLazy(f) ? `${locals[i]}, ${locals[i]}Length` : f.mandatory ? `${locals[i]} as ${fieldType(f, typeName)}` : locals[i])),
      ...(def.fields.some(isLazy) ? ['b'] : []),
    ].join(', ')});`,
  ]));
  lines.push('}');
  return lines.join('\n');
}

/** How one present field `v` is checked (statements that `return false`) and written at `q`. */
function writeField(f: FieldDefinition, v: string): { check: string[]; write: string[]; max: number } | undefined {
  if (f.multiple) return undefined;
  if (f.enumType !== undefined) {
    const e = (ENUMS as Readonly<Record<string, EnumDefinition>>)[f.enumType];
    const values = e.choices.map((x) => `${v} === ${JSON.stringify(x.name)} ? ${JSON.stringify(x.value)} : `).join('');
    if (e.source === 'boolean') {
      return {
        check: [`const w${v} = ${values}undefined;`, `if (${v} != null && w${v} === undefined) return false;`],
        write: [`b[q++] = w${v} ? ${hex(Code.true)} : ${hex(Code.false)};`],
        max: 1,
      };
    }
    if (e.source === 'ubyte') {
      return {
        check: [`const w${v} = ${values}undefined;`, `if (${v} != null && w${v} === undefined) return false;`],
        write: [`b[q++] = ${hex(Code.ubyte)};`, `b[q++] = w${v} as number;`],
        max: 2,
      };
    }
    return undefined;
  }
  switch (f.type) {
    case 'uint':
      return {
        check: [`if (${v} != null && (typeof ${v} !== 'number' || !Number.isInteger(${v}) || ${v} < 0 || ${v} > 0xffffffff)) return false;`],
        write: [
          `if (${v} === 0) b[q++] = ${hex(Code.uint0)};`,
          `else if (${v} <= 0xff) { b[q++] = ${hex(Code.smalluint)}; b[q++] = ${v}; }`,
          `else { b[q++] = ${hex(Code.uint)}; b[q++] = ${v} >>> 24; b[q++] = (${v} >>> 16) & 0xff; b[q++] = (${v} >>> 8) & 0xff; b[q++] = ${v} & 0xff; }`,
        ],
        max: 5,
      };
    case 'boolean':
      return {
        check: [`if (${v} != null && typeof ${v} !== 'boolean') return false;`],
        write: [`b[q++] = ${v} ? ${hex(Code.true)} : ${hex(Code.false)};`],
        max: 1,
      };
    case 'binary':
      return {
        check: [`if (${v} != null && (!(${v} instanceof Uint8Array) || ${v}.length > 0xff)) return false;`],
        write: [
          `b[q++] = ${hex(Code.vbin8)};`,
          `b[q++] = ${v}.length;`,
          // A tag is a few bytes: a loop beats the native call of set() there.
          `if (${v}.length <= 16) for (let k = 0; k < ${v}.length; k++) b[q + k] = ${v}[k];`,
          `else b.set(${v}, q);`,
          `q += ${v}.length;`,
        ],
        max: 2 + 0xff,
      };
    case '*': {
      if (f.requires !== 'delivery-state') return undefined;
      // Only the empty outcomes, written as the generic writer writes a composite without fields.
      const codes = EMPTY_OUTCOMES.map((k) => `o${v} === ${camel(k).toUpperCase()} || (o${v}.kind === ${JSON.stringify(k)} && Object.keys(o${v}).length === 1) ? ${hex(COMPOSITES[k].code)} : `).join('');
      return {
        check: [`const o${v} = ${v} as { readonly kind?: unknown } | undefined;`, `const c${v} = o${v} == null ? undefined : ${codes}undefined;`, `if (${v} != null && c${v} === undefined) return false;`],
        write: [`b[q++] = ${hex(Code.described)};`, `b[q++] = ${hex(Code.smallulong)};`, `b[q++] = c${v} as number;`, `b[q++] = ${hex(Code.list0)};`],
        max: 4,
      };
    }
    default:
      return undefined;
  }
}

function writer(def: CompositeDefinition, typeName: string): string {
  const lines: string[] = [];
  const indent = (n: number, xs: readonly string[]): string[] => xs.map((x) => `${'  '.repeat(n)}${x}`);
  const plans = def.fields.map((f, i) => ({ f, v: `f${i}`, plan: writeField(f, `f${i}`) }));
  lines.push(`/** ${def.name}: the generic composite writer's bytes, or false with nothing written. */`);
  lines.push(`function write${typeName}(w: ByteWriter, t: ${typeName}): boolean {`);
  for (const { f, v, plan } of plans) {
    lines.push(...indent(1, [`const ${v} = t.${f.name};`]));
    if (plan === undefined) lines.push(...indent(1, [`if (${v} != null) return false; // not written here: the generic writer decides`]));
    else lines.push(...indent(1, [...(f.mandatory ? [`if (${v} == null) return false; // the generic writer reports it`] : []), ...plan.check]));
  }
  // The count: up to the last field present (mandatory fields are present by now).
  const count = plans.map(({ v }, i) => `${v} != null ? ${i + 1} : `).reverse().join('');
  const max = 6 + plans.reduce((n, { plan }) => n + (plan?.max ?? 1), 0);
  lines.push(...indent(1, [
    `const count = ${count}0;`,
    'if (count === 0) return false;',
    `w.ensure(${max});`,
    'const b = w.buf;',
    'const start = w.pos;',
    'let q = start;',
    `b[q++] = ${hex(Code.described)};`,
    `b[q++] = ${hex(Code.smallulong)};`,
    `b[q++] = ${hex(def.code)};`,
    'q += 3; // list8 code, size, count',
  ]));
  plans.forEach(({ f, v, plan }, i) => {
    if (plan === undefined) return; // always absent here
    const body = f.mandatory ? plan.write : [`if (${v} == null) b[q++] = ${hex(Code.null)};`, 'else {', ...indent(1, plan.write), '}'];
    lines.push(...indent(1, [`if (count > ${i}) {`, ...indent(1, body), '}']));
  });
  lines.push(...indent(1, [
    'const size = q - start - 5;',
    'if (size > 0xff) return false; // a list32 would be needed: the generic writer writes it',
    `b[start + 3] = ${hex(Code.list8)};`,
    'b[start + 4] = size;',
    'b[start + 5] = count;',
    'w.pos = q;',
    'return true;',
  ]));
  lines.push('}');
  return lines.join('\n');
}

export function generateFastPerformatives(): string {
  const out: string[] = [];
  out.push('// GENERATED FILE - do not edit. Produced by scripts/gen-fast-performatives.ts from the definition');
  out.push('// table (definitions.generated.ts); regenerate with `npx tsx scripts/gen-fast-performatives.ts`.');
  out.push('// spec/amqp/frames/fast-performatives.spec.ts checks it against the generator and the generic reader.');
  out.push("import type { ByteWriter } from '../codec/writer.js';");
  out.push(`import type { DeliveryState, ${READERS.map(([, t]) => t).join(', ')} } from './definitions.generated.js';`);
  out.push('');
  out.push('/** The outcomes without fields, one object each: the readers return them and the writers know them by identity. */');
  for (const k of EMPTY_OUTCOMES) out.push(`export const ${camel(k).toUpperCase()}: DeliveryState = Object.freeze({ kind: ${JSON.stringify(k)} });`);
  out.push('');
  out.push('/** Where the list of the last performative read ended (a transfer\'s payload starts there). */');
  out.push('let lastEnd = 0;');
  out.push('');
  out.push('/** The end offset of the performative the last successful read returned. */');
  out.push('export function lastReadEnd(): number {');
  out.push('  return lastEnd;');
  out.push('}');
  out.push('');
  out.push('/** A copy (a view would keep the whole chunk alive as long as the tag), byte by byte: for a few bytes, half the cost of slice(). */');
  out.push('function copyOf(b: Uint8Array, p: number, n: number): Uint8Array {');
  out.push('  const copy = new Uint8Array(n);');
  out.push('  for (let k = 0; k < n; k++) copy[k] = b[p + k];');
  out.push('  return copy;');
  out.push('}');
  for (const [name, typeName] of READERS) {
    out.push('');
    out.push(readResultClass(COMPOSITES[name], typeName));
    out.push('');
    out.push(reader(COMPOSITES[name], typeName));
    const has = presenceFunctions(COMPOSITES[name], typeName);
    if (has.length > 0) out.push('', ...has);
  }
  out.push('');
  for (const [name, typeName] of READERS) {
    out.push('');
    out.push(writer(COMPOSITES[name], typeName));
  }
  out.push('');
  out.push('/** Writes `p` if it is one of the performatives above in a shape the writers take; false otherwise, with nothing written. */');
  out.push(`export function writeFast(w: ByteWriter, p: { readonly kind: string }): boolean {`);
  out.push('  switch (p.kind) {');
  for (const [name, typeName] of READERS) out.push(`    case ${JSON.stringify(name)}: return write${typeName}(w, p as ${typeName});`);
  out.push('    default: return false;');
  out.push('  }');
  out.push('}');
  out.push('');
  out.push('/** The readers by descriptor code. */');
  out.push(`export const FAST_READERS: readonly (((b: Uint8Array, pos: number, end: number) => ${READERS.map(([, t]) => t).join(' | ')} | undefined) | undefined)[] = (() => {`);
  out.push(`  const readers: (((b: Uint8Array, pos: number, end: number) => ${READERS.map(([, t]) => t).join(' | ')} | undefined) | undefined)[] = [];`);
  for (const [name, typeName] of READERS) out.push(`  readers[${hex(COMPOSITES[name].code)}] = read${typeName};`);
  out.push('  return readers;');
  out.push('})();');
  out.push('');
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OUTPUT_FILE, generateFastPerformatives());
  process.stdout.write(`wrote ${OUTPUT_FILE}\n`);
}
