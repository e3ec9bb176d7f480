"""A $cbs node on Qpid Proton (python3-qpid-proton), as Azure Service Bus serves it: put-token
requests arrive on links to $cbs, replies go to the link whose name or target is the request's
reply-to, with correlation-id = the request's message-id and status-code / status-description in
the application properties. Tokens starting with "good" are accepted (200), others refused (401).
Links to any other address are refused with amqp:unauthorized-access until a token was accepted
on the connection. Each put-token is printed as one line: PUT <token> <type> <name> <expiration
type name>. Run: python3 cbs_proton_peer.py PORT. Prints READY when listening."""
import sys

from proton import Condition, Message
from proton.handlers import MessagingHandler
from proton.reactor import Container


class CbsPeer(MessagingHandler):
    def __init__(self, url):
        super().__init__()
        self.url = url
        self.reply_links = {}
        # Containers (one per rx-mq connection) whose token was accepted; links refused after their attach.
        self.claimed = set()
        self.refuse = set()

    def on_start(self, event):
        self.acceptor = event.container.listen(self.url)
        print("READY", flush=True)

    def on_link_opening(self, event):
        link = event.link
        link.source.copy(link.remote_source)
        link.target.copy(link.remote_target)
        if link.is_sender and link.remote_source.address == "$cbs":
            # A reply link: found by its name or its target address (the reply-to).
            self.reply_links[link.name] = link
            if link.remote_target.address:
                self.reply_links[link.remote_target.address] = link
            return
        if not link.is_sender and link.remote_target.address == "$cbs":
            return
        if event.connection.remote_container not in self.claimed:
            # Refused once the attach is answered (on_link_opened): attach, then detach with the error.
            self.refuse.add(link.name)

    def on_link_opened(self, event):
        link = event.link
        if link.name in self.refuse:
            self.refuse.discard(link.name)
            link.condition = Condition("amqp:unauthorized-access", "put a token to $cbs first")
            link.close()

    def on_message(self, event):
        if event.link.remote_target.address != "$cbs":
            return
        request = event.message
        props = request.properties or {}
        expiration = props.get("expiration")
        print("PUT %s %s %s %s" % (request.body, props.get("type"), props.get("name"), type(expiration).__name__), flush=True)
        ok = props.get("operation") == "put-token" and str(request.body).startswith("good")
        if ok:
            self.claimed.add(event.connection.remote_container)
        reply = Message(
            correlation_id=request.id,
            properties={"status-code": 200 if ok else 401, "status-description": "OK" if ok else "InvalidSignature"},
        )
        link = self.reply_links.get(request.reply_to)
        if link is not None:
            link.send(reply)


if __name__ == "__main__":
    Container(CbsPeer("127.0.0.1:%s" % sys.argv[1])).run()
