/** The reactive AMQP API. */
export { connect, AmqpConnection, AmqpSession } from './connection.js';
export type { AmqpConnectOptions, ConnectionState } from './connection.js';
export { MessageDecodeError, ReceivedMessage } from './receiver.js';
export { UnsupportedOutcomeError } from './modify.js';
export type { AmqpWarning, AmqpWarningHandler } from './warnings.js';
export type { ReceiveOptions, SettleMode, SourceSpec, SourceOptions, ModifyOptions, RejectError } from './receiver.js';
export type { FetchOptions } from './fetch.js';
export { SendBufferOverflowError } from './sender.js';
export type {
  SendOptions, SendOperator, SendBufferUnit, Outcome, OutcomeState, Delivery,
  AcceptedOutcome, RejectedOutcome, ReleasedOutcome, ModifiedOutcome, SentOutcome,
} from './sender.js';
export type { RequestOptions } from './request.js';
export type { ReceiverHandle, SenderHandle, AttachReceiverOptions, AttachSenderOptions, HandleSendOptions } from './handles.js';
export type { UnsubscribeDurableOptions } from './durable.js';
export type {
  LinkDetails, LinkDetailOptions, LinkSettleOptions, SettleModes, SourceView, TargetView, TerminusView, TargetOptions, TargetSpec,
  SenderSettleMode, ReceiverSettleMode, TerminusDurability, TerminusExpiryPolicy,
} from './link-details.js';
export { encodeMessage, decodeMessage, MESSAGE_FIELDS } from './message.js';
export type { Message, InboundMessage, BodyInput, MessageId, BodyType, PropertyMap } from './message.js';
export { amqpClient, AmqpClient } from './client.js';
export type { AmqpClientOptions, AmqpClientState } from './client.js';
// The reconnect keeper's public names, the same in rx-mq/stomp.
export { backoffDelay, type ReconnectOptions } from '../../reconnect/backoff.js';
export { ClientClosedError, ConnectionClosedByPeerError, type ClientState, type ClientStateName } from '../../reconnect/state.js';
export { settleOnCompletion, consumeReceiveOptions } from './consume.js';
export type { ConsumeOptions, ConsumeReceiveOptions, Consumed, ConsumeHandler } from './consume.js';
