/**
 * Dynamic nodes (a source or target the peer creates for the link, AMQP 1.0 section 3.5.3): the
 * typed refusal where a peer is known to have none, given before anything is attached.
 */
import { AmqpError } from '../engine/errors.js';
import type { SessionContext } from './context.js';
import { knownWithoutDynamicNodes } from './peer-quirks.js';

/** The peer has no dynamic nodes (RabbitMQ 3.x); nothing was attached. Fall back to a named node. */
export class DynamicNodesUnsupportedError extends AmqpError {
  constructor(description: string) {
    super('amqp:not-implemented', description, 'link', true);
  }
}

/** The refusal for a link asking for a dynamic node on this session's peer, or undefined to go ahead. */
export function dynamicRefusal(ctx: SessionContext, dynamic: boolean | undefined): DynamicNodesUnsupportedError | undefined {
  if (dynamic !== true) return undefined;
  const why = knownWithoutDynamicNodes(ctx);
  return why === undefined ? undefined : new DynamicNodesUnsupportedError(why);
}
