/**
 * What the broker answers in an attach: its own terminus, stating what it does rather than echoing
 * what the client asked for (AMQP 1.0 section 2.6.3: the client reads the answer to learn what it
 * got). So the answer carries
 *
 * - the address exactly as requested (the same value, `/queue/X` stays `/queue/X`: Qpid Proton's
 *   BlockingConnection refuses a link whose answered address differs), or for a dynamic node the
 *   address the broker made;
 * - durability `none` and expiry `link-detach`: nothing of a terminus outlives its link here;
 * - the distribution mode actually used (`move`, or `copy` for a browser);
 * - only the filters the broker applies (unknown ones are left out, so the client can tell);
 * - the outcomes the broker takes and the one it applies to what a detaching link left unsettled;
 * - a `queue` or `topic` capability only where the client asked for it and the node is that kind.
 */
import type { AmqpMap, AmqpValue } from '../amqp/codec/types.js';
import type { Source, Target } from '../amqp/frames/definitions.generated.js';
import type { NodeKind } from './address.js';

/** How a consumer takes messages from its node. */
export type DistributionMode = 'move' | 'copy';

/** Outcomes the broker's queues act on (queue.ts), in the symbols of section 3.5.3. */
const OUTCOMES: readonly string[] = ['amqp:accepted:list', 'amqp:rejected:list', 'amqp:released:list', 'amqp:modified:list'];

/** A consumer that detaches with unsettled messages gives them back as failed deliveries. */
const DEFAULT_OUTCOME = { kind: 'modified', deliveryFailed: true } as const;

/** Capabilities that name a node kind: answered only when asked for and true. */
function kindCapabilities(requested: readonly string[] | undefined, kind: NodeKind | undefined): readonly string[] | undefined {
  if (requested === undefined || kind === undefined) return undefined;
  return requested.includes(kind) ? [kind] : undefined;
}

/** What the broker decided for a consuming link's source. */
export interface SourceAnswer {
  /** The address to answer: the requested value, or the created node's for a dynamic source. */
  readonly address: AmqpValue;
  /** The node kind (for capabilities); undefined for a dynamic node. */
  readonly kind: NodeKind | undefined;
  readonly distributionMode: DistributionMode;
  /** The entries of the requested filter set that the broker applies; undefined for none. */
  readonly filter: AmqpMap | undefined;
}

/** The source the broker answers for a client's receiving link. */
export function answerSource(requested: Source, answer: SourceAnswer): Source {
  return {
    kind: 'source',
    address: answer.address,
    durable: 'none',
    expiryPolicy: 'link-detach',
    timeout: 0,
    dynamic: requested.dynamic === true ? true : undefined,
    distributionMode: answer.distributionMode,
    filter: answer.filter,
    defaultOutcome: DEFAULT_OUTCOME,
    outcomes: OUTCOMES,
    capabilities: kindCapabilities(requested.capabilities, answer.kind),
  };
}

/**
 * The target the broker answers for a client's sending link; `address` undefined for the
 * anonymous relay (a null address, as requested).
 */
export function answerTarget(requested: Target | undefined, address: AmqpValue | undefined, kind: NodeKind | undefined): Target {
  return {
    kind: 'target',
    address,
    durable: 'none',
    expiryPolicy: 'link-detach',
    timeout: 0,
    dynamic: requested?.dynamic === true ? true : undefined,
    capabilities: kindCapabilities(requested?.capabilities, kind),
  };
}
