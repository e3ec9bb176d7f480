/**
 * Byte vectors for every encoding in the types section of the AMQP 1.0 specification.
 * Each row: the hex on the wire, the typed value, and whether our encoder produces exactly that
 * hex (it must for the most compact form; non-compact forms are decode-only).
 */
import { expect } from 'chai';
import {
  array, binary, boolean, byte, char, decimal128, decimal32, decimal64, decode, described, double,
  encode, float, int, list, long, map, nullValue, short, string, symbol, timestamp, ubyte, uint,
  ulong, ushort, uuid, type AmqpValue,
} from '../../../src/amqp/index.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (h: string): Uint8Array => {
  const s = h.replace(/\s+/g, '');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
};
const seq = (n: number, byteValue = 0x78): string => byteValue.toString(16).repeat(n);

interface Vector {
  readonly name: string;
  readonly wire: string;
  readonly value: AmqpValue;
  /**
   * true when encode(value) must produce exactly `wire` (the most compact form); false rows are
   * other legal encodings that must decode to the value and re-encode to something equal.
   */
  readonly compact: boolean;
}

const x300 = 'x'.repeat(300);
const VECTORS: readonly Vector[] = [
  { name: 'null', wire: '40', value: nullValue, compact: true },
  { name: 'boolean true constant', wire: '41', value: boolean(true), compact: true },
  { name: 'boolean false constant', wire: '42', value: boolean(false), compact: true },
  { name: 'boolean 0x56 true', wire: '5601', value: boolean(true), compact: false },
  { name: 'boolean 0x56 false', wire: '5600', value: boolean(false), compact: false },
  { name: 'ubyte', wire: '50ff', value: ubyte(255), compact: true },
  { name: 'ushort', wire: '60ffff', value: ushort(65535), compact: true },
  { name: 'uint0', wire: '43', value: uint(0), compact: true },
  { name: 'smalluint', wire: '52ff', value: uint(255), compact: true },
  { name: 'uint', wire: '7000000100', value: uint(256), compact: true },
  { name: 'uint max', wire: '70ffffffff', value: uint(0xffffffff), compact: true },
  { name: 'uint as 0x70 zero', wire: '7000000000', value: uint(0), compact: false },
  { name: 'ulong0', wire: '44', value: ulong(0), compact: true },
  { name: 'smallulong', wire: '5380', value: ulong(128), compact: true },
  { name: 'ulong', wire: '800000000000000100', value: ulong(256), compact: true },
  { name: 'ulong max', wire: '80ffffffffffffffff', value: ulong(0xffffffffffffffffn), compact: true },
  { name: 'ulong as smallulong zero', wire: '5300', value: ulong(0), compact: false },
  { name: 'byte', wire: '5180', value: byte(-128), compact: true },
  { name: 'short', wire: '618000', value: short(-32768), compact: true },
  { name: 'smallint', wire: '54ff', value: int(-1), compact: true },
  { name: 'int', wire: '7180000000', value: int(-0x80000000), compact: true },
  { name: 'int 128 needs 4 bytes', wire: '7100000080', value: int(128), compact: true },
  { name: 'smalllong', wire: '557f', value: long(127), compact: true },
  { name: 'long', wire: '818000000000000000', value: long(-(1n << 63n)), compact: true },
  { name: 'long as 0x81 one', wire: '810000000000000001', value: long(1), compact: false },
  { name: 'float', wire: '723fc00000', value: float(1.5), compact: true },
  { name: 'double', wire: '82400921fb54442d18', value: double(Math.PI), compact: true },
  { name: 'decimal32', wire: '7422000001', value: decimal32(bytes('22000001')), compact: true },
  { name: 'decimal64', wire: '842238000000000001', value: decimal64(bytes('2238000000000001')), compact: true },
  { name: 'decimal128', wire: '94' + '22080000000000000000000000000001', value: decimal128(bytes('22080000000000000000000000000001')), compact: true },
  { name: 'char ascii', wire: '7300000041', value: char('A'), compact: true },
  { name: 'char astral', wire: '730001f600', value: char('\u{1F600}'), compact: true },
  { name: 'timestamp', wire: '830000018bcfe56800', value: timestamp(1700000000000), compact: true },
  { name: 'timestamp before epoch', wire: '83ffffffffffffffff', value: timestamp(-1), compact: true },
  { name: 'uuid', wire: '98' + '0123456789abcdef0123456789abcdef', value: uuid('01234567-89ab-cdef-0123-456789abcdef'), compact: true },
  { name: 'vbin8', wire: 'a003010203', value: binary(bytes('010203')), compact: true },
  { name: 'vbin8 empty', wire: 'a000', value: binary(new Uint8Array(0)), compact: true },
  { name: 'vbin32', wire: 'b00000012c' + seq(300, 0x00).padEnd(600, '0'), value: binary(new Uint8Array(300)), compact: true },
  { name: 'vbin32 small', wire: 'b00000000101', value: binary(bytes('01')), compact: false },
  { name: 'str8', wire: 'a10568656c6c6f', value: string('hello'), compact: true },
  { name: 'str8 utf-8', wire: 'a104f09f9880', value: string('\u{1F600}'), compact: true },
  { name: 'str32', wire: 'b10000012c' + '78'.repeat(300), value: string(x300), compact: true },
  { name: 'str32 small', wire: 'b10000000161', value: string('a'), compact: false },
  { name: 'sym8', wire: 'a303616263', value: symbol('abc'), compact: true },
  { name: 'sym32', wire: 'b30000012c' + '78'.repeat(300), value: symbol(x300), compact: true },
  { name: 'sym32 small', wire: 'b30000000161', value: symbol('a'), compact: false },
  { name: 'list0', wire: '45', value: list([]), compact: true },
  { name: 'list8', wire: 'c00402' + '41' + '5201', value: list([boolean(true), uint(1)]), compact: true },
  { name: 'list8 empty', wire: 'c00100', value: list([]), compact: false },
  { name: 'list32', wire: 'd0000000050000000140', value: list([nullValue]), compact: false },
  { name: 'list32 when large', wire: 'd000000135' + '00000001' + 'b10000012c' + '78'.repeat(300), value: list([string(x300)]), compact: true },
  { name: 'map8', wire: 'c10602a3016b5405', value: map([[symbol('k'), int(5)]]), compact: true },
  { name: 'map8 empty', wire: 'c10100', value: map([]), compact: true },
  { name: 'map32', wire: 'd1000000080000000243a30161', value: map([[uint(0), symbol('a')]]), compact: false },
  { name: 'array8 of int (compact)', wire: 'e0040254' + '0102', value: array('int', [int(1), int(2)]), compact: true },
  { name: 'array8 of int wide', wire: 'e00a0271' + '00000001' + '00000100', value: array('int', [int(1), int(256)]), compact: true },
  { name: 'array8 of sym8', wire: 'e00602a301610162', value: array('symbol', [symbol('a'), symbol('b')]), compact: true },
  { name: 'array8 empty of symbol', wire: 'e00200a3', value: array('symbol', []), compact: true },
  { name: 'array8 of boolean', wire: 'e004025601' + '00', value: array('boolean', [boolean(true), boolean(false)]), compact: true },
  { name: 'array8 of true constant', wire: 'e0020241', value: array('boolean', [boolean(true), boolean(true)]), compact: false },
  { name: 'array8 of uint0', wire: 'e0020243', value: array('uint', [uint(0), uint(0)]), compact: false },
  { name: 'array8 of ulong0', wire: 'e0020144', value: array('ulong', [ulong(0)]), compact: false },
  { name: 'array8 of null', wire: 'e0020240', value: array('null', [nullValue, nullValue]), compact: true },
  { name: 'array32 of str32', wire: 'f00000013a' + '00000002' + 'b1' + '00000001' + '61' + '0000012c' + '78'.repeat(300), value: array('string', [string('a'), string(x300)]), compact: true },
  { name: 'array32 small', wire: 'f0000000060000000152' + '07', value: array('uint', [uint(7)]), compact: false },
  { name: 'array of list8', wire: 'e00802c0' + '030154' + '01' + '0100', value: array('list', [list([int(1)]), list([])]), compact: true },
  { name: 'array of list0', wire: 'e0020245', value: array('list', [list([]), list([])]), compact: false },
  { name: 'array of map8', wire: 'e00601c1' + '0302' + '4140', value: array('map', [map([[boolean(true), nullValue]])]), compact: true },
  { name: 'array of array8', wire: 'e00902e0' + '03015401' + '020054', value: array('array', [array('int', [int(1)]), array('int', [])]), compact: true },
  {
    name: 'described array',
    wire: 'e0070100a301645201',
    value: array('uint', [described(symbol('d'), uint(1))], symbol('d')),
    compact: true,
  },
  { name: 'described with ulong descriptor', wire: '005370c0030152' + '01', value: described(ulong(0x70), list([uint(1)])), compact: true },
  { name: 'described compact', wire: '00a30361626342', value: described(symbol('abc'), boolean(false)), compact: true },
  { name: 'described with full ulong descriptor', wire: '00800000000000000070' + '45', value: described(ulong(0x70), list([])), compact: false },
  { name: 'nested described', wire: '00530100530240', value: described(ulong(1), described(ulong(2), nullValue)), compact: false },
];

describe('amqp/codec vectors', () => {
  for (const vec of VECTORS) {
    it(`decodes ${vec.name}`, () => {
      expect(decode(bytes(vec.wire))).to.deep.equal(vec.value);
    });
    it(`${vec.compact ? 'encodes' : 're-encodes compactly'} ${vec.name}`, () => {
      const out = encode(vec.value);
      if (vec.compact) expect(hex(out)).to.equal(vec.wire);
      else expect(decode(out)).to.deep.equal(vec.value);
    });
  }

  it('rejects trailing bytes after one value', () => {
    expect(() => decode(bytes('00a30361626342' + '43'))).to.throw(/trailing/);
  });
});
