/**
 * A tour of the AMQP 1.0 type system: encodings on the wire, the composite-data JSON form and
 * lossless round trips.   npx tsx examples/types-tour.ts
 */
import {
  decode, described, encode, fromCompositeJson, list, map, string, symbol, timestamp, toCompositeJson,
  ulong, uint, binary, type AmqpValue,
} from '../src/amqp/index.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

console.log('rx-mq demo: the AMQP 1.0 type system\n');

// A properties section as a broker would send it: a described list with a ulong descriptor.
const properties: AmqpValue = described(ulong(0x73), list([
  string('order-42'), // message-id
  binary(new TextEncoder().encode('alice')), // user-id
  string('orders'), // to
]));
const applicationProperties = described(ulong(0x74), map([
  [string('region'), string('eu-west')],
  [string('attempt'), uint(3)],
  [string('created'), timestamp(new Date('2026-11-25T08:00:00Z'))],
  [string('big'), ulong(18446744073709551615n)],
]));

for (const [name, v] of [['properties', properties], ['application-properties', applicationProperties]] as const) {
  const bytes = encode(v);
  console.log(`${name}: ${bytes.length} bytes`);
  console.log(`  wire   ${hex(bytes)}`);
  const back = decode(bytes);
  console.log(`  json   ${JSON.stringify(toCompositeJson(back, { simplified: true }))}`);
  const again = fromCompositeJson(toCompositeJson(back));
  console.log(`  lossless round trip: ${show(again) === show(v) ? 'yes' : 'NO'}\n`);
}
console.log(`a symbol stays a symbol: ${show(decode(encode(symbol('amqp:accepted:list'))))}`);
