/**
 * The one interface `send` and `receive` are written against. An adapter turns protocol-neutral
 * CLI messages into AMQP or STOMP operations and back; the URL's scheme picks the adapter.
 */
import type { Observable } from 'rxjs';
import type { MessageRecord } from '../format.js';

/** A message the `send` command built from its options. */
export interface OutgoingMessage {
  readonly body: string | Uint8Array;
  readonly contentType: string | undefined;
  readonly durable: boolean;
  /** --property k=v: AMQP application-properties; STOMP frame headers. */
  readonly properties: Readonly<Record<string, string>>;
  /** --header k=v: AMQP properties/header fields; STOMP frame headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/** at-least-once: wait for the broker's answer per message; at-most-once: fire and forget. */
export type SettleMode = 'at-least-once' | 'at-most-once';

/** What became of one sent message; `sent` means unconfirmed (at-most-once). */
export type SendState = 'accepted' | 'rejected' | 'released' | 'modified' | 'sent';

export interface SendOutcome {
  readonly state: SendState;
  /** The broker's reason for a rejection, when it gave one. */
  readonly detail?: string;
}

/**
 * What to do with each received message once its line is written:
 * manual = acknowledge it (accept / ACK); auto = the protocol's automatic mode; release and
 * reject give it back (STOMP: both NACK).
 */
export type AckMode = 'manual' | 'auto' | 'release' | 'reject';

export interface ReceiveOptions {
  /** Most messages delivered and not yet settled (AMQP link credit, STOMP prefetch). */
  readonly credit: number;
  /** Fetch mode: ask for exactly `count` messages and end after `timeout` ms. */
  readonly fetch?: { readonly count: number; readonly timeout: number };
  readonly ack: AckMode;
}

/** One received message: its neutral record, and how to settle it as --ack says. */
export interface ReceivedItem {
  readonly record: MessageRecord;
  /** Settle according to the AckMode (no-op for `auto`). */
  settle(): void;
}

/** `ready` is emitted once connected and subscribed; idle timers start from it. */
export type ReceiveEvent = { readonly kind: 'ready' } | { readonly kind: 'message'; readonly item: ReceivedItem };

export interface ProtocolAdapter {
  readonly protocol: 'amqp' | 'stomp';
  /**
   * Check what depends on the protocol (header names...) before anything connects; throws
   * UsageError.
   */
  validate(message: OutgoingMessage): void;
  /**
   * Connect, send every message of `messages` (subscribed once the link or session is up), emit
   * one outcome per message in order, complete and close after the last outcome.
   */
  send(address: string, messages: Observable<OutgoingMessage>, settle: SettleMode): Observable<SendOutcome>;
  /** Connect and receive; never completes on its own except in fetch mode. */
  receive(address: string, options: ReceiveOptions): Observable<ReceiveEvent>;
}
