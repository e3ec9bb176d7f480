/**
 * The reserved address `$null`: a node that is never the bottleneck, for measuring clients.
 * - Sending to it: every message is accepted at once and discarded; producers get a large credit
 *   window (NULL_SINK_CREDIT), topped up when half is used.
 * - Receiving from it: it sends, as fast as the link credit allows, messages whose body is the
 *   12-character string `hello world!` (one amqp-value section); it honours drain.
 * Nothing is stored, nothing is routed; `stats()` does not count these messages.
 */
import { encode } from '../amqp/codec/encoder.js';
import { string } from '../amqp/codec/values.js';
import { Code } from '../amqp/codec/constructors.js';
import type { IncomingDelivery, OutgoingDelivery, ReceiverLink, SenderLink } from '../amqp/engine/link.js';
import type { Source, Target } from '../amqp/frames/definitions.generated.js';
import { Consumer, Producer, type LinkContext } from './links.js';
import type { Queue } from './queue.js';
import type { StoredMessage } from './message.js';
import { ACCEPTED } from '../amqp/frames/fast-performatives.js';

/** The reserved address of the null sink and source. */
export const NULL_SINK_ADDRESS = '$null';
/** Credit window the null sink grants each producing link. */
export const NULL_SINK_CREDIT = 5000;

export const isNullSink = (address: string | undefined): boolean => address === NULL_SINK_ADDRESS;

/** The message the null source sends: an amqp-value section holding the string `hello world!`. */
const GENERATED: Uint8Array = (() => {
  const value = encode(string('hello world!'));
  const out = new Uint8Array(3 + value.length);
  out.set([Code.described, 0x53, 0x77]); // described, smallulong 0x77 (amqp-value)
  out.set(value, 3);
  return out;
})();

/**
 * The link ends, made on first use: they extend links.ts's classes, which import this module,
 * so they must not be evaluated while that module is still loading.
 */
function classes() {
  return (made ??= make());
}
let made: ReturnType<typeof make> | undefined;

function make() {
  /** A producing link into the null sink: accepts and forgets. */
  class NullSinkProducer extends Producer {
    constructor(link: ReceiverLink, private readonly sinkCtx: LinkContext) {
      super(link, undefined, undefined, sinkCtx);
    }

    override refill(): void {
      if (this.link.state !== 'attached' || this.link.credit.credit > NULL_SINK_CREDIT / 2) return;
      this.link.flow(NULL_SINK_CREDIT);
      this.sinkCtx.flushSoon();
    }

    override onDelivery(d: IncomingDelivery): void {
      if (!d.settled) this.link.settle(d, ACCEPTED);
      this.refill();
      this.sinkCtx.flushSoon();
    }
  }

  /** A consuming link from the null source: fills whatever credit it is given. */
  class NullSourceConsumer extends Consumer {
    constructor(link: SenderLink, private readonly sourceCtx: LinkContext) {
      super(link, NO_QUEUE, () => {}, sourceCtx);
    }

    override deliver(_m: StoredMessage): boolean {
      return false;
    }

    override idle(): void {}

    override onFlow(): void {
      const l = this.link;
      if (l.state !== 'attached') return;
      const settled = this.presettled;
      let sent = false;
      while (l.credit.credit > 0) {
        l.send(GENERATED, { settled });
        sent = true;
      }
      if (l.drainRequested) {
        l.drained();
        sent = true;
      }
      if (sent) this.sourceCtx.flushSoon();
    }

    override onUpdate(_d: OutgoingDelivery): void {}

    override close(): void {}
  }
  return { NullSinkProducer, NullSourceConsumer };
}

/** Never consulted: the null source overrides everything that would touch its queue. */
const NO_QUEUE = {} as Queue;

/** Answer a client's sending link to `$null` (the attach is answered here). */
export function attachNullSink(link: ReceiverLink, target: Target | undefined, ctx: LinkContext): Producer {
  link.attach(undefined, { target, rcvSettleMode: 'first' });
  const p = new (classes().NullSinkProducer)(link, ctx);
  p.refill();
  return p;
}

/** Answer a client's receiving link from `$null` (the attach is answered here). */
export function attachNullSource(link: SenderLink, source: Source, ctx: LinkContext): Consumer {
  link.attach(0, { source });
  return new (classes().NullSourceConsumer)(link, ctx);
}
