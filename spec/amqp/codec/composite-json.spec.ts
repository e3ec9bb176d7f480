/**
 * Composite-data JSON: one example per type in full and simplified form, the error table (each
 * with the JSON-pointer path it must name) and property-based round trips over arbitrary trees.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  array, binary, boolean, byte, char, decimal128, decimal32, decimal64, described, double, float,
  int, list, long, map, nullValue, short, string, symbol, timestamp, ubyte, uint, ulong, ushort,
  uuid,
} from '../../../src/amqp/codec/values.js';
import type { AmqpValue } from '../../../src/amqp/codec/types.js';
import { fromCompositeJson, toCompositeJson, type CompositeJson } from '../../../src/amqp/codec/composite-json.js';
import { CompositeJsonError } from '../../../src/errors.js';
import { arbAmqpValue } from './arbitraries.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const UUID_HEX = '0123456789abcdef0123456789abcdef';
const UUID_CANON = '01234567-89ab-cdef-0123-456789abcdef';

interface Example {
  readonly name: string;
  readonly value: AmqpValue;
  readonly full: CompositeJson;
  /** The simplified form, when it differs from the full form. */
  readonly simplified?: CompositeJson;
}

const sym = (s: string): CompositeJson => ({ type: 'symbol', value: s });

const EXAMPLES: readonly Example[] = [
  { name: 'null', value: nullValue, full: { type: 'null', value: null }, simplified: null },
  { name: 'boolean', value: boolean(true), full: { type: 'boolean', value: true }, simplified: true },
  { name: 'ubyte', value: ubyte(255), full: { type: 'ubyte', value: 255 } },
  { name: 'ushort', value: ushort(65535), full: { type: 'ushort', value: 65535 } },
  { name: 'uint', value: uint(0xffffffff), full: { type: 'uint', value: 4294967295 } },
  { name: 'ulong small', value: ulong(42), full: { type: 'ulong', value: 42 } },
  { name: 'ulong 2^53-1', value: ulong(2 ** 53 - 1), full: { type: 'ulong', value: 9007199254740991 } },
  { name: 'ulong 2^53', value: ulong(2n ** 53n), full: { type: 'ulong', value: '9007199254740992' } },
  { name: 'ulong max', value: ulong(2n ** 64n - 1n), full: { type: 'ulong', value: '18446744073709551615' } },
  { name: 'byte', value: byte(-128), full: { type: 'byte', value: -128 } },
  { name: 'short', value: short(-32768), full: { type: 'short', value: -32768 } },
  { name: 'int', value: int(-2147483648), full: { type: 'int', value: -2147483648 } },
  { name: 'long small', value: long(-7), full: { type: 'long', value: -7 } },
  { name: 'long -(2^53-1)', value: long(-(2 ** 53 - 1)), full: { type: 'long', value: -9007199254740991 } },
  { name: 'long min', value: long(-(2n ** 63n)), full: { type: 'long', value: '-9223372036854775808' } },
  { name: 'float', value: float(1.5), full: { type: 'float', value: 1.5 } },
  { name: 'float rounded', value: float(0.1), full: { type: 'float', value: Math.fround(0.1) } },
  { name: 'float NaN', value: float(NaN), full: { type: 'float', value: 'NaN' } },
  { name: 'double', value: double(0.1), full: { type: 'double', value: 0.1 } },
  { name: 'double Infinity', value: double(Infinity), full: { type: 'double', value: 'Infinity' } },
  { name: 'double -Infinity', value: double(-Infinity), full: { type: 'double', value: '-Infinity' } },
  { name: 'double -0', value: double(-0), full: { type: 'double', value: '-0' } },
  { name: 'decimal32', value: decimal32(bytes(0x22, 0x50, 0, 1)), full: { type: 'decimal', value: '22500001' } },
  { name: 'decimal64', value: decimal64(bytes(1, 2, 3, 4, 5, 6, 7, 8)), full: { type: 'decimal', value: '0102030405060708' } },
  { name: 'decimal128', value: decimal128(new Uint8Array(16).fill(0xab)), full: { type: 'decimal', value: 'ab'.repeat(16) } },
  { name: 'char BMP', value: char('é'), full: { type: 'char', value: 'é' } },
  { name: 'char astral', value: char('😀'), full: { type: 'char', value: '😀' } },
  { name: 'timestamp', value: timestamp(1700000000000), full: { type: 'timestamp', value: 1700000000000 } },
  { name: 'timestamp huge', value: timestamp(2n ** 62n), full: { type: 'timestamp', value: '4611686018427387904' } },
  { name: 'uuid', value: uuid(UUID_HEX), full: { type: 'uuid', value: UUID_CANON } },
  { name: 'binary', value: binary(bytes(0, 0xff, 0x10)), full: { type: 'binary', value: '00ff10' } },
  { name: 'binary empty', value: binary(bytes()), full: { type: 'binary', value: '' } },
  { name: 'string', value: string('héllo'), full: { type: 'string', value: 'héllo' }, simplified: 'héllo' },
  { name: 'symbol', value: symbol('amqp:accepted:list'), full: sym('amqp:accepted:list') },
  {
    name: 'list',
    value: list([int(1), string('a'), nullValue]),
    full: { type: 'list', value: [{ type: 'int', value: 1 }, { type: 'string', value: 'a' }, { type: 'null', value: null }] },
    simplified: { type: 'list', value: [{ type: 'int', value: 1 }, 'a', null] },
  },
  {
    name: 'map',
    value: map([[symbol('k'), boolean(false)], [int(2), string('two')]]),
    full: { type: 'map', value: [sym('k'), { type: 'boolean', value: false }, { type: 'int', value: 2 }, { type: 'string', value: 'two' }] },
    simplified: { type: 'map', value: [sym('k'), false, { type: 'int', value: 2 }, 'two'] },
  },
  {
    name: 'array of int',
    value: array('int', [int(1), int(2)]),
    full: { type: 'array', elementType: 'int', value: [{ type: 'int', value: 1 }, { type: 'int', value: 2 }] },
  },
  {
    name: 'array of string',
    value: array('string', [string('x')]),
    full: { type: 'array', elementType: 'string', value: [{ type: 'string', value: 'x' }] },
    simplified: { type: 'array', elementType: 'string', value: ['x'] },
  },
  { name: 'empty array', value: array('symbol', []), full: { type: 'array', elementType: 'symbol', value: [] } },
  { name: 'empty decimal64 array', value: array('decimal64', []), full: { type: 'array', elementType: 'decimal64', value: [] } },
  {
    name: 'described array',
    value: array('uint', [described(symbol('d'), uint(1))], symbol('d')),
    full: {
      type: 'array', elementType: 'uint', elementDescriptor: sym('d'),
      value: [{ type: 'uint', value: 1, descriptor: sym('d') }],
    },
  },
  {
    name: 'empty described array',
    value: array('string', [], ulong(7)),
    full: { type: 'array', elementType: 'string', elementDescriptor: { type: 'ulong', value: 7 }, value: [] },
  },
  {
    name: 'described list (ulong descriptor)',
    value: described(ulong(0x24), list([])),
    full: { type: 'list', value: [], descriptor: { type: 'ulong', value: 36 } },
  },
  {
    name: 'described string',
    value: described(symbol('x-opt'), string('text')),
    full: { type: 'string', value: 'text', descriptor: sym('x-opt') },
    simplified: { descriptor: sym('x-opt'), value: 'text' },
  },
  {
    name: 'described null',
    value: described(ulong(1), nullValue),
    full: { type: 'null', value: null, descriptor: { type: 'ulong', value: 1 } },
    simplified: { descriptor: { type: 'ulong', value: 1 }, value: null },
  },
  {
    name: 'described with string descriptor (simplified descriptor)',
    value: described(string('d'), boolean(true)),
    full: { type: 'boolean', value: true, descriptor: { type: 'string', value: 'd' } },
    simplified: { descriptor: 'd', value: true },
  },
  {
    name: 'described array value',
    value: described(symbol('outer'), array('int', [])),
    full: { type: 'array', elementType: 'int', value: [], descriptor: sym('outer') },
  },
  {
    name: 'nested described',
    value: described(ulong(1), described(symbol('in'), int(3))),
    full: { type: 'described', descriptor: { type: 'ulong', value: 1 }, value: { type: 'int', value: 3, descriptor: sym('in') } },
  },
];

describe('composite JSON', () => {
  describe('examples', () => {
    for (const ex of EXAMPLES) {
      const simplified = ex.simplified !== undefined ? ex.simplified : ex.full;
      // A JS string argument is JSON text, so a bare simplified string goes in quoted.
      const simplifiedInput = typeof simplified === 'string' ? JSON.stringify(simplified) : simplified;
      it(`${ex.name}: full form`, () => {
        expect(toCompositeJson(ex.value)).to.deep.equal(ex.full);
        expect(fromCompositeJson(ex.full)).to.deep.equal(ex.value);
      });
      it(`${ex.name}: simplified form`, () => {
        expect(toCompositeJson(ex.value, { simplified: true })).to.deep.equal(simplified);
        expect(fromCompositeJson(simplifiedInput)).to.deep.equal(ex.value);
      });
      it(`${ex.name}: through JSON text`, () => {
        expect(fromCompositeJson(JSON.stringify(ex.full))).to.deep.equal(ex.value);
        expect(fromCompositeJson(JSON.stringify(simplified))).to.deep.equal(ex.value);
      });
    }
  });

  it('a JS string argument is JSON text, not a bare simplified string', () => {
    expect(fromCompositeJson('"text"')).to.deep.equal(string('text'));
    expect(() => fromCompositeJson('text')).to.throw(CompositeJsonError, /invalid JSON/);
  });

  describe('lenient input', () => {
    const CASES: readonly [string, unknown, AmqpValue][] = [
      ['integer as string', { type: 'int', value: '-12' }, int(-12)],
      ['ubyte as string', { type: 'ubyte', value: '+7' }, ubyte(7)],
      ['ulong as small string', { type: 'ulong', value: '5' }, ulong(5)],
      ['long as number', { type: 'long', value: 123 }, long(123)],
      ['timestamp as string', { type: 'timestamp', value: '-1' }, timestamp(-1)],
      ['uuid without hyphens', { type: 'uuid', value: UUID_HEX }, uuid(UUID_HEX)],
      ['uuid in upper case', { type: 'uuid', value: UUID_CANON.toUpperCase() }, uuid(UUID_HEX)],
      ['binary in upper case', { type: 'binary', value: 'ABCD' }, binary(bytes(0xab, 0xcd))],
      ['float rounded to single precision', { type: 'float', value: 0.1 }, float(0.1)],
      ['raw null / boolean / string', { type: 'list', value: [null, true, 's'] }, list([nullValue, boolean(true), string('s')])],
      ['array element type inferred', { type: 'array', value: [{ type: 'short', value: 1 }] }, array('short', [short(1)])],
      ['decimal array inferred from length', { type: 'array', value: [{ type: 'decimal', value: '00000000' }] },
        array('decimal32', [decimal32(new Uint8Array(4))])],
      ['described array descriptor inferred', { type: 'array', value: [{ descriptor: 'd', value: 'x' }] },
        array('string', [described(string('d'), string('x'))], string('d'))],
      ['map keys differing only in type', { type: 'map', value: ['k', true, sym('k'), false] },
        map([[string('k'), boolean(true)], [symbol('k'), boolean(false)]])],
    ];
    for (const [name, json, value] of CASES) {
      it(name, () => expect(fromCompositeJson(json as CompositeJson)).to.deep.equal(value));
    }
  });

  describe('errors name the problem and the JSON-pointer path', () => {
    const ERRORS: readonly [string, unknown, string, RegExp][] = [
      ['invalid JSON text', '{"type":', '', /invalid JSON/],
      ['unknown type name', { type: 'integer', value: 1 }, '/type', /unknown type "integer"/],
      ['type not a string', { type: 3, value: 1 }, '/type', /"type" must be a string/],
      ['missing value', { type: 'int' }, '', /missing "value"/],
      ['missing type', { value: 1 }, '', /missing "type"/],
      ['bare number', 5, '', /got a number/],
      ['bare list', [], '', /got a list/],
      ['wrong value kind (boolean)', { type: 'boolean', value: 'true' }, '/value', /expected a boolean/],
      ['wrong value kind (null)', { type: 'null', value: 0 }, '/value', /expected null/],
      ['wrong value kind (string)', { type: 'string', value: 1 }, '/value', /expected a string/],
      ['wrong value kind (integer)', { type: 'int', value: true }, '/value', /expected an integer/],
      ['wrong value kind (float)', { type: 'double', value: '1.5' }, '/value', /expected a number or "NaN"/],
      ['wrong value kind (list)', { type: 'list', value: {} }, '/value', /expected a list/],
      ['not an integer', { type: 'int', value: 1.5 }, '/value', /expected an integer/],
      ['not a decimal string', { type: 'long', value: '1e3' }, '/value', /decimal integer string/],
      ['unsafe integer number', { type: 'ulong', value: 2 ** 60 }, '/value', /beyond 2\^53-1/],
      ['ubyte out of range', { type: 'ubyte', value: 256 }, '/value', /ubyte out of range/],
      ['ubyte negative', { type: 'ubyte', value: -1 }, '/value', /ubyte out of range/],
      ['byte out of range', { type: 'byte', value: 128 }, '/value', /byte out of range/],
      ['ushort out of range', { type: 'ushort', value: 65536 }, '/value', /out of range/],
      ['short out of range', { type: 'short', value: '-32769' }, '/value', /out of range/],
      ['uint out of range', { type: 'uint', value: 2 ** 32 }, '/value', /out of range/],
      ['int out of range', { type: 'int', value: 2 ** 31 }, '/value', /out of range/],
      ['ulong negative', { type: 'ulong', value: -1 }, '/value', /ulong out of range/],
      ['ulong too big', { type: 'ulong', value: '18446744073709551616' }, '/value', /ulong out of range/],
      ['long too big', { type: 'long', value: '9223372036854775808' }, '/value', /long out of range/],
      ['timestamp too small', { type: 'timestamp', value: '-9223372036854775809' }, '/value', /timestamp out of range/],
      ['bad hex digit', { type: 'binary', value: '0g' }, '/value', /bad hex/],
      ['odd hex length', { type: 'binary', value: 'abc' }, '/value', /even number/],
      ['wrong decimal length', { type: 'decimal', value: '001122' }, '/value', /4, 8 or 16 bytes/],
      ['bad uuid', { type: 'uuid', value: '0123' }, '/value', /not a uuid/],
      ['uuid with bad digit', { type: 'uuid', value: UUID_CANON.replace('0', 'x') }, '/value', /not a uuid/],
      ['char empty', { type: 'char', value: '' }, '/value', /exactly one code point/],
      ['char two code points', { type: 'char', value: 'ab' }, '/value', /exactly one code point/],
      ['char lone surrogate', { type: 'char', value: '\ud800' }, '/value', /surrogate/],
      ['symbol not ASCII', { type: 'symbol', value: 'é' }, '/value', /ASCII/],
      ['array of mixed types', { type: 'array', value: [{ type: 'int', value: 1 }, { type: 'long', value: 1 }] },
        '/value/1', /type long in an array of int/],
      ['array element against elementType', { type: 'array', elementType: 'uint', value: [{ type: 'int', value: 1 }] },
        '/value/0', /type int in an array of uint/],
      ['array of decimals of mixed lengths', { type: 'array', value: [{ type: 'decimal', value: '00000000' }, { type: 'decimal', value: '0000000000000000' }] },
        '/value/1', /decimal64 in an array of decimal32/],
      ['array with different descriptors', {
        type: 'array', value: [{ type: 'int', value: 1, descriptor: sym('a') }, { type: 'int', value: 2, descriptor: sym('b') }],
      }, '/value/1', /same descriptor/],
      ['array with a described and a plain element', {
        type: 'array', value: [{ type: 'int', value: 1, descriptor: sym('a') }, { type: 'int', value: 2 }],
      }, '/value/1', /same descriptor/],
      ['array element against elementDescriptor', {
        type: 'array', elementType: 'int', elementDescriptor: sym('a'), value: [{ type: 'int', value: 1, descriptor: sym('b') }],
      }, '/value/0', /same descriptor/],
      ['empty array without elementType', { type: 'array', value: [] }, '', /needs "elementType"/],
      ['unknown elementType', { type: 'array', elementType: 'decimal', value: [] }, '/elementType', /unknown elementType/],
      ['elementDescriptor without elementType', { type: 'array', elementDescriptor: sym('a'), value: [] }, '', /needs "elementType"/],
      ['odd map list', { type: 'map', value: [sym('k')] }, '/value', /even number/],
      ['duplicate map key', { type: 'map', value: [sym('k'), true, 'x', null, sym('k'), false] }, '/value/4', /duplicate map key/],
      ['duplicate raw/typed map key', { type: 'map', value: ['k', null, { type: 'string', value: 'k' }, null] }, '/value/2', /duplicate/],
      ['described descriptor', { type: 'int', value: 1, descriptor: { type: 'ulong', value: 1, descriptor: sym('x') } },
        '/descriptor', /cannot itself be described/],
      ['described elementDescriptor', { type: 'array', elementType: 'int', elementDescriptor: { descriptor: sym('x'), value: 'y' }, value: [] },
        '/elementDescriptor', /cannot itself be described/],
      ['unknown extra field', { type: 'int', value: 1, unit: 'ms' }, '/unit', /unknown field "unit"/],
      ['elementType on a non-array', { type: 'list', value: [], elementType: 'int' }, '/elementType', /unknown field/],
      ['field name escaped in the path', { type: 'int', value: 1, 'a/b~': 0 }, '/a~1b~0', /unknown field/],
      ['untyped node with a number', { descriptor: sym('d'), value: 1 }, '/value', /without "type"/],
      ['"described" node without descriptor', { type: 'described', value: { type: 'int', value: 1, descriptor: sym('d') } },
        '', /needs a "descriptor"/],
      ['nested error path', {
        type: 'list', value: [null, { type: 'map', value: ['a', { type: 'array', elementType: 'int', value: [{ type: 'int', value: 'x' }] }] }],
      }, '/value/1/value/1/value/0/value', /decimal integer string/],
      ['error inside a descriptor', { type: 'int', value: 1, descriptor: { type: 'ulong', value: -1 } }, '/descriptor/value', /out of range/],
    ];
    for (const [name, json, path, problem] of ERRORS) {
      it(`${name} -> ${path || '/'}`, () => {
        let caught: unknown;
        try {
          fromCompositeJson(json as CompositeJson);
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(CompositeJsonError);
        expect((caught as CompositeJsonError).path).to.equal(path);
        expect((caught as CompositeJsonError).message).to.match(problem);
      });
    }

    it('toCompositeJson refuses a described descriptor, naming its output path', () => {
      const bad = list([described(described(symbol('a'), int(1)), int(2))]);
      expect(() => toCompositeJson(bad)).to.throw(CompositeJsonError, /cannot itself be described at \/value\/0\/descriptor/);
    });
  });

  describe('properties', () => {
    it('fromCompositeJson(toCompositeJson(v)) equals v, full form', () => {
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        expect(fromCompositeJson(toCompositeJson(v))).to.deep.equal(v);
      }), { numRuns: 500 });
    });

    it('round trip through JSON text, simplified form', () => {
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        const text = JSON.stringify(toCompositeJson(v, { simplified: true }));
        expect(fromCompositeJson(text)).to.deep.equal(v);
      }), { numRuns: 500 });
    });

    it('round trip through JSON text, full form', () => {
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        expect(fromCompositeJson(JSON.stringify(toCompositeJson(v)))).to.deep.equal(v);
      }), { numRuns: 500 });
    });

    it('integer nodes never carry an unsafe number (JSON text never rounds them)', () => {
      const INTEGER_TYPES = new Set(['ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long', 'timestamp']);
      const unsafe = (x: unknown): boolean => {
        if (Array.isArray(x)) return x.some(unsafe);
        if (typeof x !== 'object' || x === null) return false;
        const node = x as { type?: unknown; value?: unknown };
        if (typeof node.type === 'string' && INTEGER_TYPES.has(node.type)) {
          return typeof node.value === 'number' && !Number.isSafeInteger(node.value);
        }
        return Object.values(x).some(unsafe);
      };
      fc.assert(fc.property(arbAmqpValue(2), (v) => {
        expect(unsafe(toCompositeJson(v))).to.equal(false);
      }), { numRuns: 300 });
    });

    it('mutated valid trees never crash: a value or a CompositeJsonError', () => {
      // Replace one field or element somewhere in a valid tree with arbitrary JSON.
      const containers = (x: unknown, out: (Record<string, unknown> | unknown[])[] = []): typeof out => {
        if (typeof x === 'object' && x !== null) {
          out.push(x as Record<string, unknown> | unknown[]);
          for (const c of Object.values(x)) containers(c, out);
        }
        return out;
      };
      fc.assert(fc.property(arbAmqpValue(2), fc.boolean(), fc.nat(), fc.nat(), fc.jsonValue(), (v, simplified, i, j, junk) => {
        const tree = toCompositeJson(v, { simplified }) as unknown;
        const all = containers(tree);
        if (all.length > 0) {
          const target = all[i % all.length] as Record<string, unknown>;
          const keys = [...Object.keys(target), 'extra'];
          target[keys[j % keys.length]] = junk;
        }
        try {
          fromCompositeJson(tree as CompositeJson);
        } catch (e) {
          expect(e).to.be.instanceOf(CompositeJsonError);
        }
      }), { numRuns: 1000 });
    });

    it('random JSON never crashes: a value or a CompositeJsonError', () => {
      fc.assert(fc.property(fc.jsonValue(), (j) => {
        try {
          fromCompositeJson(j as CompositeJson);
        } catch (e) {
          expect(e).to.be.instanceOf(CompositeJsonError);
        }
      }), { numRuns: 500 });
    });
  });
});
