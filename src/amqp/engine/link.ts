/**
 * Links (AMQP 1.0 section 2.6), one module per role: link-base.ts (attach, detach, settle-mode
 * negotiation, the LinkHost a session provides), sender-link.ts and receiver-link.ts. This module
 * gathers their names, for code outside the engine.
 */
export type { Payload } from './payload.js';
export { payloadLength } from './payload.js';
export { DEFAULT_OVER_CREDIT_LIMIT, Link } from './link-base.js';
export type { LinkFlowFields, LinkHost, LinkOptions, LinkState } from './link-base.js';
export { ReceiverLink } from './receiver-link.js';
export type { IncomingDelivery } from './receiver-link.js';
export { SenderLink } from './sender-link.js';
export type { OutgoingDelivery, SenderLinkHost, SendOptions } from './sender-link.js';
export type { ErrorInfo } from '../frames/definitions.generated.js';
