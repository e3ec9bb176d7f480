// GENERATED FILE - do not edit. Produced by scripts/gen-amqp-definitions.ts from the AMQP 1.0
// specification XML (transport, messaging, security, transactions); regenerate with
// `npx tsx scripts/gen-amqp-definitions.ts`. spec/amqp/frames/definitions.spec.ts checks it.
import type { AmqpMap, AmqpValue } from '../codec/types.js';
import type { CompositeDefinition, EnumDefinition, SectionDefinition } from './schema.js';

/** The `definition` constants of the specification (ports, version, MIN-MAX-FRAME-SIZE). */
export const SPEC_CONSTANTS = {
  "PORT": 5672,
  "SECURE-PORT": 5671,
  "MAJOR": 1,
  "MINOR": 0,
  "REVISION": 0,
  "MIN-MAX-FRAME-SIZE": 512,
  "MESSAGE-FORMAT": 0,
  "TLS-MAJOR": 1,
  "TLS-MINOR": 0,
  "TLS-REVISION": 0,
  "SASL-MAJOR": 1,
  "SASL-MINOR": 0,
  "SASL-REVISION": 0,
} as const;

/** Restricted types with a closed set of choices, keyed by specification name. */
export const ENUMS = {
  "role": { name: "role", source: "boolean", choices: [
    { name: "sender", value: false },
    { name: "receiver", value: true },
  ] },
  "sender-settle-mode": { name: "sender-settle-mode", source: "ubyte", choices: [
    { name: "unsettled", value: 0 },
    { name: "settled", value: 1 },
    { name: "mixed", value: 2 },
  ] },
  "receiver-settle-mode": { name: "receiver-settle-mode", source: "ubyte", choices: [
    { name: "first", value: 0 },
    { name: "second", value: 1 },
  ] },
  "terminus-durability": { name: "terminus-durability", source: "uint", choices: [
    { name: "none", value: 0 },
    { name: "configuration", value: 1 },
    { name: "unsettled-state", value: 2 },
  ] },
  "terminus-expiry-policy": { name: "terminus-expiry-policy", source: "symbol", choices: [
    { name: "link-detach", value: "link-detach" },
    { name: "session-end", value: "session-end" },
    { name: "connection-close", value: "connection-close" },
    { name: "never", value: "never" },
  ] },
  "std-dist-mode": { name: "std-dist-mode", source: "symbol", provides: "distribution-mode", choices: [
    { name: "move", value: "move" },
    { name: "copy", value: "copy" },
  ] },
  "sasl-code": { name: "sasl-code", source: "ubyte", choices: [
    { name: "ok", value: 0 },
    { name: "auth", value: 1 },
    { name: "sys", value: 2 },
    { name: "sys-perm", value: 3 },
    { name: "sys-temp", value: 4 },
  ] },
  "txn-capability": { name: "txn-capability", source: "symbol", provides: "txn-capability", choices: [
    { name: "local-transactions", value: "amqp:local-transactions" },
    { name: "distributed-transactions", value: "amqp:distributed-transactions" },
    { name: "promotable-transactions", value: "amqp:promotable-transactions" },
    { name: "multi-txns-per-ssn", value: "amqp:multi-txns-per-ssn" },
    { name: "multi-ssns-per-txn", value: "amqp:multi-ssns-per-txn" },
  ] },
} as const satisfies { readonly [name: string]: EnumDefinition };
export type EnumName = keyof typeof ENUMS;

/** Error condition symbols (the restricted types providing `error-condition`), by group. */
export const ERROR_CONDITIONS = {
  amqpError: {
    internalError: "amqp:internal-error",
    notFound: "amqp:not-found",
    unauthorizedAccess: "amqp:unauthorized-access",
    decodeError: "amqp:decode-error",
    resourceLimitExceeded: "amqp:resource-limit-exceeded",
    notAllowed: "amqp:not-allowed",
    invalidField: "amqp:invalid-field",
    notImplemented: "amqp:not-implemented",
    resourceLocked: "amqp:resource-locked",
    preconditionFailed: "amqp:precondition-failed",
    resourceDeleted: "amqp:resource-deleted",
    illegalState: "amqp:illegal-state",
    frameSizeTooSmall: "amqp:frame-size-too-small",
  },
  connectionError: {
    connectionForced: "amqp:connection:forced",
    framingError: "amqp:connection:framing-error",
    redirect: "amqp:connection:redirect",
  },
  sessionError: {
    windowViolation: "amqp:session:window-violation",
    errantLink: "amqp:session:errant-link",
    handleInUse: "amqp:session:handle-in-use",
    unattachedHandle: "amqp:session:unattached-handle",
  },
  linkError: {
    detachForced: "amqp:link:detach-forced",
    transferLimitExceeded: "amqp:link:transfer-limit-exceeded",
    messageSizeExceeded: "amqp:link:message-size-exceeded",
    redirect: "amqp:link:redirect",
    stolen: "amqp:link:stolen",
  },
  transactionError: {
    unknownId: "amqp:transaction:unknown-id",
    transactionRollback: "amqp:transaction:rollback",
    transactionTimeout: "amqp:transaction:timeout",
  },
} as const;

export type Role = "sender" | "receiver";
export type SenderSettleMode = "unsettled" | "settled" | "mixed";
export type ReceiverSettleMode = "first" | "second";
export type AmqpErrorCondition = "amqp:internal-error" | "amqp:not-found" | "amqp:unauthorized-access" | "amqp:decode-error" | "amqp:resource-limit-exceeded" | "amqp:not-allowed" | "amqp:invalid-field" | "amqp:not-implemented" | "amqp:resource-locked" | "amqp:precondition-failed" | "amqp:resource-deleted" | "amqp:illegal-state" | "amqp:frame-size-too-small";
export type ConnectionErrorCondition = "amqp:connection:forced" | "amqp:connection:framing-error" | "amqp:connection:redirect";
export type SessionErrorCondition = "amqp:session:window-violation" | "amqp:session:errant-link" | "amqp:session:handle-in-use" | "amqp:session:unattached-handle";
export type LinkErrorCondition = "amqp:link:detach-forced" | "amqp:link:transfer-limit-exceeded" | "amqp:link:message-size-exceeded" | "amqp:link:redirect" | "amqp:link:stolen";
export type TerminusDurability = "none" | "configuration" | "unsettled-state";
export type TerminusExpiryPolicy = "link-detach" | "session-end" | "connection-close" | "never";
export type StdDistMode = "move" | "copy";
export type SaslCode = "ok" | "auth" | "sys" | "sys-perm" | "sys-temp";
export type TxnCapability = "amqp:local-transactions" | "amqp:distributed-transactions" | "amqp:promotable-transactions" | "amqp:multi-txns-per-ssn" | "amqp:multi-ssns-per-txn";
export type TransactionErrorCondition = "amqp:transaction:unknown-id" | "amqp:transaction:rollback" | "amqp:transaction:timeout";
export type KnownErrorCondition = AmqpErrorCondition | ConnectionErrorCondition | SessionErrorCondition | LinkErrorCondition | TransactionErrorCondition;

/** Message sections in the order a message carries them (messaging section 3.2). */
export const SECTIONS = [
  { name: "header", code: 0x70, symbol: "amqp:header:list", source: "composite" },
  { name: "delivery-annotations", code: 0x71, symbol: "amqp:delivery-annotations:map", source: "map" },
  { name: "message-annotations", code: 0x72, symbol: "amqp:message-annotations:map", source: "map" },
  { name: "properties", code: 0x73, symbol: "amqp:properties:list", source: "composite" },
  { name: "application-properties", code: 0x74, symbol: "amqp:application-properties:map", source: "map" },
  { name: "data", code: 0x75, symbol: "amqp:data:binary", source: "binary" },
  { name: "amqp-sequence", code: 0x76, symbol: "amqp:amqp-sequence:list", source: "list" },
  { name: "amqp-value", code: 0x77, symbol: "amqp:amqp-value:*", source: "*" },
  { name: "footer", code: 0x78, symbol: "amqp:footer:map", source: "map" },
] as const satisfies readonly SectionDefinition[];
export type SectionName = (typeof SECTIONS)[number]['name'];

export type CompositeName = "open" | "begin" | "attach" | "flow" | "transfer" | "disposition" | "detach" | "end" | "close" | "error" | "header" | "properties" | "received" | "accepted" | "rejected" | "released" | "modified" | "source" | "target" | "delete-on-close" | "delete-on-no-links" | "delete-on-no-messages" | "delete-on-no-links-or-messages" | "sasl-mechanisms" | "sasl-init" | "sasl-challenge" | "sasl-response" | "sasl-outcome" | "coordinator" | "declare" | "discharge" | "declared" | "transactional-state";

/** Every composite type of the specification: descriptor, archetypes and fields in wire order. */
export const COMPOSITES: { readonly [K in CompositeName]: CompositeDefinition } = {
  "open": {
    name: "open", code: 0x10, symbol: "amqp:open:list", provides: ["frame"],
    fields: [
      { name: "containerId", specName: "container-id", type: "string", specType: "string", multiple: false, mandatory: true },
      { name: "hostname", specName: "hostname", type: "string", specType: "string", multiple: false, mandatory: false },
      { name: "maxFrameSize", specName: "max-frame-size", type: "uint", specType: "uint", multiple: false, mandatory: false, default: 4294967295 },
      { name: "channelMax", specName: "channel-max", type: "ushort", specType: "ushort", multiple: false, mandatory: false, default: 65535 },
      { name: "idleTimeOut", specName: "idle-time-out", type: "uint", specType: "milliseconds", multiple: false, mandatory: false },
      { name: "outgoingLocales", specName: "outgoing-locales", type: "symbol", specType: "ietf-language-tag", multiple: true, mandatory: false },
      { name: "incomingLocales", specName: "incoming-locales", type: "symbol", specType: "ietf-language-tag", multiple: true, mandatory: false },
      { name: "offeredCapabilities", specName: "offered-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "desiredCapabilities", specName: "desired-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "properties", specName: "properties", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "begin": {
    name: "begin", code: 0x11, symbol: "amqp:begin:list", provides: ["frame"],
    fields: [
      { name: "remoteChannel", specName: "remote-channel", type: "ushort", specType: "ushort", multiple: false, mandatory: false },
      { name: "nextOutgoingId", specName: "next-outgoing-id", type: "uint", specType: "transfer-number", multiple: false, mandatory: true },
      { name: "incomingWindow", specName: "incoming-window", type: "uint", specType: "uint", multiple: false, mandatory: true },
      { name: "outgoingWindow", specName: "outgoing-window", type: "uint", specType: "uint", multiple: false, mandatory: true },
      { name: "handleMax", specName: "handle-max", type: "uint", specType: "handle", multiple: false, mandatory: false, default: 4294967295 },
      { name: "offeredCapabilities", specName: "offered-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "desiredCapabilities", specName: "desired-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "properties", specName: "properties", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "attach": {
    name: "attach", code: 0x12, symbol: "amqp:attach:list", provides: ["frame"],
    fields: [
      { name: "name", specName: "name", type: "string", specType: "string", multiple: false, mandatory: true },
      { name: "handle", specName: "handle", type: "uint", specType: "handle", multiple: false, mandatory: true },
      { name: "role", specName: "role", type: "boolean", specType: "role", enumType: "role", multiple: false, mandatory: true },
      { name: "sndSettleMode", specName: "snd-settle-mode", type: "ubyte", specType: "sender-settle-mode", enumType: "sender-settle-mode", multiple: false, mandatory: false, default: "mixed" },
      { name: "rcvSettleMode", specName: "rcv-settle-mode", type: "ubyte", specType: "receiver-settle-mode", enumType: "receiver-settle-mode", multiple: false, mandatory: false, default: "first" },
      { name: "source", specName: "source", type: "*", specType: "*", requires: "source", multiple: false, mandatory: false },
      { name: "target", specName: "target", type: "*", specType: "*", requires: "target", multiple: false, mandatory: false },
      { name: "unsettled", specName: "unsettled", type: "map", specType: "map", multiple: false, mandatory: false },
      { name: "incompleteUnsettled", specName: "incomplete-unsettled", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "initialDeliveryCount", specName: "initial-delivery-count", type: "uint", specType: "sequence-no", multiple: false, mandatory: false },
      { name: "maxMessageSize", specName: "max-message-size", type: "ulong", specType: "ulong", multiple: false, mandatory: false },
      { name: "offeredCapabilities", specName: "offered-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "desiredCapabilities", specName: "desired-capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "properties", specName: "properties", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "flow": {
    name: "flow", code: 0x13, symbol: "amqp:flow:list", provides: ["frame"],
    fields: [
      { name: "nextIncomingId", specName: "next-incoming-id", type: "uint", specType: "transfer-number", multiple: false, mandatory: false },
      { name: "incomingWindow", specName: "incoming-window", type: "uint", specType: "uint", multiple: false, mandatory: true },
      { name: "nextOutgoingId", specName: "next-outgoing-id", type: "uint", specType: "transfer-number", multiple: false, mandatory: true },
      { name: "outgoingWindow", specName: "outgoing-window", type: "uint", specType: "uint", multiple: false, mandatory: true },
      { name: "handle", specName: "handle", type: "uint", specType: "handle", multiple: false, mandatory: false },
      { name: "deliveryCount", specName: "delivery-count", type: "uint", specType: "sequence-no", multiple: false, mandatory: false },
      { name: "linkCredit", specName: "link-credit", type: "uint", specType: "uint", multiple: false, mandatory: false },
      { name: "available", specName: "available", type: "uint", specType: "uint", multiple: false, mandatory: false },
      { name: "drain", specName: "drain", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "echo", specName: "echo", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "properties", specName: "properties", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "transfer": {
    name: "transfer", code: 0x14, symbol: "amqp:transfer:list", provides: ["frame"],
    fields: [
      { name: "handle", specName: "handle", type: "uint", specType: "handle", multiple: false, mandatory: true },
      { name: "deliveryId", specName: "delivery-id", type: "uint", specType: "delivery-number", multiple: false, mandatory: false },
      { name: "deliveryTag", specName: "delivery-tag", type: "binary", specType: "delivery-tag", multiple: false, mandatory: false },
      { name: "messageFormat", specName: "message-format", type: "uint", specType: "message-format", multiple: false, mandatory: false },
      { name: "settled", specName: "settled", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
      { name: "more", specName: "more", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "rcvSettleMode", specName: "rcv-settle-mode", type: "ubyte", specType: "receiver-settle-mode", enumType: "receiver-settle-mode", multiple: false, mandatory: false },
      { name: "state", specName: "state", type: "*", specType: "*", requires: "delivery-state", multiple: false, mandatory: false },
      { name: "resume", specName: "resume", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "aborted", specName: "aborted", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "batchable", specName: "batchable", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
    ],
  },
  "disposition": {
    name: "disposition", code: 0x15, symbol: "amqp:disposition:list", provides: ["frame"],
    fields: [
      { name: "role", specName: "role", type: "boolean", specType: "role", enumType: "role", multiple: false, mandatory: true },
      { name: "first", specName: "first", type: "uint", specType: "delivery-number", multiple: false, mandatory: true },
      { name: "last", specName: "last", type: "uint", specType: "delivery-number", multiple: false, mandatory: false },
      { name: "settled", specName: "settled", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "state", specName: "state", type: "*", specType: "*", requires: "delivery-state", multiple: false, mandatory: false },
      { name: "batchable", specName: "batchable", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
    ],
  },
  "detach": {
    name: "detach", code: 0x16, symbol: "amqp:detach:list", provides: ["frame"],
    fields: [
      { name: "handle", specName: "handle", type: "uint", specType: "handle", multiple: false, mandatory: true },
      { name: "closed", specName: "closed", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "error", specName: "error", type: "composite", specType: "error", composite: "error", multiple: false, mandatory: false },
    ],
  },
  "end": {
    name: "end", code: 0x17, symbol: "amqp:end:list", provides: ["frame"],
    fields: [
      { name: "error", specName: "error", type: "composite", specType: "error", composite: "error", multiple: false, mandatory: false },
    ],
  },
  "close": {
    name: "close", code: 0x18, symbol: "amqp:close:list", provides: ["frame"],
    fields: [
      { name: "error", specName: "error", type: "composite", specType: "error", composite: "error", multiple: false, mandatory: false },
    ],
  },
  "error": {
    name: "error", code: 0x1d, symbol: "amqp:error:list", provides: [],
    fields: [
      { name: "condition", specName: "condition", type: "symbol", specType: "symbol", requires: "error-condition", multiple: false, mandatory: true },
      { name: "description", specName: "description", type: "string", specType: "string", multiple: false, mandatory: false },
      { name: "info", specName: "info", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "header": {
    name: "header", code: 0x70, symbol: "amqp:header:list", provides: ["section"],
    fields: [
      { name: "durable", specName: "durable", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
      { name: "priority", specName: "priority", type: "ubyte", specType: "ubyte", multiple: false, mandatory: false },
      { name: "ttl", specName: "ttl", type: "uint", specType: "milliseconds", multiple: false, mandatory: false },
      { name: "firstAcquirer", specName: "first-acquirer", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
      { name: "deliveryCount", specName: "delivery-count", type: "uint", specType: "uint", multiple: false, mandatory: false },
    ],
  },
  "properties": {
    name: "properties", code: 0x73, symbol: "amqp:properties:list", provides: ["section"],
    fields: [
      { name: "messageId", specName: "message-id", type: "*", specType: "*", requires: "message-id", multiple: false, mandatory: false },
      { name: "userId", specName: "user-id", type: "binary", specType: "binary", multiple: false, mandatory: false },
      { name: "to", specName: "to", type: "*", specType: "*", requires: "address", multiple: false, mandatory: false },
      { name: "subject", specName: "subject", type: "string", specType: "string", multiple: false, mandatory: false },
      { name: "replyTo", specName: "reply-to", type: "*", specType: "*", requires: "address", multiple: false, mandatory: false },
      { name: "correlationId", specName: "correlation-id", type: "*", specType: "*", requires: "message-id", multiple: false, mandatory: false },
      { name: "contentType", specName: "content-type", type: "symbol", specType: "symbol", multiple: false, mandatory: false },
      { name: "contentEncoding", specName: "content-encoding", type: "symbol", specType: "symbol", multiple: false, mandatory: false },
      { name: "absoluteExpiryTime", specName: "absolute-expiry-time", type: "timestamp", specType: "timestamp", multiple: false, mandatory: false },
      { name: "creationTime", specName: "creation-time", type: "timestamp", specType: "timestamp", multiple: false, mandatory: false },
      { name: "groupId", specName: "group-id", type: "string", specType: "string", multiple: false, mandatory: false },
      { name: "groupSequence", specName: "group-sequence", type: "uint", specType: "sequence-no", multiple: false, mandatory: false },
      { name: "replyToGroupId", specName: "reply-to-group-id", type: "string", specType: "string", multiple: false, mandatory: false },
    ],
  },
  "received": {
    name: "received", code: 0x23, symbol: "amqp:received:list", provides: ["delivery-state"],
    fields: [
      { name: "sectionNumber", specName: "section-number", type: "uint", specType: "uint", multiple: false, mandatory: true },
      { name: "sectionOffset", specName: "section-offset", type: "ulong", specType: "ulong", multiple: false, mandatory: true },
    ],
  },
  "accepted": {
    name: "accepted", code: 0x24, symbol: "amqp:accepted:list", provides: ["delivery-state", "outcome"],
    fields: [],
  },
  "rejected": {
    name: "rejected", code: 0x25, symbol: "amqp:rejected:list", provides: ["delivery-state", "outcome"],
    fields: [
      { name: "error", specName: "error", type: "composite", specType: "error", composite: "error", multiple: false, mandatory: false },
    ],
  },
  "released": {
    name: "released", code: 0x26, symbol: "amqp:released:list", provides: ["delivery-state", "outcome"],
    fields: [],
  },
  "modified": {
    name: "modified", code: 0x27, symbol: "amqp:modified:list", provides: ["delivery-state", "outcome"],
    fields: [
      { name: "deliveryFailed", specName: "delivery-failed", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
      { name: "undeliverableHere", specName: "undeliverable-here", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
      { name: "messageAnnotations", specName: "message-annotations", type: "map", specType: "fields", multiple: false, mandatory: false },
    ],
  },
  "source": {
    name: "source", code: 0x28, symbol: "amqp:source:list", provides: ["source"],
    fields: [
      { name: "address", specName: "address", type: "*", specType: "*", requires: "address", multiple: false, mandatory: false },
      { name: "durable", specName: "durable", type: "uint", specType: "terminus-durability", enumType: "terminus-durability", multiple: false, mandatory: false, default: "none" },
      { name: "expiryPolicy", specName: "expiry-policy", type: "symbol", specType: "terminus-expiry-policy", enumType: "terminus-expiry-policy", multiple: false, mandatory: false, default: "session-end" },
      { name: "timeout", specName: "timeout", type: "uint", specType: "seconds", multiple: false, mandatory: false, default: 0 },
      { name: "dynamic", specName: "dynamic", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "dynamicNodeProperties", specName: "dynamic-node-properties", type: "map", specType: "node-properties", multiple: false, mandatory: false },
      { name: "distributionMode", specName: "distribution-mode", type: "symbol", specType: "symbol", requires: "distribution-mode", multiple: false, mandatory: false },
      { name: "filter", specName: "filter", type: "map", specType: "filter-set", multiple: false, mandatory: false },
      { name: "defaultOutcome", specName: "default-outcome", type: "*", specType: "*", requires: "outcome", multiple: false, mandatory: false },
      { name: "outcomes", specName: "outcomes", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
      { name: "capabilities", specName: "capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
    ],
  },
  "target": {
    name: "target", code: 0x29, symbol: "amqp:target:list", provides: ["target"],
    fields: [
      { name: "address", specName: "address", type: "*", specType: "*", requires: "address", multiple: false, mandatory: false },
      { name: "durable", specName: "durable", type: "uint", specType: "terminus-durability", enumType: "terminus-durability", multiple: false, mandatory: false, default: "none" },
      { name: "expiryPolicy", specName: "expiry-policy", type: "symbol", specType: "terminus-expiry-policy", enumType: "terminus-expiry-policy", multiple: false, mandatory: false, default: "session-end" },
      { name: "timeout", specName: "timeout", type: "uint", specType: "seconds", multiple: false, mandatory: false, default: 0 },
      { name: "dynamic", specName: "dynamic", type: "boolean", specType: "boolean", multiple: false, mandatory: false, default: false },
      { name: "dynamicNodeProperties", specName: "dynamic-node-properties", type: "map", specType: "node-properties", multiple: false, mandatory: false },
      { name: "capabilities", specName: "capabilities", type: "symbol", specType: "symbol", multiple: true, mandatory: false },
    ],
  },
  "delete-on-close": {
    name: "delete-on-close", code: 0x2b, symbol: "amqp:delete-on-close:list", provides: ["lifetime-policy"],
    fields: [],
  },
  "delete-on-no-links": {
    name: "delete-on-no-links", code: 0x2c, symbol: "amqp:delete-on-no-links:list", provides: ["lifetime-policy"],
    fields: [],
  },
  "delete-on-no-messages": {
    name: "delete-on-no-messages", code: 0x2d, symbol: "amqp:delete-on-no-messages:list", provides: ["lifetime-policy"],
    fields: [],
  },
  "delete-on-no-links-or-messages": {
    name: "delete-on-no-links-or-messages", code: 0x2e, symbol: "amqp:delete-on-no-links-or-messages:list", provides: ["lifetime-policy"],
    fields: [],
  },
  "sasl-mechanisms": {
    name: "sasl-mechanisms", code: 0x40, symbol: "amqp:sasl-mechanisms:list", provides: ["sasl-frame"],
    fields: [
      { name: "saslServerMechanisms", specName: "sasl-server-mechanisms", type: "symbol", specType: "symbol", multiple: true, mandatory: true },
    ],
  },
  "sasl-init": {
    name: "sasl-init", code: 0x41, symbol: "amqp:sasl-init:list", provides: ["sasl-frame"],
    fields: [
      { name: "mechanism", specName: "mechanism", type: "symbol", specType: "symbol", multiple: false, mandatory: true },
      { name: "initialResponse", specName: "initial-response", type: "binary", specType: "binary", multiple: false, mandatory: false },
      { name: "hostname", specName: "hostname", type: "string", specType: "string", multiple: false, mandatory: false },
    ],
  },
  "sasl-challenge": {
    name: "sasl-challenge", code: 0x42, symbol: "amqp:sasl-challenge:list", provides: ["sasl-frame"],
    fields: [
      { name: "challenge", specName: "challenge", type: "binary", specType: "binary", multiple: false, mandatory: true },
    ],
  },
  "sasl-response": {
    name: "sasl-response", code: 0x43, symbol: "amqp:sasl-response:list", provides: ["sasl-frame"],
    fields: [
      { name: "response", specName: "response", type: "binary", specType: "binary", multiple: false, mandatory: true },
    ],
  },
  "sasl-outcome": {
    name: "sasl-outcome", code: 0x44, symbol: "amqp:sasl-outcome:list", provides: ["sasl-frame"],
    fields: [
      { name: "code", specName: "code", type: "ubyte", specType: "sasl-code", enumType: "sasl-code", multiple: false, mandatory: true },
      { name: "additionalData", specName: "additional-data", type: "binary", specType: "binary", multiple: false, mandatory: false },
    ],
  },
  "coordinator": {
    name: "coordinator", code: 0x30, symbol: "amqp:coordinator:list", provides: ["target"],
    fields: [
      { name: "capabilities", specName: "capabilities", type: "symbol", specType: "symbol", requires: "txn-capability", multiple: true, mandatory: false },
    ],
  },
  "declare": {
    name: "declare", code: 0x31, symbol: "amqp:declare:list", provides: [],
    fields: [
      { name: "globalId", specName: "global-id", type: "*", specType: "*", requires: "global-tx-id", multiple: false, mandatory: false },
    ],
  },
  "discharge": {
    name: "discharge", code: 0x32, symbol: "amqp:discharge:list", provides: [],
    fields: [
      { name: "txnId", specName: "txn-id", type: "*", specType: "*", requires: "txn-id", multiple: false, mandatory: true },
      { name: "fail", specName: "fail", type: "boolean", specType: "boolean", multiple: false, mandatory: false },
    ],
  },
  "declared": {
    name: "declared", code: 0x33, symbol: "amqp:declared:list", provides: ["delivery-state", "outcome"],
    fields: [
      { name: "txnId", specName: "txn-id", type: "*", specType: "*", requires: "txn-id", multiple: false, mandatory: true },
    ],
  },
  "transactional-state": {
    name: "transactional-state", code: 0x34, symbol: "amqp:transactional-state:list", provides: ["delivery-state"],
    fields: [
      { name: "txnId", specName: "txn-id", type: "*", specType: "*", requires: "txn-id", multiple: false, mandatory: true },
      { name: "outcome", specName: "outcome", type: "*", specType: "*", requires: "outcome", multiple: false, mandatory: false },
    ],
  },
};

/** amqp:open:list (0x10), provides frame. */
export interface Open {
  readonly kind: "open";
  /** string */
  readonly containerId: string;
  /** string */
  readonly hostname?: string;
  /** uint, default 4294967295 */
  readonly maxFrameSize?: number;
  /** ushort, default 65535 */
  readonly channelMax?: number;
  /** milliseconds (uint) */
  readonly idleTimeOut?: number;
  /** ietf-language-tag (symbol) */
  readonly outgoingLocales?: readonly string[];
  /** ietf-language-tag (symbol) */
  readonly incomingLocales?: readonly string[];
  /** symbol */
  readonly offeredCapabilities?: readonly string[];
  /** symbol */
  readonly desiredCapabilities?: readonly string[];
  /** fields (map) */
  readonly properties?: AmqpMap;
}

/** amqp:begin:list (0x11), provides frame. */
export interface Begin {
  readonly kind: "begin";
  /** ushort */
  readonly remoteChannel?: number;
  /** transfer-number (uint) */
  readonly nextOutgoingId: number;
  /** uint */
  readonly incomingWindow: number;
  /** uint */
  readonly outgoingWindow: number;
  /** handle (uint), default 4294967295 */
  readonly handleMax?: number;
  /** symbol */
  readonly offeredCapabilities?: readonly string[];
  /** symbol */
  readonly desiredCapabilities?: readonly string[];
  /** fields (map) */
  readonly properties?: AmqpMap;
}

/** amqp:attach:list (0x12), provides frame. */
export interface Attach {
  readonly kind: "attach";
  /** string */
  readonly name: string;
  /** handle (uint) */
  readonly handle: number;
  /** role (boolean) */
  readonly role: Role;
  /** sender-settle-mode (ubyte), default "mixed" */
  readonly sndSettleMode?: SenderSettleMode;
  /** receiver-settle-mode (ubyte), default "first" */
  readonly rcvSettleMode?: ReceiverSettleMode;
  /** *, requires source */
  readonly source?: Source | AmqpValue;
  /** *, requires target */
  readonly target?: Target | Coordinator | AmqpValue;
  /** map */
  readonly unsettled?: AmqpMap;
  /** boolean, default false */
  readonly incompleteUnsettled?: boolean;
  /** sequence-no (uint) */
  readonly initialDeliveryCount?: number;
  /** ulong */
  readonly maxMessageSize?: bigint;
  /** symbol */
  readonly offeredCapabilities?: readonly string[];
  /** symbol */
  readonly desiredCapabilities?: readonly string[];
  /** fields (map) */
  readonly properties?: AmqpMap;
}

/** amqp:flow:list (0x13), provides frame. */
export interface Flow {
  readonly kind: "flow";
  /** transfer-number (uint) */
  readonly nextIncomingId?: number;
  /** uint */
  readonly incomingWindow: number;
  /** transfer-number (uint) */
  readonly nextOutgoingId: number;
  /** uint */
  readonly outgoingWindow: number;
  /** handle (uint) */
  readonly handle?: number;
  /** sequence-no (uint) */
  readonly deliveryCount?: number;
  /** uint */
  readonly linkCredit?: number;
  /** uint */
  readonly available?: number;
  /** boolean, default false */
  readonly drain?: boolean;
  /** boolean, default false */
  readonly echo?: boolean;
  /** fields (map) */
  readonly properties?: AmqpMap;
}

/** amqp:transfer:list (0x14), provides frame. */
export interface Transfer {
  readonly kind: "transfer";
  /** handle (uint) */
  readonly handle: number;
  /** delivery-number (uint) */
  readonly deliveryId?: number;
  /** delivery-tag (binary) */
  readonly deliveryTag?: Uint8Array;
  /** message-format (uint) */
  readonly messageFormat?: number;
  /** boolean */
  readonly settled?: boolean;
  /** boolean, default false */
  readonly more?: boolean;
  /** receiver-settle-mode (ubyte) */
  readonly rcvSettleMode?: ReceiverSettleMode;
  /** *, requires delivery-state */
  readonly state?: Received | Accepted | Rejected | Released | Modified | Declared | TransactionalState | AmqpValue;
  /** boolean, default false */
  readonly resume?: boolean;
  /** boolean, default false */
  readonly aborted?: boolean;
  /** boolean, default false */
  readonly batchable?: boolean;
}

/** amqp:disposition:list (0x15), provides frame. */
export interface Disposition {
  readonly kind: "disposition";
  /** role (boolean) */
  readonly role: Role;
  /** delivery-number (uint) */
  readonly first: number;
  /** delivery-number (uint) */
  readonly last?: number;
  /** boolean, default false */
  readonly settled?: boolean;
  /** *, requires delivery-state */
  readonly state?: Received | Accepted | Rejected | Released | Modified | Declared | TransactionalState | AmqpValue;
  /** boolean, default false */
  readonly batchable?: boolean;
}

/** amqp:detach:list (0x16), provides frame. */
export interface Detach {
  readonly kind: "detach";
  /** handle (uint) */
  readonly handle: number;
  /** boolean, default false */
  readonly closed?: boolean;
  /** error (composite) */
  readonly error?: ErrorInfo;
}

/** amqp:end:list (0x17), provides frame. */
export interface End {
  readonly kind: "end";
  /** error (composite) */
  readonly error?: ErrorInfo;
}

/** amqp:close:list (0x18), provides frame. */
export interface Close {
  readonly kind: "close";
  /** error (composite) */
  readonly error?: ErrorInfo;
}

/** amqp:error:list (0x1d). */
export interface ErrorInfo {
  readonly kind: "error";
  /** symbol, requires error-condition */
  readonly condition: string;
  /** string */
  readonly description?: string;
  /** fields (map) */
  readonly info?: AmqpMap;
}

/** amqp:header:list (0x70), provides section. */
export interface Header {
  readonly kind: "header";
  /** boolean */
  readonly durable?: boolean;
  /** ubyte */
  readonly priority?: number;
  /** milliseconds (uint) */
  readonly ttl?: number;
  /** boolean */
  readonly firstAcquirer?: boolean;
  /** uint */
  readonly deliveryCount?: number;
}

/** amqp:properties:list (0x73), provides section. */
export interface Properties {
  readonly kind: "properties";
  /** *, requires message-id */
  readonly messageId?: AmqpValue;
  /** binary */
  readonly userId?: Uint8Array;
  /** *, requires address */
  readonly to?: AmqpValue;
  /** string */
  readonly subject?: string;
  /** *, requires address */
  readonly replyTo?: AmqpValue;
  /** *, requires message-id */
  readonly correlationId?: AmqpValue;
  /** symbol */
  readonly contentType?: string;
  /** symbol */
  readonly contentEncoding?: string;
  /** timestamp */
  readonly absoluteExpiryTime?: bigint;
  /** timestamp */
  readonly creationTime?: bigint;
  /** string */
  readonly groupId?: string;
  /** sequence-no (uint) */
  readonly groupSequence?: number;
  /** string */
  readonly replyToGroupId?: string;
}

/** amqp:received:list (0x23), provides delivery-state. */
export interface Received {
  readonly kind: "received";
  /** uint */
  readonly sectionNumber: number;
  /** ulong */
  readonly sectionOffset: bigint;
}

/** amqp:accepted:list (0x24), provides delivery-state, outcome. */
export interface Accepted {
  readonly kind: "accepted";
}

/** amqp:rejected:list (0x25), provides delivery-state, outcome. */
export interface Rejected {
  readonly kind: "rejected";
  /** error (composite) */
  readonly error?: ErrorInfo;
}

/** amqp:released:list (0x26), provides delivery-state, outcome. */
export interface Released {
  readonly kind: "released";
}

/** amqp:modified:list (0x27), provides delivery-state, outcome. */
export interface Modified {
  readonly kind: "modified";
  /** boolean */
  readonly deliveryFailed?: boolean;
  /** boolean */
  readonly undeliverableHere?: boolean;
  /** fields (map) */
  readonly messageAnnotations?: AmqpMap;
}

/** amqp:source:list (0x28), provides source. */
export interface Source {
  readonly kind: "source";
  /** *, requires address */
  readonly address?: AmqpValue;
  /** terminus-durability (uint), default "none" */
  readonly durable?: TerminusDurability;
  /** terminus-expiry-policy (symbol), default "session-end" */
  readonly expiryPolicy?: TerminusExpiryPolicy;
  /** seconds (uint), default 0 */
  readonly timeout?: number;
  /** boolean, default false */
  readonly dynamic?: boolean;
  /** node-properties (map) */
  readonly dynamicNodeProperties?: AmqpMap;
  /** symbol, requires distribution-mode */
  readonly distributionMode?: string;
  /** filter-set (map) */
  readonly filter?: AmqpMap;
  /** *, requires outcome */
  readonly defaultOutcome?: Accepted | Rejected | Released | Modified | Declared | AmqpValue;
  /** symbol */
  readonly outcomes?: readonly string[];
  /** symbol */
  readonly capabilities?: readonly string[];
}

/** amqp:target:list (0x29), provides target. */
export interface Target {
  readonly kind: "target";
  /** *, requires address */
  readonly address?: AmqpValue;
  /** terminus-durability (uint), default "none" */
  readonly durable?: TerminusDurability;
  /** terminus-expiry-policy (symbol), default "session-end" */
  readonly expiryPolicy?: TerminusExpiryPolicy;
  /** seconds (uint), default 0 */
  readonly timeout?: number;
  /** boolean, default false */
  readonly dynamic?: boolean;
  /** node-properties (map) */
  readonly dynamicNodeProperties?: AmqpMap;
  /** symbol */
  readonly capabilities?: readonly string[];
}

/** amqp:delete-on-close:list (0x2b), provides lifetime-policy. */
export interface DeleteOnClose {
  readonly kind: "delete-on-close";
}

/** amqp:delete-on-no-links:list (0x2c), provides lifetime-policy. */
export interface DeleteOnNoLinks {
  readonly kind: "delete-on-no-links";
}

/** amqp:delete-on-no-messages:list (0x2d), provides lifetime-policy. */
export interface DeleteOnNoMessages {
  readonly kind: "delete-on-no-messages";
}

/** amqp:delete-on-no-links-or-messages:list (0x2e), provides lifetime-policy. */
export interface DeleteOnNoLinksOrMessages {
  readonly kind: "delete-on-no-links-or-messages";
}

/** amqp:sasl-mechanisms:list (0x40), provides sasl-frame. */
export interface SaslMechanisms {
  readonly kind: "sasl-mechanisms";
  /** symbol */
  readonly saslServerMechanisms: readonly string[];
}

/** amqp:sasl-init:list (0x41), provides sasl-frame. */
export interface SaslInit {
  readonly kind: "sasl-init";
  /** symbol */
  readonly mechanism: string;
  /** binary */
  readonly initialResponse?: Uint8Array;
  /** string */
  readonly hostname?: string;
}

/** amqp:sasl-challenge:list (0x42), provides sasl-frame. */
export interface SaslChallenge {
  readonly kind: "sasl-challenge";
  /** binary */
  readonly challenge: Uint8Array;
}

/** amqp:sasl-response:list (0x43), provides sasl-frame. */
export interface SaslResponse {
  readonly kind: "sasl-response";
  /** binary */
  readonly response: Uint8Array;
}

/** amqp:sasl-outcome:list (0x44), provides sasl-frame. */
export interface SaslOutcome {
  readonly kind: "sasl-outcome";
  /** sasl-code (ubyte) */
  readonly code: SaslCode;
  /** binary */
  readonly additionalData?: Uint8Array;
}

/** amqp:coordinator:list (0x30), provides target. */
export interface Coordinator {
  readonly kind: "coordinator";
  /** symbol, requires txn-capability */
  readonly capabilities?: readonly string[];
}

/** amqp:declare:list (0x31). */
export interface Declare {
  readonly kind: "declare";
  /** *, requires global-tx-id */
  readonly globalId?: AmqpValue;
}

/** amqp:discharge:list (0x32). */
export interface Discharge {
  readonly kind: "discharge";
  /** *, requires txn-id */
  readonly txnId: AmqpValue;
  /** boolean */
  readonly fail?: boolean;
}

/** amqp:declared:list (0x33), provides delivery-state, outcome. */
export interface Declared {
  readonly kind: "declared";
  /** *, requires txn-id */
  readonly txnId: AmqpValue;
}

/** amqp:transactional-state:list (0x34), provides delivery-state. */
export interface TransactionalState {
  readonly kind: "transactional-state";
  /** *, requires txn-id */
  readonly txnId: AmqpValue;
  /** *, requires outcome */
  readonly outcome?: Accepted | Rejected | Released | Modified | Declared | AmqpValue;
}

/** The TypeScript type of each composite, by kind. */
export interface CompositeTypes {
  "open": Open;
  "begin": Begin;
  "attach": Attach;
  "flow": Flow;
  "transfer": Transfer;
  "disposition": Disposition;
  "detach": Detach;
  "end": End;
  "close": Close;
  "error": ErrorInfo;
  "header": Header;
  "properties": Properties;
  "received": Received;
  "accepted": Accepted;
  "rejected": Rejected;
  "released": Released;
  "modified": Modified;
  "source": Source;
  "target": Target;
  "delete-on-close": DeleteOnClose;
  "delete-on-no-links": DeleteOnNoLinks;
  "delete-on-no-messages": DeleteOnNoMessages;
  "delete-on-no-links-or-messages": DeleteOnNoLinksOrMessages;
  "sasl-mechanisms": SaslMechanisms;
  "sasl-init": SaslInit;
  "sasl-challenge": SaslChallenge;
  "sasl-response": SaslResponse;
  "sasl-outcome": SaslOutcome;
  "coordinator": Coordinator;
  "declare": Declare;
  "discharge": Discharge;
  "declared": Declared;
  "transactional-state": TransactionalState;
}
export type Composite = CompositeTypes[CompositeName];

/** For each archetype, the union of the composites that provide it. */
export interface ArchetypeMap {
  "frame": Open | Begin | Attach | Flow | Transfer | Disposition | Detach | End | Close;
  "section": Header | Properties;
  "delivery-state": Received | Accepted | Rejected | Released | Modified | Declared | TransactionalState;
  "outcome": Accepted | Rejected | Released | Modified | Declared;
  "source": Source;
  "target": Target | Coordinator;
  "lifetime-policy": DeleteOnClose | DeleteOnNoLinks | DeleteOnNoMessages | DeleteOnNoLinksOrMessages;
  "sasl-frame": SaslMechanisms | SaslInit | SaslChallenge | SaslResponse | SaslOutcome;
}
export type Archetype = keyof ArchetypeMap;
export type Performative = ArchetypeMap["frame"];
export type DeliveryState = ArchetypeMap["delivery-state"];
export type DeliveryOutcome = ArchetypeMap["outcome"];
export type LifetimePolicy = ArchetypeMap["lifetime-policy"];
export type SaslFrameBody = ArchetypeMap["sasl-frame"];
