/**
 * Cross-implementation check against rhea's codec (rhea.types):
 * (a) rhea encodes (its wrap_* helpers and Writer) -> our decode gives the expected typed value;
 * (b) our encode -> rhea's Reader -> its Typed result has the expected type name and value.
 * rhea's own quirks are asserted as they are (see the comments on each row), never skipped.
 */
import { expect } from 'chai';
import rhea, { type Typed } from 'rhea';
import {
  ByteReader, binary, boolean, decode, encode, list, map, readValue, string, timestamp, ubyte, uint,
  ulong, type AmqpValue,
} from '../../../src/amqp/index.js';
import { R, ROWS, view } from './rhea-cases.js';
import { rheaTypes } from './rhea-codec.js';

const t = rheaTypes;
const bin = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

function rheaEncode(x: Typed): Uint8Array {
  const w = new t.Writer();
  w.write(x);
  // A plain Uint8Array copy: what a socket hands us is not necessarily a Buffer.
  return new Uint8Array(w.toBuffer());
}

function rheaRead(bytes: Uint8Array): Typed {
  const r = new t.Reader(Buffer.from(bytes));
  const value = r.read();
  expect(r.remaining(), 'rhea left bytes unread').to.equal(0);
  return value;
}

describe('interop: AMQP codec vs rhea', function () {
  describe('(a) rhea encodes, we decode', function () {
    for (const row of ROWS) {
      it(row.name, function () {
        if (typeof row.rhea === 'function') {
          expect(decode(rheaEncode(row.rhea()))).to.deep.equal(row.ours);
        } else {
          const { attempt, throws } = row.rhea;
          expect(() => rheaEncode(attempt())).to.throw(throws);
        }
      });
    }
  });

  describe('(b) we encode, rhea decodes', function () {
    for (const row of ROWS) {
      it(row.name, function () {
        expect(view(rheaRead(encode(row.ours)))).to.deep.equal(row.view);
      });
    }
  });

  it('our re-encoding of rhea bytes is what rhea reads back the same way', function () {
    // rhea writes list32/map32/array32 everywhere; after our decode+encode the compact forms must
    // still read in rhea as the same values (type names aside from the width).
    const original = t.wrap_list([t.wrap_ulong(0x10), 'x', new Map([[t.wrap_symbol('a'), t.wrap_int(5)]])]);
    const ours = encode(decode(rheaEncode(original)));
    expect(ours.length).to.be.lessThan(rheaEncode(original).length);
    expect(view(rheaRead(ours))).to.deep.equal(
      R('List8', [R('SmallUlong', 0x10), R('Str8', 'x'), R('Map8', [R('Sym8', 'a'), R('SmallInt', 5)])]),
    );
  });

  it('a message encoded by rhea.message decodes into our typed sections', function () {
    const bytes = new Uint8Array(rhea.message.encode({
      durable: true, priority: 7, message_id: 'id-1', to: 'q1', subject: 'greeting',
      creation_time: new Date(1700000000000), application_properties: { n: 42, ok: true },
      body: rhea.message.data_section(Buffer.from('hi')),
    }));
    const r = new ByteReader(bytes);
    const sections: AmqpValue[] = [];
    while (r.pos < r.end) sections.push(readValue(r, 0));
    const descriptors = sections.map((s) => (s.type === 'described' ? s.descriptor : s));
    expect(descriptors).to.deep.equal([ulong(0x70), ulong(0x73), ulong(0x74), ulong(0x75)]);
    const [header, props, app, data] = sections.map((s) => (s.type === 'described' ? s.value : s));
    // rhea trims trailing unset header fields, as the spec allows.
    expect(header).to.deep.equal(list([boolean(true), ubyte(7)]));
    expect(props.type).to.equal('list');
    const fields = (props as { value: readonly AmqpValue[] }).value;
    expect(fields[0]).to.deep.equal(string('id-1'));
    expect(fields[2]).to.deep.equal(string('q1'));
    expect(fields[3]).to.deep.equal(string('greeting'));
    expect(fields[9]).to.deep.equal(timestamp(1700000000000));
    // Plain JS numbers in application properties become smalluint in rhea; booleans true/false.
    expect(app).to.deep.equal(map([[string('n'), uint(42)], [string('ok'), boolean(true)]]));
    expect(data).to.deep.equal(binary(bin(Buffer.from('hi').toString('hex'))));
  });
});
