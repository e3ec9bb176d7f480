"""
Qpid Proton Python as a durable subscriber through the embedded broker (run by
proton-durable.spec.ts). Usage: proton_durable.py URL TOPIC. Prints one JSON object.

Proton's own DurableSubscription option asks for durability 'unsettled-state' (Proton calls it
DELIVERIES) and expiry 'never'; Link.detach() detaches with closed=false, Link.close() with
closed=true.
"""
import json
import sys

from proton import Message, Terminus
from proton.reactor import Container, DurableSubscription
from proton.utils import BlockingConnection

DURABILITY = {Terminus.NONDURABLE: 'none', Terminus.CONFIGURATION: 'configuration', Terminus.DELIVERIES: 'unsettled-state'}
EXPIRY = {Terminus.EXPIRE_WITH_LINK: 'link-detach', Terminus.EXPIRE_WITH_SESSION: 'session-end',
          Terminus.EXPIRE_WITH_CONNECTION: 'connection-close', Terminus.EXPIRE_NEVER: 'never'}


def connect_as(url, container_id):
    c = Container()
    c.container_id = container_id
    return BlockingConnection(url, timeout=10, container=c)


def publish(url, topic, bodies):
    conn = connect_as(url, 'py-publisher')
    s = conn.create_sender(topic)
    for b in bodies:
        s.send(Message(body=b))
    conn.close()


def subscribe(conn, topic):
    return conn.create_receiver(topic, name='py-durable-sub', credit=10, options=DurableSubscription())


def main(url, topic):
    out = {}
    # 1. Subscribe, get a live message, detach with closed=false, close the connection.
    c1 = connect_as(url, 'py-durable-app')
    r1 = subscribe(c1, topic)
    src = r1.link.remote_source
    out['answered'] = {'durable': DURABILITY[src.durability], 'expiry': EXPIRY[src.expiry_policy], 'address': src.address}
    publish(url, topic, ['live'])
    out['live'] = r1.receive(timeout=5).body
    r1.accept()
    # Proton's endpoint state does not change on a detach (only on close): the detach frame goes
    # out ahead of the connection's close.
    r1.link.detach()
    c1.close()
    # 2. Published while away.
    publish(url, topic, ['away-1', 'away-2', 'away-3'])
    # 3. Resume by container-id and link name: everything published meanwhile arrives.
    c2 = connect_as(url, 'py-durable-app')
    r2 = subscribe(c2, topic)
    resumed = []
    for _ in range(3):
        resumed.append(r2.receive(timeout=5).body)
        r2.accept()
    out['resumed'] = resumed
    # 4. End it for good: detach with closed=true.
    r2.close()
    c2.close()
    publish(url, topic, ['unrouted'])
    # 5. A new subscription under the same name starts empty.
    c3 = connect_as(url, 'py-durable-app')
    r3 = subscribe(c3, topic)
    publish(url, topic, ['fresh'])
    out['after_end'] = r3.receive(timeout=5).body
    r3.accept()
    r3.close()
    c3.close()
    return out


if __name__ == '__main__':
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
