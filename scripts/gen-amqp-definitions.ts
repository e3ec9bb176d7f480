/**
 * Generates src/amqp/frames/definitions.generated.ts from the AMQP 1.0 specification XML, so the
 * frame layer's composite table (performatives, SASL frames, sections, delivery states, termini,
 * transactions) is derived from the specification instead of typed by hand.
 *
 * The XML comes from Debian's `amqp-specs` package, which installs it under the Debian standard
 * path below. Run: npx tsx scripts/gen-amqp-definitions.ts [spec-dir]
 *
 * `generateDefinitions` is pure (XML text in, TypeScript text out) so that a test can re-run it
 * and check that the committed file has not drifted from the XML.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Where Debian's amqp-specs package installs the AMQP 1.0 XML. */
export const SPEC_DIR = '/usr/share/amqp/specs/1-0';
/** The spec documents that define composites and restricted types, in specification order. */
export const SPEC_FILES = ['transport', 'messaging', 'security', 'transactions'] as const;
export const OUTPUT_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'amqp', 'frames', 'definitions.generated.ts');

// ---------------------------------------------------------------------------------------------
// A tiny XML reader: the spec files are flat, attribute-only documents (the "bare" variants carry
// no prose), so elements and attributes are all we need.

interface XmlElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
}

function parseXml(text: string): XmlElement {
  const root: XmlElement = { tag: '#root', attrs: {}, children: [] };
  const stack: XmlElement[] = [root];
  const body = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const tagRe = /<(\/?)([\w:-]+)((?:\s+[\w:-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  for (let m = tagRe.exec(body); m !== null; m = tagRe.exec(body)) {
    const [, closing, tag, rawAttrs, selfClosing] = m;
    if (closing) {
      const top = stack.pop();
      if (top === undefined || top.tag !== tag) throw new Error(`unbalanced </${tag}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    const el: XmlElement = { tag, attrs, children: [] };
    stack[stack.length - 1].children.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].tag}>`);
  return root;
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

function* walk(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

// ---------------------------------------------------------------------------------------------
// The model extracted from the XML.

const PRIMITIVES = new Set([
  'boolean', 'ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long', 'float', 'double',
  'decimal32', 'decimal64', 'decimal128', 'char', 'timestamp', 'uuid', 'binary', 'string', 'symbol',
  'list', 'map', 'array', '*',
]);

interface SpecType {
  readonly name: string;
  readonly klass: 'composite' | 'restricted';
  readonly source: string;
  readonly provides: readonly string[];
  readonly descriptor?: { readonly symbol: string; readonly code: number };
  readonly fields: readonly XmlElement[];
  readonly choices: readonly { readonly name: string; readonly value: string }[];
}

interface SpecModel {
  readonly types: ReadonlyMap<string, SpecType>;
  /** Type names in document order (transport, messaging, security, transactions). */
  readonly order: readonly string[];
  readonly constants: readonly { readonly name: string; readonly value: string }[];
}

function parseDescriptorCode(code: string): number {
  // "0x00000000:0x00000010": domain id, then descriptor id. Every AMQP-defined one is domain 0.
  const [domain, id] = code.split(':').map((h) => Number.parseInt(h, 16));
  if (domain !== 0 || !Number.isInteger(id)) throw new Error(`unexpected descriptor code ${code}`);
  return id;
}

function buildModel(xmlTexts: readonly string[]): SpecModel {
  const types = new Map<string, SpecType>();
  const order: string[] = [];
  const constants: { name: string; value: string }[] = [];
  for (const text of xmlTexts) {
    for (const el of walk(parseXml(text))) {
      if (el.tag === 'definition') constants.push({ name: el.attrs.name, value: el.attrs.value });
      if (el.tag !== 'type') continue;
      const klass = el.attrs.class;
      if (klass !== 'composite' && klass !== 'restricted') continue;
      const d = el.children.find((c) => c.tag === 'descriptor');
      const t: SpecType = {
        name: el.attrs.name,
        klass,
        source: el.attrs.source,
        provides: (el.attrs.provides ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
        descriptor: d === undefined ? undefined : { symbol: d.attrs.name, code: parseDescriptorCode(d.attrs.code) },
        fields: el.children.filter((c) => c.tag === 'field'),
        choices: el.children.filter((c) => c.tag === 'choice').map((c) => ({ name: c.attrs.name, value: c.attrs.value })),
      };
      if (types.has(t.name)) throw new Error(`type ${t.name} defined twice`);
      types.set(t.name, t);
      order.push(t.name);
    }
  }
  return { types, order, constants };
}

/** Follows restricted types down to the primitive they are encoded as (delivery-number -> uint). */
function resolvePrimitive(model: SpecModel, typeName: string): string {
  const seen = new Set<string>();
  let name = typeName;
  while (!PRIMITIVES.has(name)) {
    if (seen.has(name)) throw new Error(`restricted type cycle at ${name}`);
    seen.add(name);
    const t = model.types.get(name);
    if (t === undefined) throw new Error(`unknown type ${name}`);
    if (t.klass === 'composite') return 'composite';
    name = t.source;
  }
  return name;
}

/** The restricted type with choices that a field's type goes through, if any. */
function enumOf(model: SpecModel, typeName: string): SpecType | undefined {
  let t = model.types.get(typeName);
  while (t !== undefined && t.klass === 'restricted') {
    if (t.choices.length > 0) return t;
    t = model.types.get(t.source);
  }
  return undefined;
}

const camel = (s: string): string => s.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const pascal = (s: string): string => camel(s).replace(/^[a-z]/, (c) => c.toUpperCase());
const q = (s: string): string => JSON.stringify(s);

/** Interface names: PascalCase of the spec name, except where that would shadow a global. */
const INTERFACE_OVERRIDES: Readonly<Record<string, string>> = { error: 'ErrorInfo' };
const interfaceName = (composite: string): string => INTERFACE_OVERRIDES[composite] ?? pascal(composite);

/** Union aliases for archetypes that code refers to by name. */
const ARCHETYPE_ALIASES: Readonly<Record<string, string>> = {
  frame: 'Performative',
  'sasl-frame': 'SaslFrameBody',
  'delivery-state': 'DeliveryState',
  outcome: 'DeliveryOutcome',
  'lifetime-policy': 'LifetimePolicy',
};

const isErrorConditionEnum = (t: SpecType): boolean => t.provides.includes('error-condition');
/** Symbol choices are their own wire names; numeric and boolean ones are known by choice name. */
const enumLiteral = (model: SpecModel, t: SpecType, choice: { name: string; value: string }): string =>
  resolvePrimitive(model, t.source) === 'symbol' ? choice.value : choice.name;
const enumAlias = (t: SpecType): string => (isErrorConditionEnum(t) ? `${pascal(t.name)}Condition` : pascal(t.name));

// ---------------------------------------------------------------------------------------------
// Output.

interface FieldInfo {
  readonly name: string;
  readonly specName: string;
  readonly type: string;
  readonly specType: string;
  readonly composite?: string;
  readonly enumType?: SpecType;
  readonly requires?: string;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly defaultLiteral?: string;
}

function fieldInfo(model: SpecModel, el: XmlElement): FieldInfo {
  const a = el.attrs;
  const type = resolvePrimitive(model, a.type);
  const enumType = enumOf(model, a.type);
  let defaultLiteral: string | undefined;
  if (a.default !== undefined) {
    if (enumType !== undefined) {
      const choice = enumType.choices.find((c) => c.name === a.default);
      if (choice === undefined) throw new Error(`default ${a.default} is not a choice of ${enumType.name}`);
      defaultLiteral = q(enumLiteral(model, enumType, choice));
    } else if (type === 'boolean') {
      if (a.default !== 'true' && a.default !== 'false') throw new Error(`bad boolean default ${a.default}`);
      defaultLiteral = a.default;
    } else if (type === 'ubyte' || type === 'ushort' || type === 'uint') {
      defaultLiteral = String(Number.parseInt(a.default, 10));
    } else if (type === 'string' || type === 'symbol') {
      defaultLiteral = q(a.default);
    } else {
      throw new Error(`no default conversion for ${a.name}: ${type}`);
    }
  }
  return {
    name: camel(a.name),
    specName: a.name,
    type,
    specType: a.type,
    composite: type === 'composite' ? a.type : undefined,
    enumType,
    requires: a.requires,
    multiple: a.multiple === 'true',
    mandatory: a.mandatory === 'true',
    defaultLiteral,
  };
}

const NATIVE: Readonly<Record<string, string>> = {
  boolean: 'boolean', ubyte: 'number', ushort: 'number', uint: 'number', ulong: 'bigint',
  byte: 'number', short: 'number', int: 'number', long: 'bigint', float: 'number', double: 'number',
  char: 'number', timestamp: 'bigint', uuid: 'Uint8Array', binary: 'Uint8Array', string: 'string',
  symbol: 'string', map: 'AmqpMap',
};

function nativeType(model: SpecModel, f: FieldInfo): string {
  let t: string;
  if (f.enumType !== undefined) t = enumAlias(f.enumType);
  else if (f.type === 'composite') t = interfaceName(f.composite ?? '');
  else if (f.type === '*') {
    const providers = compositesProviding(model, f.requires ?? '');
    t = [...providers.map(interfaceName), 'AmqpValue'].join(' | ');
  } else {
    const n = NATIVE[f.type];
    if (n === undefined) throw new Error(`no native type for ${f.type}`);
    t = n;
  }
  if (f.multiple) return t.includes(' ') ? `readonly (${t})[]` : `readonly ${t}[]`;
  return t;
}

function compositesProviding(model: SpecModel, archetype: string): string[] {
  return model.order.filter((n) => {
    const t = model.types.get(n);
    return t !== undefined && t.klass === 'composite' && t.provides.includes(archetype);
  });
}

export function generateDefinitions(xmlTexts: readonly string[]): string {
  const model = buildModel(xmlTexts);
  const composites = model.order.map((n) => model.types.get(n)).filter(
    (t): t is SpecType => t !== undefined && t.klass === 'composite',
  );
  const enums = model.order.map((n) => model.types.get(n)).filter(
    (t): t is SpecType => t !== undefined && t.klass === 'restricted' && t.choices.length > 0,
  );
  const sections = model.order.map((n) => model.types.get(n)).filter(
    (t): t is SpecType => t !== undefined && t.provides.includes('section'),
  );
  const out: string[] = [];
  const emit = (s = ''): void => { out.push(s); };

  emit('// GENERATED FILE - do not edit. Produced by scripts/gen-amqp-definitions.ts from the AMQP 1.0');
  emit('// specification XML (transport, messaging, security, transactions); regenerate with');
  emit('// `npx tsx scripts/gen-amqp-definitions.ts`. spec/amqp/frames/definitions.spec.ts checks it.');
  emit("import type { AmqpMap, AmqpValue } from '../codec/types.js';");
  emit("import type { CompositeDefinition, EnumDefinition, SectionDefinition } from './schema.js';");
  emit();

  emit('/** The `definition` constants of the specification (ports, version, MIN-MAX-FRAME-SIZE). */');
  emit('export const SPEC_CONSTANTS = {');
  for (const c of model.constants) emit(`  ${q(c.name)}: ${Number.parseInt(c.value, 10)},`);
  emit('} as const;');
  emit();

  // --- enums
  emit('/** Restricted types with a closed set of choices, keyed by specification name. */');
  emit('export const ENUMS = {');
  for (const e of enums.filter((t) => !isErrorConditionEnum(t))) {
    const source = resolvePrimitive(model, e.source);
    const provides = e.provides.length > 0 ? `, provides: ${q(e.provides.join(', '))}` : '';
    emit(`  ${q(e.name)}: { name: ${q(e.name)}, source: ${q(source)}${provides}, choices: [`);
    for (const c of e.choices) emit(`    { name: ${q(c.name)}, value: ${wireLiteral(source, c.value)} },`);
    emit('  ] },');
  }
  emit('} as const satisfies { readonly [name: string]: EnumDefinition };');
  emit('export type EnumName = keyof typeof ENUMS;');
  emit();
  emit('/** Error condition symbols (the restricted types providing `error-condition`), by group. */');
  emit('export const ERROR_CONDITIONS = {');
  for (const e of enums.filter(isErrorConditionEnum)) {
    emit(`  ${camel(e.name)}: {`);
    for (const c of e.choices) emit(`    ${camel(c.name)}: ${q(c.value)},`);
    emit('  },');
  }
  emit('} as const;');
  emit();
  for (const e of enums) {
    emit(`export type ${enumAlias(e)} = ${e.choices.map((c) => q(enumLiteral(model, e, c))).join(' | ')};`);
  }
  emit(`export type KnownErrorCondition = ${enums.filter(isErrorConditionEnum).map(enumAlias).join(' | ')};`);
  emit();

  // --- sections
  emit('/** Message sections in the order a message carries them (messaging section 3.2). */');
  emit('export const SECTIONS = [');
  for (const s of sections) {
    if (s.descriptor === undefined) throw new Error(`section ${s.name} has no descriptor`);
    const source = s.klass === 'composite' ? 'composite' : resolvePrimitive(model, s.source);
    emit(`  { name: ${q(s.name)}, code: 0x${hex2(s.descriptor.code)}, symbol: ${q(s.descriptor.symbol)}, source: ${q(source)} },`);
  }
  emit('] as const satisfies readonly SectionDefinition[];');
  emit('export type SectionName = (typeof SECTIONS)[number][\'name\'];');
  emit();

  // --- composites
  emit(`export type CompositeName = ${composites.map((c) => q(c.name)).join(' | ')};`);
  emit();
  emit('/** Every composite type of the specification: descriptor, archetypes and fields in wire order. */');
  emit('export const COMPOSITES: { readonly [K in CompositeName]: CompositeDefinition } = {');
  for (const c of composites) {
    if (c.descriptor === undefined) throw new Error(`composite ${c.name} has no descriptor`);
    emit(`  ${q(c.name)}: {`);
    emit(`    name: ${q(c.name)}, code: 0x${hex2(c.descriptor.code)}, symbol: ${q(c.descriptor.symbol)}, provides: [${c.provides.map(q).join(', ')}],`);
    if (c.fields.length === 0) {
      emit('    fields: [],');
      emit('  },');
      continue;
    }
    emit('    fields: [');
    for (const el of c.fields) {
      const f = fieldInfo(model, el);
      const parts = [
        `name: ${q(f.name)}`, `specName: ${q(f.specName)}`, `type: ${q(f.type)}`, `specType: ${q(f.specType)}`,
      ];
      if (f.composite !== undefined) parts.push(`composite: ${q(f.composite)}`);
      if (f.enumType !== undefined) parts.push(`enumType: ${q(f.enumType.name)}`);
      if (f.requires !== undefined) parts.push(`requires: ${q(f.requires)}`);
      parts.push(`multiple: ${f.multiple}`, `mandatory: ${f.mandatory}`);
      if (f.defaultLiteral !== undefined) parts.push(`default: ${f.defaultLiteral}`);
      emit(`      { ${parts.join(', ')} },`);
    }
    emit('    ],');
    emit('  },');
  }
  emit('};');
  emit();

  for (const c of composites) {
    emit(`/** ${c.descriptor?.symbol} (0x${hex2(c.descriptor?.code ?? 0)})${c.provides.length ? `, provides ${c.provides.join(', ')}` : ''}. */`);
    emit(`export interface ${interfaceName(c.name)} {`);
    emit(`  readonly kind: ${q(c.name)};`);
    for (const el of c.fields) {
      const f = fieldInfo(model, el);
      const notes = [f.specType === f.type ? f.type : `${f.specType} (${f.type})`];
      if (f.requires !== undefined) notes.push(`requires ${f.requires}`);
      if (f.defaultLiteral !== undefined) notes.push(`default ${f.defaultLiteral}`);
      emit(`  /** ${notes.join(', ')} */`);
      emit(`  readonly ${f.name}${f.mandatory ? '' : '?'}: ${nativeType(model, f)};`);
    }
    emit('}');
    emit();
  }

  emit('/** The TypeScript type of each composite, by kind. */');
  emit('export interface CompositeTypes {');
  for (const c of composites) emit(`  ${q(c.name)}: ${interfaceName(c.name)};`);
  emit('}');
  emit('export type Composite = CompositeTypes[CompositeName];');
  emit();
  const archetypes = [...new Set(composites.flatMap((c) => c.provides))];
  emit('/** For each archetype, the union of the composites that provide it. */');
  emit('export interface ArchetypeMap {');
  for (const a of archetypes) emit(`  ${q(a)}: ${compositesProviding(model, a).map(interfaceName).join(' | ')};`);
  emit('}');
  emit('export type Archetype = keyof ArchetypeMap;');
  for (const a of archetypes) {
    const alias = ARCHETYPE_ALIASES[a];
    if (alias !== undefined) emit(`export type ${alias} = ArchetypeMap[${q(a)}];`);
  }
  return `${out.join('\n')}\n`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function wireLiteral(source: string, value: string): string {
  if (source === 'boolean') return value === 'true' ? 'true' : 'false';
  if (source === 'symbol' || source === 'string') return q(value);
  return String(Number.parseInt(value, 10));
}

export function readSpecFiles(dir: string = SPEC_DIR): string[] {
  return SPEC_FILES.map((f) => readFileSync(join(dir, `${f}.bare.xml`), 'utf8'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? SPEC_DIR;
  writeFileSync(OUTPUT_FILE, generateDefinitions(readSpecFiles(dir)));
  process.stdout.write(`wrote ${OUTPUT_FILE}\n`);
}
