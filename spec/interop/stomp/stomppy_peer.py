"""stomp.py as an independent STOMP peer for interop tests.

usage: stomppy_peer.py send PORT DEST   - sends the three test messages, then disconnects
       stomppy_peer.py recv PORT DEST N - prints N received messages as JSON lines (hex bodies)
Bodies are never decoded (auto_decode=False): we compare bytes.
"""
import json
import sys
import threading

import stomp

_out = threading.Lock()


def emit(line):
    """One whole stdout line: the listener thread and the main thread both print, and print()
    writes text and newline separately, so unlocked lines could interleave."""
    with _out:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()

# The broker is HOST:PORT (or a port on 127.0.0.1).
mode, address, dest = sys.argv[1], sys.argv[2], sys.argv[3]
host, _, port = address.rpartition(':')
conn = stomp.Connection([(host.strip('[]') or '127.0.0.1', int(port))], vhost='/', auto_decode=False, heartbeats=(0, 0))

BODIES = [('text', 'py-text-\u00e9'.encode('utf-8')), ('binary', bytes(range(256))), ('nul', b'\x00\x01\x00')]

if mode == 'send':
    conn.connect('guest', 'guest', wait=True)
    for kind, body in BODIES:
        conn.send(dest, body, headers={'x-kind': kind, 'x-odd': 'a:b\\c'}, receipt='r-' + kind)
    conn.disconnect(receipt='bye')
elif mode == 'recv':
    want = int(sys.argv[4])
    done = threading.Event()
    got = []

    class L(stomp.ConnectionListener):
        def on_message(self, frame):
            got.append(frame)
            emit(json.dumps({'hex': frame.body.hex(), 'headers': frame.headers}))
            if len(got) >= want:
                done.set()

    conn.set_listener('l', L())
    conn.connect('guest', 'guest', wait=True)
    conn.subscribe(dest, id='py-1', ack='auto')
    emit(json.dumps({'ready': True}))
    ok = done.wait(15)
    conn.disconnect()
    sys.exit(0 if ok else 2)
