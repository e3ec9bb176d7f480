/** Errors of the Nest layer. */
import { RxMqError } from '../errors.js';

/** The broker did not take a published message (AMQP rejected/released/modified, or the sender ended). */
export class PublishError extends RxMqError {}
