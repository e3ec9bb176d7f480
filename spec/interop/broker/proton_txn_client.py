"""
Qpid Proton Python's transaction API (Container.declare_transaction, Transaction.send, accept,
commit, abort) against the embedded broker; run by proton-transactions.spec.ts.
Usage: proton_txn_client.py URL SCENARIO QUEUE. Prints one JSON object with what it saw.

Scenarios:
  commit        post 3 messages in a transaction; a plain receiver on the same queue must see none
                of them before the commit and all of them after it.
  abort         the same, aborted: none arrive; a plain message sent afterwards does.
  accept-abort  3 plain messages accepted in a transaction that is aborted: they are delivered
                again; accepted in a second transaction that commits, they are gone.
"""
import json
import sys

from proton import Message
from proton.handlers import MessagingHandler, TransactionHandler
from proton.reactor import Container

URL, SCENARIO, QUEUE = sys.argv[1], sys.argv[2], sys.argv[3]


class Scenario(MessagingHandler, TransactionHandler):
    def __init__(self):
        super(Scenario, self).__init__(prefetch=10, auto_accept=False)
        self.result = {'events': []}
        self.received = []
        self.settled_in_txn = 0
        self.txn = None
        self.phase = 'start'
        self.timers = []
        self.first = []
        self.second = []

    def log(self, what):
        self.result['events'].append(what)

    def later(self, delay, f):
        outer = self

        class Task(object):
            def on_timer_task(self, _event):
                f()
        self.timers.append(outer.container.schedule(delay, Task()))

    def finish(self):
        self.done = True
        self.conn.close()

    def on_start(self, event):
        self.container = event.container
        self.conn = event.container.connect(URL)
        self.sender = event.container.create_sender(self.conn, QUEUE)
        self.receiver = event.container.create_receiver(self.conn, QUEUE)
        if SCENARIO == 'accept-abort':
            for i in range(3):
                self.sender.send(Message(body='p%d' % i))
        self.container.declare_transaction(self.conn, handler=self)

    # --- transactions ----------------------------------------------------------------------

    def on_transaction_declared(self, event):
        self.txn = event.transaction
        self.log('declared')
        if SCENARIO in ('commit', 'abort'):
            for i in range(3):
                self.txn.send(self.sender, Message(body='t%d' % i))
        else:
            self.maybe_first_round()

    def on_settled(self, event):
        # Outcomes of our transactional transfers (the broker settles each with its state).
        if event.link == self.sender and self.txn is not None and SCENARIO in ('commit', 'abort'):
            self.settled_in_txn += 1
            if self.settled_in_txn == 3:
                # Give a plain receiver time to see anything the broker wrongly let through.
                self.later(0.3, self.discharge_posts)

    def discharge_posts(self):
        self.result['beforeDischarge'] = list(self.received)
        if SCENARIO == 'commit':
            self.txn.commit()
        else:
            self.txn.abort()

    def on_transaction_committed(self, event):
        self.log('committed')
        if SCENARIO == 'commit':
            self.later(0.5, self.report)
        else:
            self.later(0.3, self.report)

    def on_transaction_aborted(self, event):
        self.log('aborted')
        if SCENARIO == 'abort':
            self.later(0.3, self.after_abort)
        else:
            self.phase = 'aborted'
            self.maybe_second_round()

    def on_transaction_commit_failed(self, event):
        self.log('commit-failed')
        self.report()

    def on_transaction_declare_failed(self, event):
        self.log('declare-failed')
        self.report()

    def after_abort(self):
        self.result['afterAbort'] = list(self.received)
        self.sender.send(Message(body='plain'))
        self.later(0.5, self.report)

    # --- the plain receiver ----------------------------------------------------------------

    def on_message(self, event):
        self.received.append(event.message.body)
        if SCENARIO != 'accept-abort':
            self.accept(event.delivery)
        elif self.phase == 'start':
            self.first.append(event.delivery)
            self.maybe_first_round()
        else:
            # The aborted accepts were undone: the messages come again. Accept them in a second
            # transaction that commits.
            self.second.append(event.delivery)
            self.maybe_second_round()

    def maybe_second_round(self):
        if len(self.second) == 3 and self.phase == 'aborted':
                self.phase = 'committing'
                self.container.declare_transaction(self.conn, handler=Committer(self))

    def maybe_first_round(self):
        """All 3 messages in and the first transaction declared: accept them in it, then abort."""
        if self.txn is None or len(self.first) < 3 or self.phase != 'start':
            return
        self.phase = 'accepted'
        for d in self.first:
            self.txn.accept(d)
        self.later(0.3, self.abort_first_round)

    def abort_first_round(self):
        self.result['beforeAbort'] = list(self.received)
        self.txn.abort()

    def report(self):
        self.result['received'] = list(self.received)
        print(json.dumps(self.result))
        sys.stdout.flush()
        self.finish()


class Committer(TransactionHandler):
    """Accepts the redelivered messages in a second transaction and commits it."""

    def __init__(self, scenario):
        super(Committer, self).__init__()
        self.s = scenario

    def on_transaction_declared(self, event):
        self.s.log('declared-2')
        for d in self.s.second:
            event.transaction.accept(d)
        event.transaction.commit()

    def on_transaction_committed(self, event):
        self.s.log('committed-2')
        self.s.later(0.3, self.s.report)

    def on_transaction_commit_failed(self, event):
        self.s.log('commit-failed-2')
        self.s.report()


def main():
    Container(Scenario()).run()


main()
