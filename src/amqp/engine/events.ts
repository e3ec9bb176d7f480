/**
 * What the engine tells its owner after `receive` / `tick`. A discriminated union, so the Rx layer
 * (and the embedded broker) switch on `type` and TypeScript checks the cases.
 */
import type { Open } from '../frames/definitions.generated.js';
import type { AmqpError } from './errors.js';
import type { Link } from './link-base.js';
import type { IncomingDelivery, ReceiverLink } from './receiver-link.js';
import type { OutgoingDelivery, SenderLink } from './sender-link.js';
import type { Session } from './session.js';

export type EngineEvent =
  /** The peer's open arrived (after ours): the connection is usable. */
  | { readonly type: 'connection-open'; readonly remote: Open }
  /** The peer closed the connection; `error` if it closed with one. The engine is finished. */
  | { readonly type: 'connection-close'; readonly error?: AmqpError }
  /**
   * This side failed the connection (protocol violation, authentication failure, idle timeout).
   * A close carrying the error has been queued where the protocol allows; then the transport
   * should be ended.
   */
  | { readonly type: 'connection-error'; readonly error: Error }
  /** A session we began was answered, or the peer began one (then `remoteInitiated`). */
  | { readonly type: 'session-begin'; readonly session: Session; readonly remoteInitiated: boolean }
  /** A session ended (by the peer, with `error` if it gave one, or by our end being answered). */
  | { readonly type: 'session-end'; readonly session: Session; readonly error?: AmqpError }
  /** A link we attached was answered, or the peer attached one (then `remoteInitiated`). */
  | { readonly type: 'link-attach'; readonly link: Link; readonly remoteInitiated: boolean }
  /** A link detached (by the peer, with `error` if given, or by our detach being answered). */
  | { readonly type: 'link-detach'; readonly link: Link; readonly error?: AmqpError; readonly closed: boolean }
  /**
   * Link flow state changed: for a sender, credit or a drain request arrived; for a receiver,
   * the sender reported its state (e.g. answered a drain).
   */
  | { readonly type: 'link-flow'; readonly link: Link }
  /**
   * A complete message arrived on a receiver. The engine emits the delivery object itself, which
   * carries `type` and `link` and returns itself as `delivery` (one object per message, not two).
   */
  | { readonly type: 'delivery'; readonly link: ReceiverLink; readonly delivery: IncomingDelivery }
  /**
   * The peer's state or settlement of a delivery we sent changed. Also the delivery itself (see
   * 'delivery'), emitted again at each change.
   */
  | { readonly type: 'delivery-update'; readonly link: SenderLink; readonly delivery: OutgoingDelivery }
  /**
   * A receiver got a transfer with no credit outstanding (RabbitMQ 3.10 does this). The message is
   * still delivered (never dropped); this event lets the owner log or count it.
   */
  | { readonly type: 'credit-violation'; readonly link: ReceiverLink; readonly excess: number };
