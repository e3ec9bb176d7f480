/**
 * Cross-implementation check against Qpid Proton (python3-qpid-proton, the C codec underneath):
 * (a) Proton encodes a described value -> our decode gives the expected typed value;
 * (b) our encode -> Proton decodes -> its typed description equals the one we encoded.
 * All cases go to one Python process (spec/interop/proton_codec.py) in a single batch.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import fc from 'fast-check';
import { decode, encode } from '../../../../src/amqp/index.js';
import { arbAmqpValue } from '../../../amqp/codec/arbitraries.js';
import { S, hex, toSpec, toValue, unhex, type TypedSpec } from '../../../amqp/codec/typed-spec.js';
import { PEERS, PYTHON, requirePeers } from '../../../support/peers.js';

const HELPER = fileURLToPath(new URL('./proton_codec.py', import.meta.url));

type ProtonCase = { readonly op: 'encode'; readonly spec: TypedSpec } | { readonly op: 'decode'; readonly hex: string };
interface ProtonResult { readonly hex?: string; readonly spec?: TypedSpec; readonly error?: string }
/** One random case that disagreed, kept whole so the failure message shows it. */
interface Mismatch { readonly i: number; readonly spec: TypedSpec; readonly error?: string; readonly got?: TypedSpec }

function runProton(cases: readonly ProtonCase[]): Promise<ProtonResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Only our own child is ever killed, and only if it outlives its budget.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`proton helper exited with ${String(code)}: ${Buffer.concat(err).toString()}`));
        return;
      }
      resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as ProtonResult[]);
    });
    child.stdin.end(JSON.stringify(cases));
  });
}

const bytesHex = (n: number, seed: number): string =>
  hex(Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const longText = 'grüße ✓ 😀 '.repeat(40); // > 255 UTF-8 bytes: str32
const longSym = 'amqp:'.repeat(60); // 300 bytes: sym32
const UUID = '0123456789abcdeffedcba9876543210';

/** Every primitive, every width boundary, compounds, arrays and described values. */
const CASES: readonly (readonly [string, TypedSpec])[] = [
  ['null', S.null()],
  ['boolean true', S.bool(true)],
  ['boolean false', S.bool(false)],
  ['ubyte 0', S.num('ubyte', 0)],
  ['ubyte 255', S.num('ubyte', 255)],
  ['ushort 65535', S.num('ushort', 65535)],
  ['uint 0 (uint0)', S.num('uint', 0)],
  ['uint 255 (smalluint)', S.num('uint', 255)],
  ['uint 256', S.num('uint', 256)],
  ['uint max', S.num('uint', 0xffffffff)],
  ['ulong 0 (ulong0)', S.num('ulong', 0)],
  ['ulong 255 (smallulong)', S.num('ulong', 255)],
  ['ulong 2^53+1', S.num('ulong', (1n << 53n) + 1n)],
  ['ulong max', S.num('ulong', U64_MAX)],
  ['byte -128', S.num('byte', -128)],
  ['byte 127', S.num('byte', 127)],
  ['short -32768', S.num('short', -32768)],
  ['short 32767', S.num('short', 32767)],
  ['int -128 (smallint)', S.num('int', -128)],
  ['int 128', S.num('int', 128)],
  ['int min', S.num('int', -0x80000000)],
  ['int max', S.num('int', 0x7fffffff)],
  ['long -1 (smalllong)', S.num('long', -1)],
  ['long 128', S.num('long', 128)],
  ['long max', S.num('long', I64_MAX)],
  ['long min', S.num('long', I64_MIN)],
  ['float 1.5', S.float(1.5)],
  ['float -0', S.float(-0)],
  ['float -Infinity', S.float(-Infinity)],
  ['float NaN', S.float(NaN)],
  ['float smallest subnormal', S.float(2 ** -149)],
  ['double pi', S.double(Math.PI)],
  ['double -0', S.double(-0)],
  ['double max', S.double(Number.MAX_VALUE)],
  ['double NaN', S.double(NaN)],
  ['decimal32', S.num('decimal32', '2f8000ff')],
  ['decimal64', S.num('decimal64', '31c0000000000001')],
  ['decimal128', S.num('decimal128', '30400000000000000000000000000abc')],
  ['char a', S.num('char', 0x61)],
  ['char U+00E9', S.num('char', 0xe9)],
  ['char astral U+1F600', S.num('char', 0x1f600)],
  ['char U+10FFFF', S.num('char', 0x10ffff)],
  ['timestamp 0', S.num('timestamp', 0)],
  ['timestamp 2023-11-14', S.num('timestamp', 1700000000000)],
  ['timestamp before the epoch', S.num('timestamp', -86_400_000)],
  ['timestamp max', S.num('timestamp', I64_MAX)],
  ['uuid', S.num('uuid', UUID)],
  ['binary empty', S.num('binary', '')],
  ['binary vbin8', S.num('binary', bytesHex(255, 1))],
  ['binary vbin32', S.num('binary', bytesHex(70_000, 2))],
  ['string empty', S.str('')],
  ['string non-ASCII and astral', S.str('héllo ✓ 😀')],
  ['string str32', S.str(longText)],
  ['symbol', S.sym('amqp:accepted:list')],
  ['symbol empty', S.sym('')],
  ['symbol sym32', S.sym(longSym)],
  ['list empty (list0)', S.list()],
  ['list mixed', S.list(S.num('ubyte', 1), S.str('two'), S.null(), S.bool(false), S.num('ulong', 3))],
  ['list nested', S.list(S.list(S.list(S.num('int', 1)), S.list()), S.map([S.sym('k'), S.list()]))],
  ['list32 of 300 ints', S.list(...Array.from({ length: 300 }, (_, i) => S.num('int', i - 150)))],
  ['list32 by size (one long string)', S.list(S.str(longText), S.num('uint', 7))],
  ['map empty', S.map()],
  ['map with typed keys', S.map(
    [S.sym('sym'), S.str('v')], [S.str('str'), S.num('ubyte', 1)], [S.num('ulong', 9), S.null()],
    [S.num('int', -1), S.bool(true)], [S.null(), S.num('timestamp', 1)],
  )],
  ['map nested', S.map([S.str('a'), S.map([S.str('b'), S.map([S.str('c'), S.list(S.num('long', 5))])])])],
  ['map32 of 200 entries', S.map(...Array.from({ length: 200 }, (_, i) => [S.str(`key-${i}`), S.num('uint', i)] as const))],
  ['array of small ints', S.array('int', [S.num('int', 1), S.num('int', -2), S.num('int', 3)])],
  ['array of wide ints', S.array('int', [S.num('int', 1), S.num('int', 0x7fffffff)])],
  ['array of uint incl. 0', S.array('uint', [S.num('uint', 0), S.num('uint', 1), S.num('uint', 300)])],
  ['array of ulong', S.array('ulong', [S.num('ulong', 0), S.num('ulong', U64_MAX)])],
  ['array of long', S.array('long', [S.num('long', I64_MIN), S.num('long', 0)])],
  ['array of ubyte', S.array('ubyte', [S.num('ubyte', 0), S.num('ubyte', 255)])],
  ['array of short', S.array('short', [S.num('short', -1), S.num('short', 1)])],
  ['array of boolean', S.array('boolean', [S.bool(true), S.bool(false), S.bool(true)])],
  ['array of symbols', S.array('symbol', [S.sym('amqp:a'), S.sym('amqp:b'), S.sym('')])],
  ['array of strings', S.array('string', [S.str('x'), S.str('héllo'), S.str('')])],
  ['array of str32 strings', S.array('string', [S.str(longText), S.str('short')])],
  ['array of binary', S.array('binary', [S.num('binary', '00ff'), S.num('binary', '')])],
  ['array of double', S.array('double', [S.double(0.1), S.double(-Infinity)])],
  ['array of float', S.array('float', [S.float(0.5), S.float(-2)])],
  ['array of char', S.array('char', [S.num('char', 0x41), S.num('char', 0x1f600)])],
  ['array of timestamp', S.array('timestamp', [S.num('timestamp', 0), S.num('timestamp', 1700000000000)])],
  ['array of uuid', S.array('uuid', [S.num('uuid', UUID), S.num('uuid', '00'.repeat(16))])],
  ['array of decimal64', S.array('decimal64', [S.num('decimal64', '31c0000000000001')])],
  ['array of decimal128', S.array('decimal128', [S.num('decimal128', 'ff'.repeat(16))])],
  ['array of lists', S.array('list', [S.list(S.num('int', 1), S.str('a')), S.list()])],
  ['array of maps', S.array('map', [S.map([S.sym('k'), S.num('int', 1)]), S.map()])],
  ['array of arrays', S.array('array', [S.array('int', [S.num('int', 1)]), S.array('int', [S.num('int', 2), S.num('int', 3)])])],
  ['array32 of 300 symbols', S.array('symbol', Array.from({ length: 300 }, (_, i) => S.sym(`s${i}`)))],
  ['empty array of int', S.array('int', [])],
  ['empty array of symbol', S.array('symbol', [])],
  ['described array, ulong descriptor', S.array('string', [S.str('a'), S.str('b')], S.num('ulong', 0x77))],
  ['described array, symbol descriptor', S.array('int', [S.num('int', 7)], S.sym('com.example:thing'))],
  ['described with ulong descriptor', S.described(S.num('ulong', 0x70), S.list(S.bool(true), S.num('ubyte', 4)))],
  ['described with symbol descriptor', S.described(S.sym('amqp:data:binary'), S.num('binary', '0102'))],
  ['described with large ulong descriptor', S.described(S.num('ulong', 0x0000_4f52_0000_0001n), S.str('domain code'))],
  ['described inside described', S.described(S.sym('outer'), S.described(S.num('ulong', 1), S.null()))],
  ['described values nested in a map', S.map([S.sym('x-opt'), S.described(S.sym('t'), S.map([S.str('k'), S.str('v')]))])],
  ['transfer-like list', S.described(S.num('ulong', 0x14), S.list(
    S.num('uint', 0), S.num('uint', 1), S.num('binary', '00000001'), S.num('uint', 0), S.bool(false),
  ))],
];

// Random typed values from the codec's own arbitraries, with a fixed seed so a failure reproduces;
// they ride in the same batch as the table.
const RANDOM: readonly TypedSpec[] = fc.sample(arbAmqpValue(2), { seed: 20261125, numRuns: 300 }).map(toSpec);

describe('interop: AMQP codec vs Qpid Proton (python3-qpid-proton)', function () {
  requirePeers(PEERS.protonPython);
  let encoded: ProtonResult[] = [];
  let decoded: ProtonResult[] = [];
  let randomEncoded: ProtonResult[] = [];
  let randomDecoded: ProtonResult[] = [];

  before(async function () {
    const specs = [...CASES.map(([, spec]) => spec), ...RANDOM];
    const cases: ProtonCase[] = [
      ...specs.map((spec): ProtonCase => ({ op: 'encode', spec })),
      ...specs.map((spec): ProtonCase => ({ op: 'decode', hex: hex(encode(toValue(spec))) })),
    ];
    const results = await runProton(cases);
    expect(results).to.have.length(cases.length);
    const n = specs.length;
    encoded = results.slice(0, CASES.length);
    randomEncoded = results.slice(CASES.length, n);
    decoded = results.slice(n, n + CASES.length);
    randomDecoded = results.slice(n + CASES.length);
  });

  describe('(a) Proton encodes, we decode', function () {
    CASES.forEach(([name, spec], i) => {
      it(name, function () {
        const r = encoded[i];
        expect(r.error, r.error).to.equal(undefined);
        expect(decode(unhex(r.hex ?? ''))).to.deep.equal(toValue(spec));
      });
    });
  });

  describe('(b) we encode, Proton decodes', function () {
    CASES.forEach(([name, spec], i) => {
      it(name, function () {
        const r = decoded[i];
        expect(r.error, r.error).to.equal(undefined);
        expect(r.spec).to.deep.equal(spec);
      });
    });
  });

  describe('300 random typed values (fast-check, fixed seed)', function () {
    it('Proton encodes, we decode the same typed values', function () {
      const bad = RANDOM.flatMap((spec, i): Mismatch[] => {
        const r = randomEncoded[i];
        if (r.error !== undefined) return [{ i, spec, error: r.error }];
        try {
          expect(decode(unhex(r.hex ?? ''))).to.deep.equal(toValue(spec));
          return [];
        } catch (e) {
          return [{ i, spec, error: String(e) }];
        }
      });
      expect(bad.slice(0, 3)).to.deep.equal([]);
    });

    it('we encode, Proton decodes the same typed values', function () {
      const bad = RANDOM.flatMap((spec, i): Mismatch[] => {
        const r = randomDecoded[i];
        if (r.error !== undefined) return [{ i, spec, error: r.error }];
        try {
          expect(r.spec).to.deep.equal(spec);
          return [];
        } catch {
          return [{ i, spec, got: r.spec }];
        }
      });
      expect(bad.slice(0, 3)).to.deep.equal([]);
    });
  });

  it('the helper reports a malformed encoding as an error instead of a value', async function () {
    // Guards the harness itself: a truncated list8 must not come back as some decoded value.
    const [r] = await runProton([{ op: 'decode', hex: 'c00502' }]);
    expect(r.error).to.be.a('string');
    expect(r.spec).to.equal(undefined);
  });
});
