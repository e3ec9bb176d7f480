"""A tiny store-and-forward AMQP 1.0 peer built on Qpid Proton (python3-qpid-proton), used as an
independent listening peer in the interop tests. Messages sent to an address are queued; receivers
attached to that address get them as credit allows. Run: python3 proton_peer.py PORT [IDLE_MS]
Prints READY when listening."""
import collections
import sys

from proton import Delivery
from proton.handlers import MessagingHandler
from proton.reactor import Container


class Peer(MessagingHandler):
    def __init__(self, url, idle_ms):
        # Outcomes are chosen per message below, so nothing is accepted automatically.
        super().__init__(auto_accept=False)
        self.url = url
        self.idle_ms = idle_ms
        self.queues = collections.defaultdict(collections.deque)
        self.consumers = collections.defaultdict(list)

    def on_start(self, event):
        self.acceptor = event.container.listen(self.url)
        print("READY", flush=True)

    def on_connection_opening(self, event):
        if self.idle_ms:
            event.connection.transport.idle_timeout = self.idle_ms / 1000.0

    def on_link_opening(self, event):
        link = event.link
        if link.is_sender:
            if link.remote_source.dynamic:
                # A dynamic node (e.g. a reply-to queue): the peer names it.
                self.dynamic_count = getattr(self, "dynamic_count", 0) + 1
                address = "dynamic-%d" % self.dynamic_count
            else:
                address = link.remote_source.address
            link.source.address = address
            self.consumers[address].append(link)
        else:
            link.target.address = link.remote_target.address

    def on_link_closing(self, event):
        link = event.link
        if link.is_sender:
            for links in self.consumers.values():
                if link in links:
                    links.remove(link)

    def on_message(self, event):
        # A link with no target is an anonymous relay: the message's `to` names the node.
        address = event.link.remote_target.address or event.message.address
        if event.message.subject == "reject-me":
            self.reject(event.delivery)
            return
        if event.message.subject == "release-me":
            self.release(event.delivery, delivered=False)
            return
        if event.message.subject == "modify-me":
            delivery = event.delivery
            delivery.local.failed = True
            delivery.local.undeliverable = True
            delivery.update(Delivery.MODIFIED)
            delivery.settle()
            return
        self.queues[address].append(event.message)
        self.accept(event.delivery)
        self.dispatch(address)

    def on_sendable(self, event):
        self.dispatch(event.link.source.address)

    def dispatch(self, address):
        queue = self.queues[address]
        for link in self.consumers[address]:
            while queue and link.credit > 0:
                link.send(queue.popleft())
        for link in self.consumers[address]:
            if link.drain_mode and not queue:
                link.drained()


if __name__ == "__main__":
    port = sys.argv[1]
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    Container(Peer("127.0.0.1:%s" % port, idle)).run()
