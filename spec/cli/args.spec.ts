/** The table-driven argument parser and the help it renders. */
import { expect } from 'chai';
import { HELP_OPTION, parseArgs, renderHelp, wrap, type CommandSpec } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';

const spec: CommandSpec = {
  name: 'rx-mq test',
  summary: 'A test command.',
  positionals: [{ name: 'URL', help: 'where' }, { name: 'ADDRESS', help: 'what' }],
  options: [
    { name: 'count', type: 'int', min: 1, help: 'how many', defaultText: '1' },
    { name: 'body', type: 'string', value: 'TEXT', help: 'the body' },
    { name: 'property', type: 'string', value: 'K=V', repeatable: true, help: 'a property' },
    { name: 'ack', type: 'choice', choices: ['auto', 'manual'], help: 'ack mode' },
    { name: 'json', type: 'flag', help: 'json lines' },
    HELP_OPTION,
  ],
  notes: ['A note.'],
};

const usage = (argv: string[]): string => {
  try {
    parseArgs(spec, argv);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    expect((e as UsageError).command).to.equal('rx-mq test');
    return (e as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('cli: argument parser', () => {
  it('reads positionals, --name value, --name=value, repeatable options and flags', () => {
    const a = parseArgs(spec, ['u', '--count', '3', '--body=a=b', 'addr', '--property', 'k=v', '--property=x=y', '--json', '--ack', 'auto']);
    expect(a.positionals).to.deep.equal(['u', 'addr']);
    expect(a.int('count')).to.equal(3);
    expect(a.string('body')).to.equal('a=b');
    expect(a.list('property')).to.deep.equal(['k=v', 'x=y']);
    expect(a.flag('json')).to.equal(true);
    expect(a.string('ack')).to.equal('auto');
    expect(a.has('help')).to.equal(false);
    expect(a.int('missing')).to.equal(undefined);
  });

  it('treats everything after -- as positionals, and "-" as a positional', () => {
    const a = parseArgs(spec, ['-', '--', '--count']);
    expect(a.positionals).to.deep.equal(['-', '--count']);
  });

  it('accepts -h and skips the positional checks with --help', () => {
    expect(parseArgs(spec, ['-h']).flag('help')).to.equal(true);
    expect(parseArgs(spec, ['--help', '--count', '2']).int('count')).to.equal(2);
  });

  it('rejects what the table does not allow, naming the option', () => {
    expect(usage(['u', 'a', '--nope'])).to.equal('unknown option --nope');
    expect(usage(['u', 'a', '-x'])).to.equal('unknown option -x');
    expect(usage(['u', 'a', '--count'])).to.match(/--count needs a value/);
    expect(usage(['u', 'a', '--count', 'x'])).to.match(/--count needs a whole number >= 1, got "x"/);
    expect(usage(['u', 'a', '--count', '0'])).to.match(/>= 1/);
    expect(usage(['u', 'a', '--count', '1.5'])).to.match(/whole number/);
    expect(usage(['u', 'a', '--ack', 'never'])).to.match(/--ack must be one of auto, manual, got "never"/);
    expect(usage(['u', 'a', '--body', 'x', '--body', 'y'])).to.match(/--body given more than once/);
    expect(usage(['u', 'a', '--json=yes'])).to.match(/--json takes no value/);
    expect(usage(['u'])).to.equal('missing ADDRESS');
    expect(usage([])).to.equal('missing URL ADDRESS');
    expect(usage(['u', 'a', 'extra'])).to.equal('unexpected argument "extra"');
  });

  it('renders help from the same table: every option, placeholder, default and note', () => {
    const help = renderHelp(spec);
    expect(help).to.match(/^Usage: rx-mq test URL ADDRESS \[options\]\n/);
    for (const o of spec.options) expect(help).to.contain(`--${o.name}`);
    expect(help).to.contain('--count N');
    expect(help).to.contain('--body TEXT');
    expect(help).to.contain('--ack auto|manual');
    expect(help).to.contain('(default 1)');
    expect(help).to.contain('(repeatable)');
    expect(help).to.contain('-h, --help');
    expect(help).to.contain('A note.');
    for (const line of help.split('\n')) expect(line.length).to.be.at.most(100);
  });

  it('wraps words to a width', () => {
    expect(wrap('aaa bbb ccc ddd', 20)).to.deep.equal(['aaa bbb ccc ddd']);
    const lines = wrap('word '.repeat(30), 24);
    expect(lines.every((l) => l.length <= 24)).to.equal(true);
    expect(lines.join(' ')).to.equal('word '.repeat(30).trim());
  });
});
