"""Qpid Proton side of spec/interop/codec-proton.spec.ts.

Reads one JSON list of cases on stdin and writes one JSON list of results on stdout, so the
whole interop table costs a single interpreter start. Each case is either
  {"op": "encode", "spec": SPEC}  -> {"hex": "..."}       (Proton encodes the value)
  {"op": "decode", "hex": "..."}  -> {"spec": SPEC}       (Proton decodes and describes it)
and a failure becomes {"error": "..."} for that case only, so one bad case cannot hide the others.

SPEC is the typed description both sides share:
  {"t": "null"} | {"t": "boolean", "v": true}
  integers, char (code point), timestamp: {"t": name, "v": decimal string}
  float/double: {"t": name, "v": hex of the big-endian IEEE bits} (exact, NaN included)
  decimal32/64/128, uuid, binary: {"t": name, "v": hex}
  string/symbol: {"t": name, "v": text}
  list: {"t": "list", "v": [SPEC...]}    map: {"t": "map", "v": [[SPEC, SPEC]...]}
  array: {"t": "array", "elem": name, "v": [SPEC...], "d": SPEC (described arrays only)}
  described: {"t": "described", "d": SPEC, "v": SPEC}
"""
import json
import struct
import sys
import uuid

from proton import Data

# Proton's type codes by our type names; 'boolean' is Proton's 'bool'.
CODES = {
    'null': Data.NULL, 'boolean': Data.BOOL, 'ubyte': Data.UBYTE, 'ushort': Data.USHORT,
    'uint': Data.UINT, 'ulong': Data.ULONG, 'byte': Data.BYTE, 'short': Data.SHORT,
    'int': Data.INT, 'long': Data.LONG, 'float': Data.FLOAT, 'double': Data.DOUBLE,
    'decimal32': Data.DECIMAL32, 'decimal64': Data.DECIMAL64, 'decimal128': Data.DECIMAL128,
    'char': Data.CHAR, 'timestamp': Data.TIMESTAMP, 'uuid': Data.UUID, 'binary': Data.BINARY,
    'string': Data.STRING, 'symbol': Data.SYMBOL, 'list': Data.LIST, 'map': Data.MAP,
    'array': Data.ARRAY, 'described': Data.DESCRIBED,
}
NAMES = {code: name for name, code in CODES.items()}


def put(data, spec):
    """Append one SPEC to `data` with Proton's typed put_* calls."""
    t = spec['t']
    v = spec.get('v')
    if t == 'null':
        data.put_null()
    elif t == 'boolean':
        data.put_bool(v)
    elif t in ('ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long', 'timestamp'):
        getattr(data, 'put_' + t)(int(v))
    elif t == 'char':
        data.put_char(chr(int(v)))
    elif t == 'float':
        data.put_float(struct.unpack('>f', bytes.fromhex(v))[0])
    elif t == 'double':
        data.put_double(struct.unpack('>d', bytes.fromhex(v))[0])
    elif t == 'decimal32':
        data.put_decimal32(int(v, 16))
    elif t == 'decimal64':
        data.put_decimal64(int(v, 16))
    elif t == 'decimal128':
        data.put_decimal128(bytes.fromhex(v))
    elif t == 'uuid':
        data.put_uuid(uuid.UUID(bytes=bytes.fromhex(v)))
    elif t == 'binary':
        data.put_binary(bytes.fromhex(v))
    elif t == 'string':
        data.put_string(v)
    elif t == 'symbol':
        data.put_symbol(v)
    elif t == 'list':
        data.put_list()
        data.enter()
        for item in v:
            put(data, item)
        data.exit()
    elif t == 'map':
        data.put_map()
        data.enter()
        for key, item in v:
            put(data, key)
            put(data, item)
        data.exit()
    elif t == 'array':
        described = 'd' in spec
        data.put_array(described, CODES[spec['elem']])
        data.enter()
        if described:
            put(data, spec['d'])
        for item in v:
            put(data, item)
        data.exit()
    elif t == 'described':
        data.put_described()
        data.enter()
        put(data, spec['d'])
        put(data, v)
        data.exit()
    else:
        raise ValueError('unknown type in spec: %r' % (t,))


def get(data):
    """Describe the value at the cursor (already positioned by next()) as a SPEC."""
    code = data.type()
    t = NAMES.get(code)
    if t is None:
        raise ValueError('unexpected Proton type code %r' % (code,))
    if t == 'null':
        return {'t': 'null'}
    if t == 'boolean':
        return {'t': t, 'v': data.get_bool()}
    if t in ('ubyte', 'ushort', 'uint', 'ulong', 'byte', 'short', 'int', 'long', 'timestamp'):
        return {'t': t, 'v': str(int(getattr(data, 'get_' + t)()))}
    if t == 'char':
        return {'t': t, 'v': str(ord(data.get_char()))}
    if t == 'float':
        return {'t': t, 'v': struct.pack('>f', data.get_float()).hex()}
    if t == 'double':
        return {'t': t, 'v': struct.pack('>d', data.get_double()).hex()}
    if t == 'decimal32':
        return {'t': t, 'v': '%08x' % int(data.get_decimal32())}
    if t == 'decimal64':
        return {'t': t, 'v': '%016x' % int(data.get_decimal64())}
    if t == 'decimal128':
        return {'t': t, 'v': bytes(data.get_decimal128()).hex()}
    if t == 'uuid':
        return {'t': t, 'v': data.get_uuid().bytes.hex()}
    if t == 'binary':
        return {'t': t, 'v': bytes(data.get_binary()).hex()}
    if t == 'string':
        return {'t': t, 'v': data.get_string()}
    if t == 'symbol':
        return {'t': t, 'v': str(data.get_symbol())}
    if t == 'list':
        count = data.get_list()
        return {'t': t, 'v': children(data, count)}
    if t == 'map':
        count = data.get_map()
        flat = children(data, count)
        return {'t': t, 'v': [[flat[i], flat[i + 1]] for i in range(0, len(flat), 2)]}
    if t == 'array':
        count, described, elem = data.get_array()
        data.enter()
        out = {'t': t, 'elem': NAMES[elem]}
        if described:
            data.next()
            out['d'] = get(data)
        items = []
        for _ in range(count):
            data.next()
            items.append(get(data))
        data.exit()
        out['v'] = items
        return out
    # described
    data.enter()
    data.next()
    descriptor = get(data)
    data.next()
    value = get(data)
    data.exit()
    return {'t': t, 'd': descriptor, 'v': value}


def children(data, count):
    data.enter()
    items = []
    for _ in range(count):
        data.next()
        items.append(get(data))
    data.exit()
    return items


def run(case):
    data = Data()
    if case['op'] == 'encode':
        put(data, case['spec'])
        return {'hex': data.encode().hex()}
    raw = bytes.fromhex(case['hex'])
    consumed = data.decode(raw)
    if consumed != len(raw):
        raise ValueError('Proton consumed %d of %d bytes' % (consumed, len(raw)))
    data.rewind()
    data.next()
    return {'spec': get(data)}


def main():
    results = []
    for case in json.load(sys.stdin):
        try:
            results.append(run(case))
        except Exception as e:  # reported per case; the test decides what is acceptable
            results.append({'error': '%s: %s' % (type(e).__name__, e)})
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
