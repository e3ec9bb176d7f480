/**
 * The native view: the docs/TYPES.md table row by row, fromNative's inference rules, typed values
 * passing through, the rejection table, and properties over arbitrary typed trees.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  array, binary, boolean, byte, char, decimal128, decimal32, decimal64, described, double, float,
  int, list, long, map, nullValue, short, string, symbol, timestamp, ubyte, uint, ulong, ushort,
  uuid,
} from '../../../src/amqp/codec/values.js';
import type { AmqpValue } from '../../../src/amqp/codec/types.js';
import {
  fromNative, isAmqpValue, toNative, type NativeInput, type NativeValue,
} from '../../../src/amqp/codec/native.js';
import { arbAmqpValue } from './arbitraries.js';

const UUID_CANON = '01234567-89ab-cdef-0123-456789abcdef';
const d32 = decimal32(new Uint8Array(4));
const d64 = decimal64(new Uint8Array(8));
const d128 = decimal128(new Uint8Array(16));
const desc = described(symbol('x'), int(1));
const farTimestamp = timestamp(8_640_000_000_000_001n);
const clashText = map([[string('k'), int(1)], [symbol('k'), int(2)]]);
const clashNumber = map([[int(1), int(1)], [ubyte(1), int(2)]]);

describe('native view', () => {
  describe('toNative (the docs/TYPES.md table)', () => {
    const ROWS: readonly [string, AmqpValue, NativeValue][] = [
      ['null', nullValue, null],
      ['boolean', boolean(true), true],
      ['ubyte', ubyte(200), 200],
      ['ushort', ushort(60000), 60000],
      ['uint', uint(4000000000), 4000000000],
      ['byte', byte(-1), -1],
      ['short', short(-300), -300],
      ['int', int(-70000), -70000],
      ['float', float(1.25), 1.25],
      ['double', double(NaN), NaN],
      ['ulong safe', ulong(2 ** 53 - 1), 2 ** 53 - 1],
      ['ulong beyond 2^53-1', ulong(2n ** 53n), 2n ** 53n],
      ['long safe', long(-5), -5],
      ['long beyond -(2^53-1)', long(-(2n ** 60n)), -(2n ** 60n)],
      ['timestamp', timestamp(1700000000000), new Date(1700000000000)],
      ['timestamp at the Date limit', timestamp(-8_640_000_000_000_000n), new Date(-8.64e15)],
      ['timestamp beyond Date range stays typed', farTimestamp, farTimestamp],
      ['uuid', uuid(UUID_CANON), UUID_CANON],
      ['char', char('😀'), '😀'],
      ['binary', binary(Uint8Array.of(1, 2)), Uint8Array.of(1, 2)],
      ['string', string('s'), 's'],
      ['symbol', symbol('sym'), 'sym'],
      ['decimal32 stays typed', d32, d32],
      ['decimal64 stays typed', d64, d64],
      ['decimal128 stays typed', d128, d128],
      ['described stays typed', desc, desc],
      ['list', list([int(1), string('a')]), [1, 'a']],
      ['array', array('ulong', [ulong(1), ulong(2n ** 64n - 1n)]), [1, 2n ** 64n - 1n]],
      ['map with string and symbol keys', map([[string('a'), int(1)], [symbol('b'), nullValue]]), { a: 1, b: null }],
      ['map with other keys', map([[int(1), string('one')], [string('a'), boolean(false)]]),
        new Map<NativeValue, NativeValue>([[1, 'one'], ['a', false]])],
      ['map whose keys collide as text stays typed', clashText, clashText],
      ['map whose keys collide as numbers stays typed', clashNumber, clashNumber],
      ['map that would look like a typed value', map([[string('type'), string('int')], [string('value'), int(1)]]),
        new Map<NativeValue, NativeValue>([['type', 'int'], ['value', 1]])],
      ['nested', list([map([[symbol('xs'), array('int', [int(1)])]])]), [{ xs: [1] }]],
    ];
    for (const [name, value, native] of ROWS) {
      it(name, () => expect(toNative(value)).to.deep.equal(native));
    }

    it('a "__proto__" key stays an own key', () => {
      const obj = toNative(map([[string('__proto__'), int(1)]])) as Record<string, NativeValue>;
      expect(Object.getPrototypeOf(obj)).to.equal(Object.prototype);
      expect(Object.keys(obj)).to.deep.equal(['__proto__']);
    });
  });

  describe('fromNative', () => {
    const ROWS: readonly [string, NativeInput, AmqpValue][] = [
      ['null', null, nullValue],
      ['undefined', undefined, nullValue],
      ['boolean', false, boolean(false)],
      ['int32 number', -2147483648, int(-2147483648)],
      ['int32 max', 2147483647, int(2147483647)],
      ['integer beyond int32', 2147483648, long(2147483648)],
      ['max safe integer', Number.MAX_SAFE_INTEGER, long(Number.MAX_SAFE_INTEGER)],
      ['unsafe integer number', 2 ** 60, double(2 ** 60)],
      ['fraction', 0.5, double(0.5)],
      ['-0', -0, double(-0)],
      ['NaN', NaN, double(NaN)],
      ['Infinity', -Infinity, double(-Infinity)],
      ['bigint', 5n, long(5)],
      ['bigint beyond long', 2n ** 63n, ulong(2n ** 63n)],
      ['bigint min long', -(2n ** 63n), long(-(2n ** 63n))],
      ['string', 'text', string('text')],
      ['Date', new Date(0), timestamp(0)],
      ['Uint8Array', Uint8Array.of(9), binary(Uint8Array.of(9))],
      ['other views', Uint16Array.of(0x0102), binary(new Uint8Array(Uint16Array.of(0x0102).buffer))],
      ['DataView', new DataView(Uint8Array.of(1, 2, 3).buffer, 1, 2), binary(Uint8Array.of(2, 3))],
      ['ArrayBuffer', Uint8Array.of(7, 8).buffer, binary(Uint8Array.of(7, 8))],
      ['array', [1, 'a', null], list([int(1), string('a'), nullValue])],
      ['Map', new Map<NativeInput, NativeInput>([[1, 'x'], [ubyte(2), true]]),
        map([[int(1), string('x')], [ubyte(2), boolean(true)]])],
      ['plain object', { a: 1, b: [true] }, map([[string('a'), int(1)], [string('b'), list([boolean(true)])]])],
      ['null-prototype object', Object.assign(Object.create(null) as Record<string, NativeInput>, { k: 'v' }),
        map([[string('k'), string('v')]])],
      ['typed values mixed in', { n: ubyte(1), s: symbol('sym') }, map([[string('n'), ubyte(1)], [string('s'), symbol('sym')]])],
      ['typed compound passes through', array('int', []), array('int', [])],
      ['typed described passes through', desc, desc],
      ['object that is not a well-formed typed value is a map', { type: 'ubyte', value: 300 },
        map([[string('type'), string('ubyte')], [string('value'), int(300)]])],
      ['typed value with an extra field is a map', { type: 'int', value: 1, x: 2 },
        map([[string('type'), string('int')], [string('value'), int(1)], [string('x'), int(2)]])],
      ['shared (non-cyclic) references are fine', ((): NativeInput => { const s = [1]; return [s, s]; })(),
        list([list([int(1)]), list([int(1)])])],
    ];
    for (const [name, native, value] of ROWS) {
      it(name, () => expect(fromNative(native)).to.deep.equal(value));
    }

    class Point { x = 1; }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cyclicMap = new Map<unknown, unknown>();
    cyclicMap.set('self', cyclicMap);
    const cyclicObj: Record<string, unknown> = {};
    cyclicObj.a = { b: cyclicObj };
    const REJECTED: readonly [string, unknown, ErrorConstructor, RegExp][] = [
      ['function', () => 1, TypeError, /function has no AMQP form/],
      ['symbol', Symbol('s'), TypeError, /symbol has no AMQP form/],
      ['class instance', new Point(), TypeError, /Point instance has no AMQP form/],
      ['nested class instance', { p: [new Point()] }, TypeError, /Point instance .*at \/p\/0/],
      ['Set', new Set([1]), TypeError, /Set instance/],
      ['cyclic array', cyclic, TypeError, /cyclic/],
      ['cyclic Map', cyclicMap, TypeError, /cyclic/],
      ['cyclic object', cyclicObj, TypeError, /cyclic.*at \/a\/b/],
      ['bigint beyond 64 bits', 2n ** 64n, RangeError, /does not fit 64 bits/],
      ['bigint below long min', -(2n ** 63n) - 1n, RangeError, /does not fit 64 bits/],
      ['invalid Date', new Date(NaN), RangeError, /invalid Date/],
    ];
    for (const [name, input, type, message] of REJECTED) {
      it(`rejects ${name}`, () => expect(() => fromNative(input as NativeInput)).to.throw(type, message));
    }
  });

  describe('isAmqpValue', () => {
    const cyclicList: { type: 'list'; value: unknown[] } = { type: 'list', value: [] };
    cyclicList.value.push(cyclicList);
    const CASES: readonly [string, unknown, boolean][] = [
      ['int', int(1), true],
      ['array with descriptor', array('int', [described(ulong(1), int(2))], ulong(1)), true],
      ['map', map([[string('a'), list([])]]), true],
      ['unknown type', { type: 'integer', value: 1 }, false],
      ['out-of-range ubyte', { type: 'ubyte', value: 256 }, false],
      ['long as number', { type: 'long', value: 1 }, false],
      ['uuid of 15 bytes', { type: 'uuid', value: new Uint8Array(15) }, false],
      ['symbol not ASCII', { type: 'symbol', value: 'é' }, false],
      ['extra field', { type: 'string', value: 's', extra: 1 }, false],
      ['list with a native child', { type: 'list', value: [1] }, false],
      ['map with a bad entry', { type: 'map', value: [[int(1)]] }, false],
      ['described without descriptor', { type: 'described', value: int(1) }, false],
      ['array with unknown elementType', { type: 'array', elementType: 'decimal', value: [] }, false],
      ['cyclic list', cyclicList, false],
      ['array with an element of another type', { type: 'array', elementType: 'int', value: [long(1)] }, false],
      ['described array with a plain element', { type: 'array', elementType: 'int', descriptor: ulong(1), value: [int(1)] }, false],
      ['primitive', 1, false],
      ['null', null, false],
    ];
    for (const [name, x, expected] of CASES) {
      it(`${name} -> ${expected}`, () => expect(isAmqpValue(x)).to.equal(expected));
    }
  });

  describe('properties', () => {
    it('every arbitrary typed tree is an AmqpValue', () => {
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        expect(isAmqpValue(v)).to.equal(true);
      }), { numRuns: 300 });
    });

    it('fromNative(v) passes typed values through unchanged', () => {
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        expect(fromNative(v)).to.equal(v);
      }), { numRuns: 300 });
    });

    it('after one normalisation the native view is a fixed point', () => {
      // The first pass may change shape (a uuid map key becomes a string, so the Map becomes a
      // plain object); from then on fromNative/toNative must not lose or change anything.
      const roundTrip = (n: NativeValue): NativeValue => toNative(fromNative(n as NativeInput));
      fc.assert(fc.property(arbAmqpValue(3), (v) => {
        const once = roundTrip(toNative(v));
        expect(roundTrip(once)).to.deep.equal(once);
      }), { numRuns: 300 });
    });

    it('fromNative then toNative gives back JSON-like data', () => {
      fc.assert(fc.property(fc.jsonValue(), (j) => {
        // -0 becomes a double and stays -0; every other JSON value maps back to itself.
        expect(toNative(fromNative(j as NativeInput))).to.deep.equal(j);
      }), { numRuns: 300 });
    });
  });
});
