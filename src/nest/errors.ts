/** Errors of the Nest layer. */
import { RxMqError } from '../errors.js';

/** The broker did not take a published message (AMQP rejected/released/modified, or the sender ended). */
export class PublishError extends RxMqError {}

/**
 * A request's reply address (a dynamic node) ended with its connection before the reply came: the
 * server may or may not have handled the request. Retry where that is safe, or use
 * `replies: 'queue'` for a reply queue that outlives reconnects.
 */
export class ReplyAddressLostError extends RxMqError {}
