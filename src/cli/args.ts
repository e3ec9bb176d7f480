/**
 * A small table-driven argument parser. Each command declares its positionals and options once;
 * the same table drives parsing, validation and the --help text, so the two cannot drift apart.
 */
import { UsageError } from './errors.js';

/** How an option's value is read. `flag` takes no value. */
export type OptionType = 'string' | 'int' | 'flag' | 'choice';

/** One option of a command. */
export interface OptionSpec {
  /** Long name without the dashes (`count` for `--count`). */
  readonly name: string;
  /** One-letter alias without the dash (`h` for `-h`). */
  readonly short?: string;
  readonly type: OptionType;
  /** Placeholder shown in help (`N`, `PATH`); defaults to the upper-cased type. */
  readonly value?: string;
  /** Allowed values of a `choice` option. */
  readonly choices?: readonly string[];
  /** May be given several times; the values are collected in order. */
  readonly repeatable?: boolean;
  /** Smallest value of an `int` option (default 0). */
  readonly min?: number;
  /** Default shown in help (the command applies it). */
  readonly defaultText?: string;
  readonly help: string;
}

/** One positional argument (all are required). */
export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
}

/** A command or subcommand: the single source of its parsing and its help. */
export interface CommandSpec {
  /** Full name as typed, e.g. `rx-mq send`. */
  readonly name: string;
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** Extra paragraphs printed after the options. */
  readonly notes?: readonly string[];
}

type Value = string | number | boolean;

/** What parsing produced, with typed accessors (the table already checked the types). */
export class ParsedArgs {
  constructor(
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, readonly Value[]>,
  ) {}

  /** Whether the option was given at all. */
  has(name: string): boolean { return this.values.has(name); }
  /** Last value of a string or choice option. */
  string(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : String(v[v.length - 1]);
  }
  /** Last value of an int option. */
  int(name: string): number | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : Number(v[v.length - 1]);
  }
  /** Whether a flag was given. */
  flag(name: string): boolean { return this.values.has(name); }
  /** Every value of a repeatable option, in order. */
  list(name: string): string[] { return (this.values.get(name) ?? []).map(String); }
}

/** Standard options every command has. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'flag', help: 'show this help and exit' };

const INT_RE = /^\d+$/;

/**
 * Parse `argv` (without the command words) against `spec`. Accepts `--name value`, `--name=value`,
 * `-x value`, and `--` to end options. Throws UsageError on anything the table does not allow.
 * When --help is present the positionals are not checked, so `cmd --help` always works.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, Value[]>();
  const byName = new Map(spec.options.map((o) => [o.name, o] as const));
  const byShort = new Map(spec.options.filter((o) => o.short !== undefined).map((o) => [o.short as string, o] as const));
  let i = 0;
  let optionsDone = false;
  while (i < argv.length) {
    const arg = argv[i++];
    if (optionsDone || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsDone = true;
      continue;
    }
    let opt: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      opt = byName.get(name);
      shown = `--${name}`;
    } else {
      opt = byShort.get(arg.slice(1));
      shown = arg;
    }
    if (opt === undefined) throw new UsageError(`unknown option ${shown}`, spec.name);
    let value: Value;
    if (opt.type === 'flag') {
      if (inline !== undefined) throw new UsageError(`option ${shown} takes no value`, spec.name);
      value = true;
    } else {
      const raw = inline ?? (i < argv.length ? argv[i++] : undefined);
      if (raw === undefined) throw new UsageError(`option ${shown} needs a value (${placeholder(opt)})`, spec.name);
      value = checkValue(opt, raw, shown, spec.name);
    }
    const prior = values.get(opt.name);
    if (prior !== undefined && !opt.repeatable && opt.type !== 'flag') {
      throw new UsageError(`option ${shown} given more than once`, spec.name);
    }
    values.set(opt.name, [...(prior ?? []), value]);
  }
  if (!values.has('help')) {
    if (positionals.length < spec.positionals.length) {
      const missing = spec.positionals.slice(positionals.length).map((p) => p.name).join(' ');
      throw new UsageError(`missing ${missing}`, spec.name);
    }
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(`unexpected argument "${positionals[spec.positionals.length]}"`, spec.name);
    }
  }
  return new ParsedArgs(positionals, values);
}

function checkValue(opt: OptionSpec, raw: string, shown: string, command: string): Value {
  switch (opt.type) {
    case 'int': {
      const min = opt.min ?? 0;
      if (!INT_RE.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
        throw new UsageError(`option ${shown} needs a whole number${min > 0 ? ` >= ${min}` : ''}, got "${raw}"`, command);
      }
      return Number(raw);
    }
    case 'choice':
      if (!(opt.choices ?? []).includes(raw)) {
        throw new UsageError(`option ${shown} must be one of ${(opt.choices ?? []).join(', ')}, got "${raw}"`, command);
      }
      return raw;
    default:
      return raw;
  }
}

function placeholder(o: OptionSpec): string {
  if (o.value !== undefined) return o.value;
  if (o.type === 'choice') return (o.choices ?? []).join('|');
  return o.type === 'int' ? 'N' : 'VALUE';
}

/** Help lines are wrapped to this many columns. */
const HELP_WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((x) => x !== '')) {
    if (line !== '' && line.length + 1 + word.length > Math.max(20, width)) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/** The --help text of a command, rendered from its table. */
export function renderHelp(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => ` ${p.name}`).join('');
  const lines = [`Usage: ${spec.name}${pos}${spec.options.length > 0 ? ' [options]' : ''}`, '', spec.summary];
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    const w = Math.max(...spec.positionals.map((p) => p.name.length));
    for (const p of spec.positionals) {
      lines.push(...wrap(p.help, HELP_WIDTH - w - 4).map((l, j) => `  ${(j === 0 ? p.name : '').padEnd(w)}  ${l}`));
    }
  }
  if (spec.options.length > 0) {
    lines.push('', 'Options:');
    const left = spec.options.map((o) => {
      const names = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${o.name}`;
      return o.type === 'flag' ? names : `${names} ${placeholder(o)}`;
    });
    const w = Math.max(...left.map((l) => l.length));
    spec.options.forEach((o, k) => {
      const extra = [o.repeatable ? 'repeatable' : undefined, o.defaultText !== undefined ? `default ${o.defaultText}` : undefined]
        .filter((x) => x !== undefined);
      const text = `${o.help}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
      lines.push(...wrap(text, HELP_WIDTH - w - 4).map((l, j) => `  ${(j === 0 ? left[k] : '').padEnd(w)}  ${l}`));
    });
  }
  for (const note of spec.notes ?? []) lines.push('', ...wrap(note, HELP_WIDTH - 4));
  return `${lines.join('\n')}\n`;
}
