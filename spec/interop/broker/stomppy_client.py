"""stomp.py as an independent STOMP client of the embedded broker.

usage: stomppy_client.py MODE PORT DEST [ARGS...]
  send PORT DEST          - sends the test messages with receipts, waits for every receipt
  recv PORT DEST N ACK    - subscribes with ack mode ACK ('auto', 'client-individual', or 'nack-first':
                            NACK the first delivery and ACK everything else); prints N messages
  tx PORT DEST            - commits a transaction of two SENDs, aborts one with a third
  login PORT USER PASS    - connects with these credentials; prints CONNECTED or ERROR <message>
  heartbeat PORT DEST     - heart-beats every 100 ms, stays 1.5 s, then sends with a receipt
  hold PORT DEST          - subscribes client-individual, prints messages, never acknowledges, waits
  select PORT DEST SEL N  - subscribes with the `selector` header SEL; prints N messages (then waits 0.5 s
                            for any more, which fails the run), or ERROR <message> when refused
stomp.py speaks 1.1 in `send`, 1.2 in the other modes. Messages are printed as JSON lines (hex bodies, headers). Bodies are never decoded (auto_decode=False).
"""
import json
import sys
import threading
import time

import stomp


_out = threading.Lock()


def emit(line):
    """One stdout line, whole: stomp.py's receiver thread and the main thread both print, and
    print() writes the text and its newline separately, so unlocked lines could interleave."""
    with _out:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()

mode, port = sys.argv[1], int(sys.argv[2])
dest = sys.argv[3] if len(sys.argv) > 3 else ''
BODIES = [
    ('text', 'py-text-\u00e9'.encode('utf-8'), {'content-type': 'text/plain;charset=utf-8'}),
    ('binary', bytes(range(256)), {'content-type': 'application/octet-stream'}),
    ('nul', b'\x00\x01\x00', {}),
]


class Listener(stomp.ConnectionListener):
    def __init__(self):
        self.receipts = set()
        self.errors = []
        self.messages = []
        self.cond = threading.Condition()

    def on_receipt(self, frame):
        with self.cond:
            self.receipts.add(frame.headers.get('receipt-id'))
            self.cond.notify_all()

    def on_error(self, frame):
        with self.cond:
            self.errors.append(frame.headers.get('message'))
            self.cond.notify_all()

    def on_message(self, frame):
        with self.cond:
            self.messages.append(frame)
            self.cond.notify_all()

    def wait(self, pred, timeout=10):
        end = time.time() + timeout
        with self.cond:
            while not pred():
                left = end - time.time()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True


def open_conn(heartbeats=(0, 0), user='guest', passcode='guest', wait=True, version=12):
    kind = stomp.Connection12 if version == 12 else stomp.Connection11
    conn = kind([('127.0.0.1', port)], vhost='/', auto_decode=False, heartbeats=heartbeats)
    listener = Listener()
    conn.set_listener('l', listener)
    conn.connect(user, passcode, wait=wait)
    return conn, listener


def show(frame):
    emit(json.dumps({'hex': frame.body.hex(), 'headers': frame.headers}))


if mode == 'send':
    conn, l = open_conn(version=11)  # STOMP 1.1 escaping here, 1.2 everywhere else
    for kind, body, extra in BODIES:
        headers = {'x-kind': kind, 'x-odd': 'a:b\\c\nd', 'correlation-id': 'corr-' + kind,
                   'persistent': 'true', 'priority': '7', 'reply-to': '/queue/replies', **extra}
        conn.send(dest, body, headers=headers, receipt='r-' + kind)
    ok = l.wait(lambda: len(l.receipts) == len(BODIES))
    conn.disconnect(receipt='bye')
    sys.exit(0 if ok else 2)
elif mode == 'recv':
    want, ack = int(sys.argv[4]), sys.argv[5]
    conn, l = open_conn()
    nacked = []

    class Acker(stomp.ConnectionListener):
        def on_message(self, frame):
            show(frame)
            if ack == 'auto':
                return
            token = frame.headers['ack']
            if ack == 'nack-first' and not nacked:
                nacked.append(token)
                conn.nack(token)
            else:
                conn.ack(token)

    conn.set_listener('acker', Acker())
    conn.subscribe(dest, id='py-1', ack='auto' if ack == 'auto' else 'client-individual')
    emit(json.dumps({'ready': True}))
    ok = l.wait(lambda: len(l.messages) >= want, 15)
    time.sleep(0.2)
    conn.disconnect(receipt='bye')
    sys.exit(0 if ok and len(l.messages) == want else 2)
elif mode == 'tx':
    conn, l = open_conn()
    t1 = conn.begin()
    conn.send(dest, b'tx-1', transaction=t1)
    conn.send(dest, b'tx-2', transaction=t1)
    t2 = conn.begin()
    conn.send(dest, b'tx-aborted', transaction=t2)
    conn.abort(t2)
    conn.commit(t1, receipt='committed')
    ok = l.wait(lambda: 'committed' in l.receipts)
    conn.disconnect(receipt='bye')
    sys.exit(0 if ok else 2)
elif mode == 'login':
    user, passcode = sys.argv[3], sys.argv[4]
    try:
        conn, l = open_conn(user=user, passcode=passcode, wait=False)
    except Exception as e:  # noqa: BLE001 - any failure to connect is reported the same way
        emit('EXCEPTION ' + type(e).__name__)
        sys.exit(0)
    conn_l = l
    got = conn_l.wait(lambda: conn_l.errors or conn.is_connected(), 5)
    time.sleep(0.3)
    if conn_l.errors:
        emit('ERROR ' + conn_l.errors[0])
        emit('CONNECTED-AFTER ' + str(conn.is_connected()))
    elif conn.is_connected():
        emit('CONNECTED')
        conn.disconnect()
    sys.exit(0)
elif mode == 'heartbeat':
    conn, l = open_conn(heartbeats=(100, 100))
    time.sleep(1.5)
    alive = conn.is_connected()
    conn.send(dest, b'still here', receipt='hb')
    ok = l.wait(lambda: 'hb' in l.receipts, 5)
    emit(json.dumps({'alive': alive, 'receipt': ok}))
    conn.disconnect()
    sys.exit(0 if alive and ok else 2)
elif mode == 'hold':
    conn, l = open_conn()

    class Printer(stomp.ConnectionListener):
        def on_message(self, frame):
            show(frame)

    conn.set_listener('printer', Printer())
    conn.subscribe(dest, id='py-hold', ack='client-individual')
    time.sleep(30)
elif mode == 'select':
    selector, want = sys.argv[4], int(sys.argv[5])
    conn, l = open_conn()
    conn.subscribe(dest, id='py-sel', ack='auto', headers={'selector': selector})
    emit(json.dumps({'ready': True}))
    ok = l.wait(lambda: len(l.messages) >= want or l.errors, 15)
    time.sleep(0.5)
    if l.errors:
        emit('ERROR ' + l.errors[0])
        sys.exit(0)
    for frame in l.messages:
        show(frame)
    if conn.is_connected():
        conn.disconnect(receipt='bye')
    sys.exit(0 if ok and len(l.messages) == want else 2)
else:
    sys.exit('unknown mode ' + mode)
