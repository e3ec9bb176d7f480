/**
 * What some peers do differently from the specification, known from the `product` of their open
 * properties, and what the receiving pieces do about it. Each quirk names the product it was
 * measured on; a peer that sends no product is taken to follow the specification.
 */
import { toNative } from '../codec/native.js';
import type { SessionContext } from './context.js';

/** The peer's product name from its open properties, if it sent one. */
export function peerProduct(ctx: SessionContext): string | undefined {
  const props = ctx.driver.engine.remote?.properties;
  if (props === undefined) return undefined;
  const product = (toNative(props) as Record<string, unknown>).product;
  return typeof product === 'string' ? product : undefined;
}

/**
 * RabbitMQ 3.x answers a drain with credit still outstanding and then ends the link's deliveries
 * late (see fetch.ts): fetch detaches instead of draining there.
 */
const NO_DRAIN_PRODUCTS: readonly string[] = ['RabbitMQ'];

/** Whether the peer of this session answers a drain as the specification requires. */
export function honoursDrain(ctx: SessionContext): boolean {
  const product = peerProduct(ctx);
  return product === undefined || !NO_DRAIN_PRODUCTS.includes(product);
}

/**
 * RabbitMQ 3.10 takes a flow's link-credit as new credit on top of the deliveries its queue has
 * already handed to the link but not yet transferred: a top-up sent while credit is outstanding
 * lets it over-deliver by what was in its pipeline (measured: credit 20 held 30 unsettled, credit
 * 50 held 75). When no credit is outstanding nothing is in that pipeline, so a flow sent then is
 * exact. Receivers that promise a bound on unsettled messages top up only then.
 */
const CREDIT_OVERLAP_PRODUCTS: readonly string[] = ['RabbitMQ'];

/** Whether credit may be topped up while some is outstanding without the peer exceeding the total. */
export function honoursOverlappingFlows(ctx: SessionContext): boolean {
  const product = peerProduct(ctx);
  return product === undefined || !CREDIT_OVERLAP_PRODUCTS.includes(product);
}

/**
 * RabbitMQ 3.x strands deliveries that are on their way to a link when its detach arrives: they
 * stay unacknowledged until the session ends (see quiesce.ts, measured on 3.10). Receivers take
 * their credit back and wait for the answer before detaching there.
 */
export function strandsInFlightOnDetach(ctx: SessionContext): boolean {
  return rabbitMq3(ctx) !== undefined;
}

/**
 * RabbitMQ 3.x has no dynamic nodes: an attach asking for a dynamic source ends the whole session
 * (`amqp:not-implemented`, "Dynamic sources not supported"; measured on 3.10), and with it every
 * other link of that session. A receiver asking for one fails at once there, without attaching.
 * Returns why, or undefined where the peer is to be asked.
 */
export function knownWithoutDynamicNodes(ctx: SessionContext): string | undefined {
  const version = rabbitMq3(ctx);
  return version === undefined ? undefined : `RabbitMQ ${version} has no dynamic nodes (it ends the whole session when asked for one); nothing was attached`;
}

/** The peer's version when it is RabbitMQ 3.x (whose AMQP 1.0 plugin lacks what 4.x added), else undefined. */
function rabbitMq3(ctx: SessionContext): string | undefined {
  if (peerProduct(ctx) !== 'RabbitMQ') return undefined;
  const props = ctx.driver.engine.remote?.properties;
  const version = props === undefined ? undefined : (toNative(props) as Record<string, unknown>).version;
  return typeof version === 'string' && version.startsWith('3.') ? version : undefined;
}

/**
 * RabbitMQ 3.x has no transaction coordinator, and refuses an attach to one by ending the whole
 * session (`amqp:not-implemented`, "Transactions not supported"; measured on 3.10), which would take
 * every other link of the session with it (on the default session: the application's receivers
 * and senders). `transaction()` therefore refuses at once on such a peer, without attaching.
 * Returns why, or undefined where the peer is to be asked.
 */
export function knownWithoutCoordinator(ctx: SessionContext): string | undefined {
  const version = rabbitMq3(ctx);
  return version === undefined ? undefined : `RabbitMQ ${version} has no transaction coordinator (it ends the whole session when asked for one); nothing was attached`;
}
