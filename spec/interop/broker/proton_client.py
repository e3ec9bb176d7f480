"""
Qpid Proton Python client scenarios against the embedded broker (run by proton-client.spec.ts).
Usage: proton_client.py URL SCENARIO [USER PASSWORD], or for tls_* scenarios
proton_client.py URL SCENARIO CA [CERT KEY] (TLS, SASL EXTERNAL with CERT). Prints one JSON object.
"""
import json
import sys

from proton import Message
from proton.reactor import Copy, Selector
from proton.utils import BlockingConnection


def connect(url, user=None, password=None):
    if user is None:
        return BlockingConnection(url, timeout=10)
    return BlockingConnection(url, timeout=10, user=user, password=password, allowed_mechs='PLAIN', allow_insecure_mechs=True)


def roundtrip(conn):
    s = conn.create_sender('py-q')
    for i in range(3):
        s.send(Message(body='m%d' % i, properties={'i': i}))
    r = conn.create_receiver('py-q', credit=10)
    got = []
    for _ in range(3):
        m = r.receive(timeout=5)
        got.append([m.body, m.properties['i']])
        r.accept()
    return {'got': got}


def competing(conn):
    r1 = conn.create_receiver('py-cc', credit=5, name='cc-1')
    r2 = conn.create_receiver('py-cc', credit=5, name='cc-2')
    s = conn.create_sender('py-cc')
    for i in range(10):
        s.send(Message(body=i))
    a = []
    b = []
    for _ in range(5):
        a.append(r1.receive(timeout=5).body)
        r1.accept()
        b.append(r2.receive(timeout=5).body)
        r2.accept()
    return {'a': a, 'b': b}


def topic(conn):
    r1 = conn.create_receiver('topic/py-news', credit=10, name='sub-1')
    r2 = conn.create_receiver('topic/py-news', credit=10, name='sub-2')
    s = conn.create_sender('topic/py-news')
    for i in range(3):
        s.send(Message(body='n%d' % i))
    out = []
    for r in (r1, r2):
        got = []
        for _ in range(3):
            got.append(r.receive(timeout=5).body)
            r.accept()
        out.append(got)
    return {'subscribers': out}


def reply_to(conn):
    replies = conn.create_receiver(None, dynamic=True, credit=5)
    address = replies.remote_source.address
    service = conn.create_receiver('py-service', credit=5)
    requests = conn.create_sender('py-service')
    relay = conn.create_sender(None)
    requests.send(Message(body='ping', reply_to=address, correlation_id='c-1'))
    req = service.receive(timeout=5)
    service.accept()
    relay.send(Message(address=req.reply_to, body='pong', correlation_id=req.correlation_id))
    rep = replies.receive(timeout=5)
    replies.accept()
    return {'address': address, 'body': rep.body, 'correlation_id': rep.correlation_id}


def released(conn):
    s = conn.create_sender('py-rel')
    s.send(Message(body='again'))
    r = conn.create_receiver('py-rel', credit=1)
    first = r.receive(timeout=5)
    r.release(delivered=False)
    second = r.receive(timeout=5)
    r.release(delivered=True)
    third = r.receive(timeout=5)
    r.accept()
    return {'bodies': [first.body, second.body, third.body], 'counts': [first.delivery_count, second.delivery_count, third.delivery_count]}


def rejected(conn):
    s = conn.create_sender('py-rej')
    s.send(Message(body='poison'))
    r = conn.create_receiver('py-rej', credit=1)
    r.receive(timeout=5)
    r.reject()
    dead = conn.create_receiver('py-dead', credit=1)
    m = dead.receive(timeout=5)
    dead.accept()
    return {'dead': m.body}


def large(conn):
    body = bytes((i * 7) & 0xff for i in range(300 * 1024))
    s = conn.create_sender('py-big')
    s.send(Message(body=body))
    r = conn.create_receiver('py-big', credit=1)
    m = r.receive(timeout=10)
    r.accept()
    return {'same': bytes(m.body) == body, 'size': len(m.body)}


def queue_prefix(conn):
    # BlockingConnection refuses a link whose answered address differs from the requested one.
    s = conn.create_sender('/queue/py-prefix')
    s.send(Message(body='via-prefix'))
    r = conn.create_receiver('/queue/py-prefix', credit=1)
    m = r.receive(timeout=5)
    r.accept()
    return {'body': m.body, 'source': r.link.remote_source.address, 'target': s.link.remote_target.address,
            'durable': r.link.remote_source.durability}


def selector_copy(conn):
    s = conn.create_sender('/queue/py-sel')
    for i, color in enumerate(['red', 'blue', 'red']):
        s.send(Message(body='%s-%d' % (color, i), properties={'color': color}, priority=i + 3))
    # A browser first: it gets copies and the queue keeps all three.
    b = conn.create_receiver('/queue/py-sel', credit=10, name='py-browser', options=Copy())
    browsed = []
    for _ in range(3):
        browsed.append(b.receive(timeout=5).body)
        b.accept()
    r = conn.create_receiver('/queue/py-sel', credit=10, name='py-red', options=Selector("color = 'red' AND JMSPriority >= 3"))
    red = []
    for _ in range(2):
        red.append(r.receive(timeout=5).body)
        r.accept()
    data = r.link.remote_source.filter
    data.rewind()
    data.next()
    answered = data.get_object()
    rest = conn.create_receiver('/queue/py-sel', credit=10, name='py-rest')
    other = rest.receive(timeout=5).body
    rest.accept()
    return {'browsed': browsed, 'red': red, 'other': other, 'mode': b.link.remote_source.distribution_mode,
            'filter_keys': sorted(str(k) for k in answered.keys())}


def tls_connect(url, ca, cert=None, key=None):
    from proton import SSLDomain
    domain = SSLDomain(SSLDomain.MODE_CLIENT)
    domain.set_trusted_ca_db(ca)
    domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME)
    if cert is not None:
        domain.set_credentials(cert, key, None)
    # The broker's certificate names localhost (and 127.0.0.1, which Proton does not check names against).
    return BlockingConnection(url, timeout=10, ssl_domain=domain, virtual_host='localhost',
                              allowed_mechs='EXTERNAL' if cert else 'PLAIN ANONYMOUS')


def tls_external(conn):
    s = conn.create_sender('alice.py')
    s.send(Message(body='by certificate'))
    r = conn.create_receiver('alice.py', credit=1)
    m = r.receive(timeout=5)
    r.accept()
    try:
        conn.create_receiver('secrets', credit=1)
        refused = None
    except Exception as e:  # noqa: BLE001 - the condition is what the test checks
        refused = str(e)
    return {'body': m.body, 'refused': refused}


def main():
    url, scenario = sys.argv[1], sys.argv[2]
    user = sys.argv[3] if len(sys.argv) > 3 else None
    password = sys.argv[4] if len(sys.argv) > 4 else None
    try:
        if scenario.startswith('tls_'):
            conn = tls_connect(url, *sys.argv[3:6]) if len(sys.argv) > 4 else tls_connect(url, sys.argv[3])
        else:
            conn = connect(url, user, password)
    except Exception as e:  # noqa: BLE001 - reported to the test
        print(json.dumps({'connect_error': type(e).__name__}))
        return
    try:
        result = globals()[scenario](conn)
    finally:
        conn.close()
    print(json.dumps(result))


main()
